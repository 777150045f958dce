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
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, ConfigureJwtBearer>();
        var authentication = services.AddAuthentication(BrowserSignIn.Scheme);
        authentication.AddJwtBearer();
        authentication.AddBrowserSignIn();
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

                    var (resolved, refusal) = await Users.UserDirectory.ResolveAsync(
                        context.HttpContext.RequestServices, principal, context.HttpContext.RequestAborted);
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
    public string Issue(string userId, string role, IEnumerable<string> sites, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null)
    {
        var settings = auth.Value;
        var now = time.GetUtcNow();
        var claims = new Dictionary<string, object>
        {
            [Claims.Subject] = userId,
            [Claims.Role] = role,
            [Claims.Sites] = sites.ToArray(),
        };
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
