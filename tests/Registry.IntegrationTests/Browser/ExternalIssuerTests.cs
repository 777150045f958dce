using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// Single sign-on through a separately configured OpenID Connect issuer, in Chromium: a second registry host plays the
/// hospital's identity provider (its built-in issuer, OpenIddict, with password and TOTP), at <c>localhost</c>; the
/// registry under test, at <c>127.0.0.1</c> (so the two keep their cookies apart), signs its pages in through it with
/// the authorization code flow and PKCE, and maps the person to its own directory by (issuer, subject).
/// </summary>
public sealed class ExternalIssuerTests : IAsyncLifetime
{
    private const string ClientId = "registry-under-test";
    private readonly string _idpDatabase = $"registry_idp_{Guid.NewGuid():N}";
    private readonly string _rpDatabase = $"registry_rp_{Guid.NewGuid():N}";
    private TestDatabase _server = null!;
    private WebApplication _idp = null!;
    private WebApplication _rp = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string _idpUrl = "";
    private string _rpUrl = "";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task InitializeAsync()
    {
        _server = await TestDatabase.AcquireAsync(Environment.GetEnvironmentVariable);
        _idpUrl = $"http://localhost:{FreePort()}";
        _rpUrl = $"http://127.0.0.1:{FreePort()}";
        foreach (var database in new[] { _idpDatabase, _rpDatabase })
        {
            await _server.CreateDatabaseAsync(database);
            await Registry.Infrastructure.SchemaMigrations.ApplyAsync(_server.ConnectionStringFor(database));
        }

        (_idp, _) = await BrowserApp.StartHostAsync(_server.ConnectionStringFor(_idpDatabase), _idpUrl, new Dictionary<string, string?>
        {
            ["Auth:BuiltInIssuer:Clients:0:ClientId"] = ClientId,
            ["Auth:BuiltInIssuer:Clients:0:RedirectUris:0"] = $"{_rpUrl}/signin-oidc",
        });
        (_rp, _) = await BrowserApp.StartHostAsync(_server.ConnectionStringFor(_rpDatabase), _rpUrl, new Dictionary<string, string?>
        {
            ["Auth:Oidc:Authority"] = _idpUrl + "/",
            ["Auth:Oidc:ClientId"] = ClientId,
            ["Auth:Oidc:Audience"] = Registry.Identity.Issuer.Scope,
            ["Auth:Oidc:DisplayName"] = "Hôpital test",
            ["Auth:Oidc:AllowHttp"] = "true",
        });

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserApp.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    private HttpClient Admin(WebApplication app, string url)
    {
        var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", app.Services.GetRequiredService<TokenIssuer>().Issue("it-admin", Roles.Admin, []));
        return client;
    }

    [Fact]
    public async Task a_person_of_the_hospital_signs_in_through_its_issuer_and_a_deactivated_user_is_refused_on_the_next_page()
    {
        // At the hospital's issuer: the person, with a password and a second factor.
        using var idpAdmin = Admin(_idp, _idpUrl);
        var secret = await BrowserApp.SeedUserAsync(_idp, idpAdmin, "g.house", Roles.Monitor, [], Registry.Identity.Credentials.NewTotpSecret());
        // At the registry: the user linked to that person, with the registry's own role.
        using var rpAdmin = Admin(_rp, _rpUrl);
        await BrowserApp.SeedUserAsync(_rp, rpAdmin, "gregory", Roles.Pv, [], [],
            new { externalIssuer = _idpUrl, externalSubject = "g.house", reason = "hospital SSO" });

        var page = await _browser.NewPageAsync();
        await page.GotoAsync($"{_rpUrl}/signin?returnUrl=%2Fdashboard");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Hôpital test" }).ClickAsync();

        // The issuer's own sign-in page.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(_idpUrl)}/signin"));
        await page.GetByLabel("Username").FillAsync("g.house");
        await page.GetByLabel("Password").FillAsync(BrowserApp.Password);
        await page.GetByLabel("One-time code").FillAsync(new OtpNet.Totp(secret).ComputeTotp());
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync($"{_rpUrl}/dashboard");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Safety dashboard" })).ToBeVisibleAsync();
        var token = await page.EvaluateAsync<string>("async () => (await (await fetch('/signin/token')).json()).userId");
        Assert.Equal("gregory", token);

        (await rpAdmin.PostAsJsonAsync("/api/users/gregory/deactivation", new { reason = "left the hospital" })).EnsureSuccessStatusCode();
        await page.ReloadAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(_rpUrl)}/signin"));
    }

