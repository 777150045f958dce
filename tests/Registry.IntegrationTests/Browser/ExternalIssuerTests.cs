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
