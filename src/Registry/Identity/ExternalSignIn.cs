using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Registry.Access;

namespace Registry.Identity;

/// <summary>
/// An external OpenID Connect issuer (<c>Auth:Oidc</c>): Keycloak, Entra ID, ADFS, another registry's built-in issuer.
/// The pages sign in with the authorization code flow and PKCE; the API accepts that issuer's access tokens (keys from
/// its discovery document and JWKS, refreshed as the issuer rotates them). The person is the directory's user linked
/// to (issuer, subject): the issuer says who someone is, the registry what they may do.
/// </summary>
public sealed class OidcOptions
{
    public const string Section = "Auth:Oidc";

    /// <summary>The issuer's address (its discovery document is under <c>/.well-known/openid-configuration</c>); none: off.</summary>
    public string? Authority { get; set; }

    public string ClientId { get; set; } = "registry";

    /// <summary>For an issuer that requires a confidential client; PKCE is used either way.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>What the sign-in page's button says, e.g. "Hôpital Saint-Louis".</summary>
    public string DisplayName { get; set; } = "your organisation";

    /// <summary>The audience of the issuer's access tokens meant for the registry's API (default: the client id).</summary>
    public string? Audience { get; set; }

    /// <summary>The claim naming the person at the issuer (<c>sub</c>; <c>oid</c> for Entra ID).</summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>Plain http to the issuer (local runs and tests only).</summary>
    public bool AllowHttp { get; set; }
}

public static class ExternalSignIn
{
    public const string Scheme = "oidc";
    public const string BearerScheme = "oidc-bearer";
    public const string StartPath = "/signin/external";
    public const string NotAUser = "not-a-user";
    public const string StaleSignIn = "stale-sign-in";

    public static bool Configured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{OidcOptions.Section}:Authority"]);

