using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Registry.Access;

namespace Registry.Identity;

public static class Authentication
{
    public static IServiceCollection AddRegistryAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>>(sp => new Infrastructure.SecretValidation<AuthOptions>(
            sp.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>(), $"{AuthOptions.Section}:SigningKey", o => o.SigningKey,
            required: true));
        services.AddSingleton<TokenIssuer>();
        services.AddOptions<SignInOptions>().Bind(configuration.GetSection(SignInOptions.Section));
        services.AddSingleton<Sessions>();
        services.AddSingleton<ICallerRecheck, CallerRecheck>();
        services.AddSingleton<Credentials>();
        services.AddSingleton<PasswordSignIn>();
        services.AddSingleton<ISigners, Signers>();
        services.AddSignInRateLimit();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "registry.antiforgery";
            o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.FormFieldName = "__antiforgery";
        });
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, ConfigureJwtBearer>();
        var authentication = services.AddAuthentication(BrowserSignIn.Scheme);
        authentication.AddJwtBearer();
        services.AddBuiltInIssuer(configuration);
        if (Issuer.Enabled(configuration))
        {
            authentication.AddJwtBearer(Issuer.BearerScheme);
            services.AddSingleton<IConfigureOptions<JwtBearerOptions>, Issuer.ConfigureBearer>();
        }

        authentication.AddExternalSignIn(services, configuration);
        // The sign-in forms' redirects lead to the external issuer, and the built-in issuer's to its clients.
        services.AddOptions<Infrastructure.FormTargets>()
            .Configure<IOptions<OidcOptions>, IOptions<IssuerOptions>>((targets, oidc, issuer) =>
        {
            if (oidc.Value.Authority is { } authority)
            {
                targets.Urls.Add(authority);
            }

            targets.Urls.AddRange(issuer.Value.Clients.SelectMany(c => c.RedirectUris.Concat(c.PostLogoutRedirectUris)));
        });
        authentication.AddBrowserSignIn();
        // The cookie's end is judged by the registry's clock, as the session's is (the tests move that clock).
        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(
                Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<TimeProvider>((o, time) => o.TimeProvider = time);
        services.AddAuthorization(o =>
        {
            foreach (var (policy, roles) in Policies.RolesOf)
            {
                o.AddPolicy(policy, p => p.AddAuthenticationSchemes(BrowserSignIn.Scheme)
                    .RequireAuthenticatedUser()
                    .RequireClaim(Claims.Subject)
                    .RequireClaim(Claims.Role, roles));
            }
        });
        return services;
    }

    /// <summary>Validation of bearer tokens: signature, issuer, audience and lifetime against the registry's clock.</summary>
    private sealed class ConfigureJwtBearer(IOptions<AuthOptions> auth, TimeProvider time) : IConfigureNamedOptions<JwtBearerOptions>
    {
        public void Configure(string? name, JwtBearerOptions options)
        {
            // The registry's own tokens only: the issuers' schemes are configured by their own classes.
            if (name != JwtBearerDefaults.AuthenticationScheme)
            {
                return;
            }

            var settings = auth.Value;
            options.MapInboundClaims = false;
            options.IncludeErrorDetails = false;
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = async context =>
                {
                    if (context.Principal is not { } principal)
                    {
                        return;
                    }

                    // A page's token names its session: signing out (or the session's end) refuses it too.
                    var services = context.HttpContext.RequestServices;
                    var ct = context.HttpContext.RequestAborted;
                    var ended = principal.HasClaim(c => c.Type == Sessions.Claim)
                        ? await services.GetRequiredService<Sessions>().CheckAsync(principal, ct)
                        : null;
                    var (resolved, refusal) = ended is null
                        ? await UserDirectory.ResolveAsync(services, principal, ct)
                        : (null, ended);
                    if ((refusal ?? Roles.Refusal(resolved!.Claims)) is { } why)
                    {
                        context.Fail(why);
                        return;
                    }

                    context.Principal = resolved;
                },
            };
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = settings.Issuer,
                ValidAudience = settings.Audience,
                IssuerSigningKey = settings.Key(),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                NameClaimType = Claims.Subject,
                RoleClaimType = Claims.Role,
                LifetimeValidator = AuthOptions.Lifetime(time, settings.ClockSkew),
            };
        }

        public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
    }
}

