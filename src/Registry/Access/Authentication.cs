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

    /// <summary>A token's lifetime judged by the registry's clock (the tests move it), with some skew either side.</summary>
    public static LifetimeValidator Lifetime(TimeProvider time, TimeSpan skew) => (notBefore, expires, _, _) =>
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } exp && now <= exp + skew && (notBefore is not { } nbf || now >= nbf - skew);
    };

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

/// <summary>Mints bearer tokens for local use and tests (the host's <c>token</c> command).</summary>
public sealed class TokenIssuer(IOptions<AuthOptions> auth, TimeProvider time)
{
    public string Issue(
        string userId, string role, IEnumerable<string> sites, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null,
        Guid? sessionId = null, bool freeText = false)
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
            claims[Claims.Session] = sid.ToString();
        }

        if (freeText)
        {
            claims[Claims.FreeText] = "true"; // kept only for a name the directory does not hold (the operator's)
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
