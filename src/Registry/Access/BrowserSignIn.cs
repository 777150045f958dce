using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Registry.Access;

/// <summary>A short-lived bearer token for a signed-in page's own API calls, with who it is for.</summary>
public sealed record PageToken(string Token, DateTimeOffset ExpiresAt, string UserId, string Role, IReadOnlyList<string> Sites);

/// <summary>
/// Sign-in for the browser pages: the user pastes a token (from the token command, or the identity
/// provider) and gets an HttpOnly, SameSite=Strict cookie carrying the same claims. The cookie is
/// accepted for reads only (GET, and the live stream that EventSource opens without an Authorization
/// header); every write needs a bearer token, so a cookie can never be used to forge one. The site
/// pages' scripts get theirs from <c>GET /signin/token</c>, which only the cookie opens. In
/// Development the sign-in page also offers demo users; never in Production.
/// </summary>
public static class BrowserSignIn
{
    public const string Scheme = "registry";
    public const string SignInPath = "/signin";
    public const string CookieName = "registry.session";
    public const string TokenPath = "/signin/token";

    /// <summary>How long a token handed to a page's scripts lives (never beyond the cookie).</summary>
    public static readonly TimeSpan PageTokenLifetime = TimeSpan.FromMinutes(15);

    /// <summary>Where a user lands after signing in: site staff on their worklist, the others on the safety dashboard.</summary>
    public static string HomeOf(Caller caller) => caller.Role == Roles.Site ? "/site" : "/dashboard";

    public static void AddBrowserSignIn(this AuthenticationBuilder authentication)
    {
        authentication.AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = SignInPath;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = false;
            o.Events.OnRedirectToLogin = context =>
            {
                // API calls get 401, pages get the sign-in page.
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
                else
                {
                    context.Response.Redirect(context.RedirectUri);
                }

                return Task.CompletedTask;
            };
            // A session signed in before the one-role rule carries what the rule now refuses: it ends.
            // Every request: the directory's role and sites, and a deactivated user's session ends at once.
            o.Events.OnValidatePrincipal = async context =>
            {
                if (context.Principal is null)
                {
                    context.RejectPrincipal();
                    return;
                }

                var (resolved, refusal) = await Users.UserDirectory.ResolveAsync(
                    context.HttpContext.RequestServices, context.Principal, context.HttpContext.RequestAborted);
                if (refusal is not null || Roles.Refusal(resolved!.Claims) is not null)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    return;
                }

                context.ReplacePrincipal(resolved);
            };
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        authentication.AddPolicyScheme(Scheme, "Bearer token, or the browser's cookie for reads", o =>
            o.ForwardDefaultSelector = context =>
            {
                var read = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
                var page = !context.Request.Path.StartsWithSegments("/api");
                var cookie = context.Request.Cookies.ContainsKey(CookieName);
                return context.Request.Headers.Authorization.Count == 0 && read && (page || cookie)
                    ? CookieAuthenticationDefaults.AuthenticationScheme
                    : JwtBearerDefaults.AuthenticationScheme;
            });
    }

    public static void MapBrowserSignIn(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        app.MapGet(SignInPath, (HttpContext http) =>
                Results.Content(SignInPage(environment.IsDevelopment(), http.Request.Query["returnUrl"], null), "text/html; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapPost(SignInPath, async (HttpContext http, IOptionsMonitor<JwtBearerOptions> jwt, TokenIssuer issuer) =>
        {
            var form = await http.Request.ReadFormAsync();
            var token = form["token"].ToString().Trim();
            if (environment.IsDevelopment() && form["demo"].ToString() is { Length: > 0 } demo)
            {
                var parts = demo.Split(':');
                token = issuer.Issue(
                    parts[0], parts[1], parts.Length > 2 ? parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries) : []);
            }

            var validation = jwt.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters;
            var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, validation);
            if (!result.IsValid || Roles.Refusal(result.ClaimsIdentity.Claims) is not null)
            {
                return Results.Content(
                    SignInPage(
                        environment.IsDevelopment(), form["returnUrl"], "That token is not valid (expired, or not from this registry)."),
                    "text/html; charset=utf-8",
                    statusCode: 401);
            }

            var identity = new ClaimsIdentity(
                result.ClaimsIdentity.Claims, CookieAuthenticationDefaults.AuthenticationScheme, Claims.Subject, Claims.Role);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            var returnUrl = form["returnUrl"].ToString();
            return Results.Redirect(
                IsLocalPath(returnUrl) && returnUrl != "/" ? returnUrl : HomeOf(Caller.From(new ClaimsPrincipal(identity))));
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapGet(TokenPath, async (HttpContext http, TokenIssuer issuer, TimeProvider time) =>
        {
            // Only the cookie is exchanged: a page's scripts need a bearer token for writes, and a
            // bearer token has no need of this.
            var session = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (!session.Succeeded || session.Principal.FindFirst(Claims.Subject) is null)
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in first.");
            }

            var caller = Caller.From(session.Principal);
            var now = time.GetUtcNow();
            var cookieEnds = session.Properties?.ExpiresUtc ?? now + PageTokenLifetime;
            var lifetime = cookieEnds - now < PageTokenLifetime ? cookieEnds - now : PageTokenLifetime;
            if (lifetime <= TimeSpan.Zero)
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Your session has ended; sign in again.");
            }

            http.Response.Headers.CacheControl = "no-store";
            return Results.Ok(new PageToken(issuer.Issue(caller.UserId, caller.Role, caller.Sites, lifetime), now + lifetime,
                caller.UserId, caller.Role, caller.Sites.Order(StringComparer.Ordinal).ToList()));
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect(SignInPath);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    /// <summary>
    /// A path on this registry and nothing else: one leading '/', not followed by another '/' or a '\' (browsers read
    /// <c>/\evil.example</c> as <c>//evil.example</c>, another host), and no control character or whitespace.
    /// </summary>
    public static bool IsLocalPath(string url) =>
        url.Length >= 1 && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));

    private static string SignInPage(bool development, string? returnUrl, string? error)
    {
        var encodedReturn = System.Net.WebUtility.HtmlEncode(returnUrl is { } url && IsLocalPath(url) ? url : "/");
        var demo = development
            ? """
              <section aria-labelledby="demo-heading">
                <h2 id="demo-heading">Demo users (Development only)</h2>
                <form method="post" action="/signin">
                  <input type="hidden" name="returnUrl" value="RETURN">
                  <button name="demo" value="pv1:pv">Pharmacovigilance officer (pv1)</button>
                  <button name="demo" value="monitor1:monitor">Monitor (monitor1)</button>
                  <button name="demo" value="nurse1:site:S001,FR01">Study nurse, sites S001 and FR01 (nurse1)</button>
                </form>
              </section>
              """.Replace("RETURN", encodedReturn, StringComparison.Ordinal)
            : "";
        var message = error is null ? "" : $"""<p role="alert" class="error">{System.Net.WebUtility.HtmlEncode(error)}</p>""";
        return $$"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · Registry</title><link rel="stylesheet" href="/ui/registry.css"></head>
            <body>
            <main>
              <h1>Sign in to the registry</h1>
              {{message}}
              <form method="post" action="/signin">
                <input type="hidden" name="returnUrl" value="{{encodedReturn}}">
                <label for="token">Your access token</label>
                <textarea id="token" name="token" rows="4" required autocomplete="off"></textarea>
                <button type="submit">Sign in</button>
              </form>
              {{demo}}
            </main>
            </body></html>
            """;
    }
}
