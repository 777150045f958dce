using System.Net;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Registry.Access;

namespace Registry.Identity;

/// <summary>
/// The sign-in and account set-up pages, rendered on the server (no script; every form carries an antiforgery
/// token). Set-up: the person gives the invitation's code and a new password, then adds the registry to an
/// authenticator app and proves it with a code; only then are the password and second factor stored.
/// </summary>
public static class SignInPages
{
    public const string StaleForm = "This form has expired or did not come from the registry: reload the page and try again.";
    private const string SecondFactorPath = "/account/setup/second-factor";
    private const string Issuer = "Registry";

    /// <summary>The set-up's first step's result, carried to the second inside the page (protected, 15 minutes).</summary>
    private sealed record Enrolment(string Username, string InvitationHash, string PasswordHash, string Secret);

    public static async Task<bool> ValidFormAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!http.Request.HasFormContentType)
        {
            return false;
        }

        // The form was made for the person the page's cookie names (antiforgery tokens are bound to the user): a
        // POST carries no bearer token, so the cookie says who is posting.
        if (http.User.Identity?.IsAuthenticated != true
            && await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme) is { Succeeded: true } cookie)
        {
            http.User = cookie.Principal;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http);
            return true;
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }

    /// <summary>The antiforgery field for a form of this response (its cookie goes with the response).</summary>
    public static string Field(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return $"""<input type="hidden" name="{Enc(tokens.FormFieldName)}" value="{Enc(tokens.RequestToken ?? "")}">""";
    }

    /// <summary>What the sign-in page says after a redirect with <c>?error=</c> (a known code; any other text is not shown).</summary>
    public static string? Told(string? error) => error switch
    {
        ExternalSignIn.NotAUser => "You signed in at your organisation, but you are not a user of this registry (or have been "
            + "deactivated): ask the registry's administrator.",
        "issuer" => "Your organisation's sign-in did not complete: try again.",
        ExternalSignIn.StaleSignIn => "Your organisation's sign-in is older than this registry accepts: sign out there, then "
            + "sign in again.",
        _ => null,
    };

    public static IResult SignIn(
        HttpContext http, IAntiforgery antiforgery, bool development, string? returnUrl, string? error,
        int status = StatusCodes.Status200OK)
    {
        var back = Enc(returnUrl is { } url && BrowserSignIn.IsLocalPath(url) ? url : "/");
        var field = Field(http, antiforgery);
        var oidc = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<OidcOptions>>().Value;
        var external = oidc.Authority is null
            ? ""
            : $"""
              <form method="post" action="{ExternalSignIn.StartPath}">
                {field}<input type="hidden" name="returnUrl" value="{back}">
                <button type="submit">Sign in with {Enc(oidc.DisplayName)}</button>
              </form>
              <p>Or with the registry's own account:</p>
              """;
        var demo = development
            ? $"""
              <section aria-labelledby="dev-heading">
                <h2 id="dev-heading">Development only</h2>
                <form method="post" action="/signin">
                  {field}<input type="hidden" name="returnUrl" value="{back}">
                  <label for="token">An access token</label>
                  <textarea id="token" name="token" rows="3" autocomplete="off"></textarea>
                  <button type="submit">Sign in with the token</button>
                </form>
                <form method="post" action="/signin">
                  {field}<input type="hidden" name="returnUrl" value="{back}">
                  <button name="demo" value="pv1:pv">Pharmacovigilance officer (pv1)</button>
                  <button name="demo" value="monitor1:monitor">Monitor (monitor1)</button>
                  <button name="demo" value="nurse1:site:S001,FR01">Study nurse, sites S001 and FR01 (nurse1)</button>
                </form>
              </section>
              """
            : "";
        return Page("Sign in", status, $"""
            <h1>Sign in to the registry</h1>
            {Error(error)}
            {external}
            <form method="post" action="/signin">
              {field}<input type="hidden" name="returnUrl" value="{back}">
              <div class="field"><label for="username">Username</label>
                <input id="username" name="username" autocomplete="username" required maxlength="64"></div>
              <div class="field"><label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"></div>
              <div class="field"><label for="code">One-time code</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7"
                       aria-describedby="code-hint">
                <p class="hint" id="code-hint">The 6 digits your authenticator app shows for the registry.</p></div>
              <button type="submit">Sign in</button>
            </form>
            <p><a href="{Invitations.SetupPath}">Set up your account with an invitation</a></p>
            {demo}
            """);
    }

    public static void MapAccountSetup(IEndpointRouteBuilder app)
    {
        app.MapGet(Invitations.SetupPath, (HttpContext http, IAntiforgery antiforgery) => SetupPage(http, antiforgery, null, null))
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost(Invitations.SetupPath, async (HttpContext http, IAntiforgery antiforgery, IDocumentStore store,
            IDataProtectionProvider protection, TimeProvider time) =>
        {
            if (!await ValidFormAsync(http, antiforgery))
            {
                return SetupPage(http, antiforgery, null, StaleForm, StatusCodes.Status400BadRequest);
            }

            var form = await http.Request.ReadFormAsync();
            var username = UserAccount.Normalize(form["username"].ToString());
            var code = form["invitation"].ToString().Trim();
            var password = form["password"].ToString();
            await using var session = store.QuerySession();
            var credential = username.Length is > 0 and <= 64 ? await Credentials.FindAsync(session, username, http.RequestAborted) : null;
            var account = credential is null ? null : await UserAccount.FindAsync(session, username, http.RequestAborted);
            if (credential is not { InvitationHash: { } hash, InvitationExpiresAt: { } expires } || account is not { Active: true }
                || code.Length is 0 or > 100 || !Credentials.SameHash(hash, Credentials.HashCode(code)) || expires <= time.GetUtcNow())
            {
                return SetupPage(http, antiforgery, username,
                    "This username and invitation code do not match an open invitation "
                    + "(it may have expired: ask your administrator for a new one).",
                    StatusCodes.Status400BadRequest);
            }

            if (Credentials.PasswordProblem(username, password) is { } problem)
            {
                return SetupPage(http, antiforgery, username, problem, StatusCodes.Status400BadRequest);
            }

            if (password != form["repeat"].ToString())
            {
                return SetupPage(http, antiforgery, username, "The two passwords differ.", StatusCodes.Status400BadRequest);
            }

            var secret = Credentials.NewTotpSecret();
            var enrolment = new Enrolment(username, hash, Credentials.HashPassword(password), Convert.ToBase64String(secret));
            var carried = Protector(protection).Protect(JsonSerializer.Serialize(enrolment), TimeSpan.FromMinutes(15));
            return SecondFactorPage(http, antiforgery, username, secret, carried, null);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription().RequireRateLimiting(SignInRateLimit.Policy);

        app.MapPost(SecondFactorPath, async (HttpContext http, IAntiforgery antiforgery, IDocumentStore store,
            IDataProtectionProvider protection, Credentials credentials, TimeProvider time) =>
        {
            if (!await ValidFormAsync(http, antiforgery))
            {
                return SetupPage(http, antiforgery, null, StaleForm, StatusCodes.Status400BadRequest);
            }

            var form = await http.Request.ReadFormAsync();
            var carried = form["enrolment"].ToString();
            Enrolment? enrolment;
            try
            {
                enrolment = JsonSerializer.Deserialize<Enrolment>(Protector(protection).Unprotect(carried));
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or JsonException or FormatException)
            {
                enrolment = null;
            }

            if (enrolment is null)
            {
                return SetupPage(http, antiforgery, null,
                    "The set-up took too long or the page was changed: start again with your invitation code.",
                    StatusCodes.Status400BadRequest);
            }

            var secret = Convert.FromBase64String(enrolment.Secret);
            var now = time.GetUtcNow();
            if (Credentials.MatchTotp(secret, form["code"], now, 0) is not { } step)
            {
                return SecondFactorPage(http, antiforgery, enrolment.Username, secret, carried,
                    "That code does not match: check the app shows the registry's entry, and that the phone's clock is right.");
            }

            await using var session = store.LightweightSession();
            // The user's stream locked first, as an invitation locks it: the two queue (never a deadlock), and the
            // credential read after the lock is the latest, so a replaced invitation is seen as replaced.
            var stream = await session.Events.FetchForExclusiveWriting<UserAccount>(
                UserAccount.StreamFor(enrolment.Username), http.RequestAborted);
            var credential = await Credentials.FindAsync(session, enrolment.Username, http.RequestAborted);
            var replaced = SetupPage(http, antiforgery, enrolment.Username,
                "This invitation has been replaced or has expired: ask your administrator for a new one.",
                StatusCodes.Status400BadRequest);
            if (stream.Aggregate is null || credential?.InvitationHash != enrolment.InvitationHash || credential.InvitationExpiresAt <= now)
            {
                return replaced;
            }

            credential.PasswordHash = enrolment.PasswordHash;
            credential.ProtectedTotpSecret = credentials.Protect(secret);
            credential.LastTotpStep = step;
            credential.InvitationHash = null;
            credential.InvitationExpiresAt = null;
            credential.Failures = 0;
            credential.LockedUntil = null;
            session.Store(credential);
            session.LastModifiedBy = enrolment.Username;
            stream.AppendOne(new UserCredentialsSet(enrolment.Username));
            try
            {
                await session.SaveChangesAsync(http.RequestAborted);
            }
            catch (JasperFx.ConcurrencyException)
            {
                return replaced;
            }
            return Page("Account ready", StatusCodes.Status200OK, """
                <h1>Your account is ready</h1>
                <p>Sign in with your username, your new password and a code from your authenticator app.</p>
                <p><a href="/signin">Sign in</a></p>
                """);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription().RequireRateLimiting(SignInRateLimit.Policy);
    }

    private static IResult SetupPage(HttpContext http, IAntiforgery antiforgery, string? username, string? error, int status = 200) =>
        Page("Set up your account", status, $"""
            <h1>Set up your account</h1>
            {Error(error)}
            <p>Your administrator gave you a username and an invitation code. Choose a password of at least
               {Credentials.MinPasswordLength} characters; next you will add the registry to an authenticator app.</p>
            <form method="post" action="{Invitations.SetupPath}">
              {Field(http, antiforgery)}
              <div class="field"><label for="username">Username</label>
                <input id="username" name="username" autocomplete="username" required maxlength="64" value="{Enc(username ?? "")}"></div>
              <div class="field"><label for="invitation">Invitation code</label>
                <input id="invitation" name="invitation" autocomplete="off" required maxlength="100"></div>
              <div class="field"><label for="password">New password</label>
                <input id="password" name="password" type="password" autocomplete="new-password" required
                       minlength="{Credentials.MinPasswordLength}" maxlength="{Credentials.MaxPasswordLength}"></div>
              <div class="field"><label for="repeat">New password again</label>
                <input id="repeat" name="repeat" type="password" autocomplete="new-password" required
                       maxlength="{Credentials.MaxPasswordLength}"></div>
              <button type="submit">Next: the second factor</button>
            </form>
            """);

    private static IResult SecondFactorPage(
        HttpContext http, IAntiforgery antiforgery, string username, byte[] secret, string carried, string? error) =>
        Page("Add the second factor", error is null ? 200 : 400, $"""
            <h1>Add the registry to your authenticator app</h1>
            {Error(error)}
            <p>In your authenticator app (for example FreeOTP, Google Authenticator, Microsoft Authenticator), add an
               account by entering this key by hand, or open the link on the phone:</p>
            <p><strong>Key:</strong> <code id="totp-secret">{Enc(Grouped(Credentials.Base32(secret)))}</code></p>
            <p><a href="{Enc(Credentials.OtpAuthUri(Issuer, username, secret))}">Add to an authenticator app on this device</a></p>
            <form method="post" action="{SecondFactorPath}">
              {Field(http, antiforgery)}
              <input type="hidden" name="enrolment" value="{Enc(carried)}">
              <div class="field"><label for="code">The code the app shows now</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7"></div>
              <button type="submit">Finish</button>
            </form>
            """);

    private static string Grouped(string key) => string.Join(' ', key.Chunk(4).Select(c => new string(c)));

    private static ITimeLimitedDataProtector Protector(IDataProtectionProvider protection) =>
        protection.CreateProtector("registry.users.enrolment.v1").ToTimeLimitedDataProtector();

    private static string Error(string? error) => error is null ? "" : $"""<p role="alert" class="error">{Enc(error)}</p>""";

    private static string Enc(string text) => WebUtility.HtmlEncode(text);

    /// <summary>The answer to a sign-in or set-up attempt beyond the limit for the client's address.</summary>
    public static IResult TooManyAttempts(int seconds) =>
        Page("Too many attempts", StatusCodes.Status429TooManyRequests, $"""
            <h1>Too many attempts</h1>
            <p role="alert">Too many sign-in attempts came from your network. Wait {seconds} seconds, then try again.</p>
            <p><a href="/signin">Sign in</a></p>
            """);

    private static IResult Page(string title, int status, string body)
    {
        return Results.Content($$"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Enc(title)}} · Registry</title><link rel="stylesheet" href="/ui/registry.css"></head>
            <body>
            <main>
            {{body}}
            </main>
            </body></html>
            """, "text/html; charset=utf-8", statusCode: status);
    }
}
