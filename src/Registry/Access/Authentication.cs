using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Registry.Access;

/// <summary>Token settings, from the <c>Auth</c> section of the configuration.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string Issuer { get; set; } = "registry";

    public string Audience { get; set; } = "registry";

    /// <summary>HMAC-SHA256 key, at least 32 bytes of UTF-8 text. Required; never shipped for Production.</summary>
    public string? SigningKey { get; set; }

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public SymmetricSecurityKey Key()
    {
        if (string.IsNullOrEmpty(SigningKey) || Encoding.UTF8.GetByteCount(SigningKey) < 32)
        {
            throw new InvalidOperationException(
                $"Set {Section}:SigningKey (environment variable {Section}__SigningKey) to a secret of at least 32 characters.");
        }

        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey));
    }
}

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
        services.AddOptions<Users.SignInOptions>().Bind(configuration.GetSection(Users.SignInOptions.Section));
        services.AddSingleton<Sessions>();
        services.AddSingleton<Users.Credentials>();
        services.AddSingleton<Users.PasswordSignIn>();
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
                        ? await Users.UserDirectory.ResolveAsync(services, principal, ct)
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
                LifetimeValidator = (notBefore, expires, _, _) =>
                {
                    var now = time.GetUtcNow().UtcDateTime;
                    return expires is { } exp && now <= exp + settings.ClockSkew
                        && (notBefore is not { } nbf || now >= nbf - settings.ClockSkew);
                },
            };
        }

        public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
    }
}

/// <summary>Mints bearer tokens for local use and tests (the host's <c>token</c> command).</summary>
public sealed class TokenIssuer(IOptions<AuthOptions> auth, TimeProvider time)
{
    public string Issue(
        string userId, string role, IEnumerable<string> sites, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null,
        Guid? sessionId = null)
    {
        var settings = auth.Value;
        var now = time.GetUtcNow();
        var claims = new Dictionary<string, object>
        {
            [Claims.Subject] = userId,
            [Claims.Role] = role,
            [Claims.Sites] = sites.ToArray(),
        };
        if (sessionId is { } sid)
        {
            claims[Sessions.Claim] = sid.ToString();
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = (notBefore ?? now).UtcDateTime,
            Expires = (now + (lifetime ?? TimeSpan.FromHours(8))).UtcDateTime,
            SigningCredentials = new SigningCredentials(settings.Key(), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
