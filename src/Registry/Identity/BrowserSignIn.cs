using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
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
using Registry.Access;

namespace Registry.Identity;

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

    /// <summary>Where a user lands after signing in: site staff on the worklist, admins on users, others on the dashboard.</summary>
    public static string HomeOf(Caller caller) => caller.Role switch
    {
        Roles.Site => "/site",
        Roles.Admin => "/admin/users",
        Roles.Researcher => "/cohorts",
        _ => "/dashboard",
    };

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

                var services = context.HttpContext.RequestServices;
                var ct = context.HttpContext.RequestAborted;
                var ended = await services.GetRequiredService<Sessions>().CheckAsync(context.Principal, ct);
                var (resolved, refusal) = ended is null
                    ? await UserDirectory.ResolveAsync(services, context.Principal, ct)
                    : (null, ended);
                if (refusal is not null || Roles.Refusal(resolved!.Claims) is not null)
                {
                    // Refused (deactivated, ended): the session ends here too, whatever the browser does with its cookie.
                    await services.GetRequiredService<Sessions>().EndAsync(context.Principal, refusal ?? "refused", ct);
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
                    : ExternalSignIn.BearerSchemeFor(context);
            });
    }

    public static void MapBrowserSignIn(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        var development = environment.IsDevelopment();
        app.MapGet(SignInPath, (HttpContext http, IAntiforgery antiforgery) =>
                SignInPages.SignIn(
                    http, antiforgery, development, http.Request.Query["returnUrl"], SignInPages.Told(http.Request.Query["error"])))
            .AllowAnonymous().ExcludeFromDescription();
        // Through the external issuer (authorization code with PKCE), when one is configured.
        app.MapPost(ExternalSignIn.StartPath, async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!ExternalSignIn.Configured(http.RequestServices.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()))
            {
                return Results.NotFound();
            }

            if (!await SignInPages.ValidFormAsync(http, antiforgery))
            {
                return SignInPages.SignIn(http, antiforgery, development, null, SignInPages.StaleForm, StatusCodes.Status400BadRequest);
            }

            var returnUrl = (await http.Request.ReadFormAsync())["returnUrl"].ToString();
            return Results.Challenge(new AuthenticationProperties { RedirectUri = IsLocalPath(returnUrl) ? returnUrl : "/" },
                [ExternalSignIn.Scheme]);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription().RequireRateLimiting(SignInRateLimit.Policy);
        app.MapPost(SignInPath, async (HttpContext http, IAntiforgery antiforgery, PasswordSignIn passwords, Sessions sessions,
            IOptionsMonitor<JwtBearerOptions> jwt, TokenIssuer issuer) =>
        {
            if (!await SignInPages.ValidFormAsync(http, antiforgery))
            {
                return SignInPages.SignIn(http, antiforgery, development, null, SignInPages.StaleForm, StatusCodes.Status400BadRequest);
            }

            var form = await http.Request.ReadFormAsync();
            var returnUrl = form["returnUrl"].ToString();
            ClaimsPrincipal? person;
            string how;
            if (form.ContainsKey("token") || form.ContainsKey("demo"))
            {
                // Pasting a token (or a demo user) is a Development convenience: Production signs in people, not tokens.
                person = development ? await FromTokenAsync(form, jwt, issuer) : null;
                how = "token";
            }
            else
            {
                var account = await passwords.CheckAsync(form["username"], form["password"], form["code"], http.RequestAborted);
                person = account is null ? null : new ClaimsPrincipal(new ClaimsIdentity([new Claim(Claims.Subject, account.Username)]));
                how = "password";
            }

            var resolved = person is null
                ? (null, PasswordSignIn.Refused)
                : await UserDirectory.ResolveAsync(http.RequestServices, person, http.RequestAborted);
            if (resolved.Principal is not { } principal || Roles.Refusal(principal.Claims) is not null)
            {
                return SignInPages.SignIn(http, antiforgery, development, returnUrl, resolved.Refusal ?? PasswordSignIn.Refused,
                    StatusCodes.Status401Unauthorized);
            }

            await StartAsync(http, sessions, principal, how, null);
            return Results.Redirect(IsLocalPath(returnUrl) && returnUrl != "/" ? returnUrl : HomeOf(Caller.From(principal)));
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription().RequireRateLimiting(SignInRateLimit.Policy);
        app.MapGet(TokenPath, async (HttpContext http, TokenIssuer issuer, Sessions sessions, TimeProvider time) =>
        {
            // Only the cookie is exchanged: a page's scripts need a bearer token for writes, and a
            // bearer token has no need of this. The cookie's check (OnValidatePrincipal) refused an ended session.
            var cookie = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (!cookie.Succeeded || cookie.Principal.FindFirst(Claims.Subject) is null
                || await sessions.FindAsync(cookie.Principal, http.RequestAborted) is not { } session)
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in first.");
            }

            var caller = Caller.From(cookie.Principal);
            var now = time.GetUtcNow();
            var lifetime = session.EndsAt - now < PageTokenLifetime ? session.EndsAt - now : PageTokenLifetime;
            if (lifetime <= TimeSpan.Zero)
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Your session has ended; sign in again.");
            }

            http.Response.Headers.CacheControl = "no-store";
            return Results.Ok(new PageToken(issuer.Issue(caller.UserId, caller.Role, caller.Sites, lifetime, sessionId: session.Id),
                now + lifetime, caller.UserId, caller.Role, caller.Sites.Order(StringComparer.Ordinal).ToList()));
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/signout", async (HttpContext http, IAntiforgery antiforgery, Sessions sessions) =>
        {
            if (!await SignInPages.ValidFormAsync(http, antiforgery))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: SignInPages.StaleForm);
            }

            var cookie = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (cookie.Succeeded)
            {
                await sessions.EndAsync(cookie.Principal, "signed out", http.RequestAborted);
            }

            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect(SignInPath);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        SignInPages.MapAccountSetup(app);
    }

    /// <summary>Starts a server-side session and the cookie naming it (the cookie ends with the session).</summary>
    public static async Task StartAsync(
        HttpContext http, Sessions sessions, ClaimsPrincipal principal, string how, DateTimeOffset? issuerEnds,
        DateTimeOffset? authenticatedAt = null)
    {
        var session = await sessions.StartAsync(
            principal.FindFirstValue(Claims.Subject)!, how, issuerEnds, http.RequestAborted, authenticatedAt);
        var identity = new ClaimsIdentity(
            principal.Claims.Where(c => c.Type is Claims.Subject or Claims.Role or Claims.Sites)
                .Append(new Claim(Sessions.Claim, session.Id.ToString())),
            CookieAuthenticationDefaults.AuthenticationScheme, Claims.Subject, Claims.Role);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { ExpiresUtc = session.EndsAt, IsPersistent = false, AllowRefresh = false });
    }

    private static async Task<ClaimsPrincipal?> FromTokenAsync(
        IFormCollection form, IOptionsMonitor<JwtBearerOptions> jwt, TokenIssuer issuer)
    {
        var token = form["token"].ToString().Trim();
        if (form["demo"].ToString() is { Length: > 0 } demo)
        {
            var parts = demo.Split(':');
            if (parts.Length < 2)
            {
                return null;
            }

            token = issuer.Issue(parts[0], parts[1], parts.Length > 2 ? parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries) : []);
        }

        var validation = jwt.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters;
        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, validation);
        return result.IsValid ? new ClaimsPrincipal(result.ClaimsIdentity) : null;
    }

    /// <summary>
    /// A path on this registry and nothing else: one leading '/', not followed by another '/' or a '\' (browsers read
    /// <c>/\evil.example</c> as <c>//evil.example</c>, another host), and no control character or whitespace.
    /// </summary>
    public static bool IsLocalPath(string url) =>
        url.Length >= 1 && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));
}