    public static void AddExternalSignIn(
        this AuthenticationBuilder authentication, IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section));
        var settings = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        if (!Configured(configuration))
        {
            return;
        }

        authentication.AddOpenIdConnect(Scheme, o =>
        {
            o.Authority = settings.Authority;
            o.ClientId = settings.ClientId;
            o.ClientSecret = settings.ClientSecret;
            o.RequireHttpsMetadata = !settings.AllowHttp;
            o.ResponseType = OpenIdConnectResponseType.Code;
            // The code comes back on a top-level GET: the correlation and nonce cookies can then be SameSite=Lax.
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.UsePkce = true;
            o.MapInboundClaims = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            o.SaveTokens = false;
            o.PushedAuthorizationBehavior = PushedAuthorizationBehavior.Disable;
            // A sign-in at the issuer older than the registry's absolute session lifetime is not taken as it is: the
            // issuer asks the person again (max_age), and the registry's session ends that long after it (auth_time).
            o.MaxAge = configuration.GetSection(SignInOptions.Section).Get<SignInOptions>()?.AbsoluteLifetime
                ?? new SignInOptions().AbsoluteLifetime;
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Events.OnTokenValidated = async context =>
            {
                var http = context.HttpContext;
                var account = await LinkedAsync(http, context.Principal!, settings);
                context.HandleResponse();
                if (account is null)
                {
                    context.Response.Redirect($"{BrowserSignIn.SignInPath}?error={NotAUser}");
                    return;
                }

                var ends = IssuerEnds(context.Principal!, o.MaxAge!.Value);
                if (ends <= http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow())
                {
                    context.Response.Redirect($"{BrowserSignIn.SignInPath}?error={StaleSignIn}");
                    return;
                }

                var person = new ClaimsPrincipal(new ClaimsIdentity([new Claim(Claims.Subject, account.Username)]));
                var principal = UserDirectory.WithAccess(person, account);
                await BrowserSignIn.StartAsync(
                    http, http.RequestServices.GetRequiredService<Sessions>(), principal, "oidc", ends, ends - o.MaxAge.Value);
                var back = context.Properties?.RedirectUri;
                var target = back is not null && BrowserSignIn.IsLocalPath(back) && back != "/"
                    ? back
                    : BrowserSignIn.HomeOf(Caller.From(principal));
                // Not a redirect: this answer ends a navigation that began at the issuer (another site), so the
                // browser would not send the session's SameSite=Strict cookie along a redirect; a page of the
                // registry's own that moves on starts a same-site navigation that does.
                var encoded = System.Net.WebUtility.HtmlEncode(target);
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync($$"""
                    <!doctype html><html lang="en"><head><meta charset="utf-8">
                    <meta http-equiv="refresh" content="0;url={{encoded}}"><title>Signed in · Registry</title>
                    <link rel="stylesheet" href="/ui/registry.css"></head>
                    <body><main><p>You are signed in. <a href="{{encoded}}">Continue</a>.</p></main></body></html>
                    """);
            };
            o.Events.OnRemoteFailure = context =>
            {
                context.HandleResponse();
                context.Response.Redirect($"{BrowserSignIn.SignInPath}?error=issuer");
                return Task.CompletedTask;
            };
        });

        authentication.AddJwtBearer(BearerScheme, o =>
        {
            o.Authority = settings.Authority;
            o.Audience = settings.Audience ?? settings.ClientId;
            o.RequireHttpsMetadata = !settings.AllowHttp;
            o.MapInboundClaims = false;
            o.IncludeErrorDetails = false;
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = async context =>
                {
                    var account = await LinkedAsync(context.HttpContext, context.Principal!, settings);
                    if (account is null)
                    {
                        context.Fail("This person is not a user of the registry (or has been deactivated).");
                        return;
                    }

                    var identity = new ClaimsIdentity(
                        [new Claim(Claims.Subject, account.Username)], BearerScheme, Claims.Subject, Claims.Role);
                    context.Principal = UserDirectory.WithAccess(new ClaimsPrincipal(identity), account);
                },
            };
        });
    }

    /// <summary>
    /// When the issuer's sign-in stops counting: its <c>auth_time</c> plus the absolute lifetime (null when the issuer
    /// does not say when the person signed in; the session then runs its own absolute lifetime from now).
    /// </summary>
    public static DateTimeOffset? IssuerEnds(ClaimsPrincipal person, TimeSpan lifetime) =>
        long.TryParse(person.FindFirstValue("auth_time"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds < 4_102_444_800 // before 2100
            ? DateTimeOffset.FromUnixTimeSeconds(seconds) + lifetime
            : null;

    /// <summary>The active user linked to the issuer's person, or null.</summary>
    private static async Task<UserAccount?> LinkedAsync(HttpContext http, ClaimsPrincipal person, OidcOptions settings)
    {
        var issuer = person.FindFirstValue("iss") ?? settings.Authority;
        var subject = person.FindFirstValue(settings.SubjectClaim);
        var key = UserAccount.KeyOf(issuer, subject);
        if (key is null)
        {
            return null;
        }

        await using var session = http.RequestServices.GetRequiredService<IDocumentStore>().QuerySession();
        var account = await session.Query<UserAccount>().Where(u => u.ExternalKey == key).FirstOrDefaultAsync(http.RequestAborted);
        return account is { Active: true } ? account : null;
    }

    /// <summary>
    /// Which scheme validates a bearer token: the registry's own (HMAC), its built-in issuer's, or the external issuer's.
    /// </summary>
    public static string BearerSchemeFor(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var raw = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        var auth = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var oidc = http.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value;
        try
        {
            var token = new JsonWebToken(raw);
            if (token.Alg == SecurityAlgorithms.HmacSha256 || token.Issuer == auth.Issuer)
            {
                return JwtBearerDefaults.AuthenticationScheme;
            }

            if (oidc.Authority is { } authority && token.Issuer.TrimEnd('/') == authority.TrimEnd('/'))
            {
                return BearerScheme;
            }

            return http.RequestServices.GetRequiredService<IOptions<IssuerOptions>>().Value.Enabled
                ? Issuer.BearerScheme
                : JwtBearerDefaults.AuthenticationScheme;
        }
        catch (ArgumentException)
        {
            // Not a JWT (SecurityTokenMalformedException is one): the registry's scheme refuses it.
            return JwtBearerDefaults.AuthenticationScheme;
        }
    }
}