    [Fact]
    public async Task a_person_the_registry_does_not_know_is_told_so_and_gets_no_session()
    {
        using var idpAdmin = Admin(_idp, _idpUrl);
        var secret = await BrowserApp.SeedUserAsync(_idp, idpAdmin, "stranger", Roles.Monitor, [], Registry.Identity.Credentials.NewTotpSecret());

        var page = await _browser.NewPageAsync();
        await page.GotoAsync($"{_rpUrl}/signin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Hôpital test" }).ClickAsync();
        await page.GetByLabel("Username").FillAsync("stranger");
        await page.GetByLabel("Password").FillAsync(BrowserApp.Password);
        await page.GetByLabel("One-time code").FillAsync(new OtpNet.Totp(secret).ComputeTotp());
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not a user of this registry");
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/signin/token')).status");
        Assert.Equal(401, status);
    }

    /// <summary>A client of the hospital's issuer, signed in there (password and a fresh one-time code).</summary>
    private async Task<(HttpClient Client, HttpClientHandler Handler)> SignedInAtIssuerAsync(string username, byte[] secret)
    {
        // A one-time code works once: the person's credentials are set again (a fresh time step) for each sign-in.
        using (var idpAdmin = Admin(_idp, _idpUrl))
        {
            await BrowserApp.SeedUserAsync(_idp, idpAdmin, username, Roles.Monitor, [], secret);
        }

        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        var idp = new HttpClient(handler) { BaseAddress = new Uri(_idpUrl) };
        await SignInAsync(idp, username, secret);
        return (idp, handler);
    }

    /// <summary>The password form at the hospital's issuer, in <paramref name="idp"/>'s cookie jar.</summary>
    private async Task SignInAsync(HttpClient idp, string username, byte[] secret)
    {
        var page = await idp.GetStringAsync("/signin");
        var antiforgery = System.Text.RegularExpressions.Regex.Match(page, "name=\"__antiforgery\" value=\"([^\"]+)\"").Groups[1].Value;
        var signIn = await idp.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__antiforgery"] = WebUtility.HtmlDecode(antiforgery),
            ["username"] = username,
            ["password"] = BrowserApp.Password,
            ["code"] = new OtpNet.Totp(secret).ComputeTotp(),
            ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private string Redirect => $"{_rpUrl}/signin-oidc";

    /// <summary>The authorization request (code, PKCE S256); its answer and the verifier for the code.</summary>
    private async Task<(HttpResponseMessage Answer, string Verifier)> AuthorizeAsync(HttpClient idp, string scope, string extra = "")
    {
        var verifier = Base64Url(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        var answer = await idp.GetAsync($"/connect/authorize?client_id={ClientId}&redirect_uri={Uri.EscapeDataString(Redirect)}"
            + $"&response_type=code&scope={Uri.EscapeDataString(scope)}&code_challenge={challenge}&code_challenge_method=S256&state=s1{extra}");
        return (answer, verifier);
    }

    private static string? Query(HttpResponseMessage redirect, string name) =>
        System.Web.HttpUtility.ParseQueryString(redirect.Headers.Location!.Query)[name];

    private async Task<HttpResponseMessage> RedeemAsync(HttpClient idp, string code, string verifier) =>
        await idp.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = Redirect,
            ["client_id"] = ClientId,
            ["code_verifier"] = verifier,
        }));

    /// <summary>
    /// An access token from the hospital's issuer, as an API client would get one: sign in there, the authorization
    /// code with PKCE, the token endpoint.
    /// </summary>
    private async Task<string> AccessTokenAsync(string username, byte[] secret, string scope)
    {
        var (idp, handler) = await SignedInAtIssuerAsync(username, secret);
        using (handler)
        using (idp)
        {
            var (authorize, verifier) = await AuthorizeAsync(idp, scope);
            Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
            var token = await RedeemAsync(idp, Query(authorize, "code")!, verifier);
            var answer = await token.Content.ReadAsStringAsync();
            Assert.True(token.IsSuccessStatusCode, answer);
            return System.Text.Json.Nodes.JsonNode.Parse(answer)!["access_token"]!.GetValue<string>();
        }
    }

    [Fact]
    public async Task the_issuer_takes_a_code_once_says_when_the_person_signed_in_and_asks_again_when_told_to()
    {
        var secret = Registry.Identity.Credentials.NewTotpSecret();
        var (idp, handler) = await SignedInAtIssuerAsync("code.person", secret);
        using var _ = handler;
        using var __ = idp;

        var (authorize, verifier) = await AuthorizeAsync(idp, "openid");
        var code = Query(authorize, "code")!;
        var first = await RedeemAsync(idp, code, verifier);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var idToken = System.Text.Json.Nodes.JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id_token"]!.GetValue<string>();
        var claims = new System.IdentityModel.Tokens.Jwt.JwtSecurityTokenHandler().ReadJwtToken(idToken).Payload;
        var authTime = DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(claims["auth_time"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(authTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.False(claims.ContainsKey("registry_code"), "the code's own id stays in the code");

        // The same code again (an attacker who saw it, or a replay): refused.
        var again = await RedeemAsync(idp, code, verifier);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("invalid_grant", await again.Content.ReadAsStringAsync());

        // A client that wants a sign-in no older than 0 seconds, or a fresh one: the person signs in again first.
        foreach (var ask in new[] { "&max_age=0", "&prompt=login" })
        {
            var (stale, _) = await AuthorizeAsync(idp, "openid", ask);
            Assert.StartsWith("/signin?returnUrl=", stale.Headers.Location!.OriginalString);
            var back = Uri.UnescapeDataString(stale.Headers.Location!.OriginalString["/signin?returnUrl=".Length..]);
            // The way back, opened without signing in (someone at the open browser): the sign-in is asked again.
            Assert.StartsWith("/signin?returnUrl=", (await idp.GetAsync(back)).Headers.Location!.OriginalString);
            // Signed in again: the same way back gives a code (no endless loop, whatever max_age says).
            using (var idpAdmin = Admin(_idp, _idpUrl))
            {
                await BrowserApp.SeedUserAsync(_idp, idpAdmin, "code.person", Roles.Monitor, [], secret);
            }

            await SignInAsync(idp, "code.person", secret);
            var fresh = await idp.GetAsync(back);
            Assert.StartsWith(Redirect, fresh.Headers.Location!.OriginalString);
            Assert.NotNull(Query(fresh, "code"));
        }

        // No session and prompt=none: the client hears login_required, no page is shown.
        using var stranger = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_idpUrl) };
        var (silent, _) = await AuthorizeAsync(stranger, "openid", "&prompt=none");
        Assert.StartsWith(Redirect, silent.Headers.Location!.OriginalString);
        Assert.Equal("login_required", Query(silent, "error"));

        // A post-logout address registered for no client, for another client than the one asking, or with no client named.
        foreach (var client in new[] { "&client_id=someone-else", "", $"&client_id={ClientId}" })
        {
            var logout = await idp.GetAsync($"/connect/logout?post_logout_redirect_uri={Uri.EscapeDataString(_rpUrl + "/")}{client}");
            Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        }
    }

    [Fact]
    public void a_registry_session_from_an_issuer_ends_the_absolute_lifetime_after_the_person_signed_in_there()
    {
        var signedIn = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        var person = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim("auth_time", signedIn.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture))]));
        Assert.Equal(signedIn.AddHours(8), Registry.Identity.ExternalSignIn.IssuerEnds(person, TimeSpan.FromHours(8)));
        Assert.Null(Registry.Identity.ExternalSignIn.IssuerEnds(new System.Security.Claims.ClaimsPrincipal(), TimeSpan.FromHours(8)));
        var nonsense = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim("auth_time", "-5")]));
        Assert.Null(Registry.Identity.ExternalSignIn.IssuerEnds(nonsense, TimeSpan.FromHours(8)));
    }

    [Fact]
    public async Task the_api_takes_the_hospital_issuer_s_access_tokens_for_linked_users_and_only_with_the_registry_scope()
    {
        using var idpAdmin = Admin(_idp, _idpUrl);
        var secret = await BrowserApp.SeedUserAsync(_idp, idpAdmin, "api.person", Roles.Monitor, [], Registry.Identity.Credentials.NewTotpSecret());
        using var rpAdmin = Admin(_rp, _rpUrl);
        await BrowserApp.SeedUserAsync(_rp, rpAdmin, "api.pv", Roles.Pv, [], [],
            new { externalIssuer = _idpUrl, externalSubject = "api.person", reason = "hospital SSO" });

        async Task<HttpStatusCode> CallAsync(string token)
        {
            using var client = new HttpClient { BaseAddress = new Uri(_rpUrl) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return (await client.GetAsync("/api/safety/sae-clocks")).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await CallAsync(await AccessTokenAsync("api.person", secret, "openid registry")));
        // Signed in for identity only (no registry scope): the token opens nothing.
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(await AccessTokenAsync("api.person", secret, "openid")));

        (await rpAdmin.PostAsJsonAsync("/api/users/api.pv/deactivation", new { reason = "left" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(await AccessTokenAsync("api.person", secret, "openid registry")));
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        foreach (var app in new[] { _rp, _idp })
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await _server.DropDatabaseAsync(_idpDatabase);
        await _server.DropDatabaseAsync(_rpDatabase);
        await _server.DisposeAsync();
    }
}
