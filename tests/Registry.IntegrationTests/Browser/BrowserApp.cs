using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Registry.Access;
using Registry.Hosting;
using Registry.Infrastructure;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// The registry on a real loopback port (a browser cannot reach the in-memory test server), over a
/// database of its own built from migrations/, and Debian's Chromium driven by Playwright
/// (installed by .ci/run; nothing is downloaded at run time).
/// </summary>
public sealed class BrowserApp : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly string _database = $"registry_browser_{Guid.NewGuid():N}";
    private TestDatabase _server = null!;
    private WebApplication _app = null!;
    private IPlaywright _playwright = null!;

    public string BaseUrl { get; private set; } = "";

    /// <summary>The host's clock: real time, which a test may move back for a moment (every write is stamped by it).</summary>
    public Registry.Testing.ShiftedClock Clock { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public TokenIssuer Tokens => _app.Services.GetRequiredService<TokenIssuer>();

    public async Task InitializeAsync()
    {
        _server = await TestDatabase.AcquireAsync(Environment.GetEnvironmentVariable);
        await _server.CreateDatabaseAsync(_database);
        var connectionString = _server.ConnectionStringFor(_database);
        await SchemaMigrations.ApplyAsync(connectionString);

        (_app, BaseUrl) = await StartHostAsync(connectionString, "http://127.0.0.1:0", new Dictionary<string, string?>(), Clock);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    /// <summary>A registry host on a loopback address, in Production, with the test secrets and these extra settings.</summary>
    public static async Task<(WebApplication App, string BaseUrl)> StartHostAsync(
        string connectionString, string url, IDictionary<string, string?> settings, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Registry.Api" });
        builder.Configuration["ConnectionStrings:Registry"] = connectionString;
        builder.Configuration["Auth:SigningKey"] = RegistryApp.SigningKey;
        builder.Configuration["Exports:PseudonymSecret"] = TestSecrets.PseudonymSecret;
        builder.Configuration["Auth:BuiltInIssuer:AllowHttp"] = "true";
        // Every page of a browser test signs in from 127.0.0.1: the per-address limit is tested in SignInTests.
        builder.Configuration["Auth:SignIn:AttemptsPerMinute"] = "10000";
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("REGISTRY_TEST_LOGS") == "1")
        {
            builder.Logging.AddConsole();
        }

        builder.WebHost.UseUrls(url);
        builder.AddRegistry(typeof(Registry.Api.Commands.MigrateCommand).Assembly);
        if (clock is not null)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(clock));
        }

        var app = builder.Build();
        app.UseRegistry();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, url.EndsWith(":0", StringComparison.Ordinal) ? address : url);
    }

    /// <summary>
    /// A user in <paramref name="app"/>'s directory (created, or given this role and these sites), with a password and
    /// a second factor set directly in its store; the TOTP secret.
    /// </summary>
    public static async Task<byte[]> SeedUserAsync(
        WebApplication app, HttpClient admin, string userId, string role, string[] sites, byte[] secret, object? external = null)
    {
        foreach (var site in sites)
        {
            var registered = await admin.PostAsJsonAsync("/api/sites", new { siteId = site, name = $"Site {site}", country = "FR", timeZone = "UTC" });
            Assert.True(registered.IsSuccessStatusCode || registered.StatusCode == System.Net.HttpStatusCode.Conflict);
        }

        var created = await admin.PostAsJsonAsync("/api/users", new { username = userId, displayName = userId, role, sites, reason = "browser test" });
        if (created.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            (await admin.PostAsJsonAsync($"/api/users/{userId}/access", new { role, sites, reason = "browser test" })).EnsureSuccessStatusCode();
        }
        else
        {
            created.EnsureSuccessStatusCode();
        }

        if (external is not null)
        {
            (await admin.PostAsJsonAsync($"/api/users/{userId}/link", external)).EnsureSuccessStatusCode();
            return secret;
        }

        await using var session = app.Services.GetRequiredService<Marten.IDocumentStore>().LightweightSession();
        session.Store(new Registry.Identity.UserCredential
        {
            Id = Registry.Identity.UserAccount.StreamFor(userId),
            Username = Registry.Identity.UserAccount.Normalize(userId),
            PasswordHash = Registry.Identity.Credentials.HashPassword(Password),
            ProtectedTotpSecret = app.Services.GetRequiredService<Registry.Identity.Credentials>().Protect(secret),
        });
        await session.SaveChangesAsync();
        return secret;
    }

    public HttpClient Api(string userId, string role, params string[] sites)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Issue(userId, role, sites));
        return client;
    }

    /// <summary>The password every browser-test user signs in with (their second factor is their own).</summary>
    public const string Password = "browser tests sign in like people";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _secrets = new();

    /// <summary>Signs a new page in through the sign-in form (username, password, one-time code).</summary>
    public Task<IPage> SignedInPageAsync(string userId, string role, params string[] sites) =>
        SignedInPageAsync(userId, role, sites, "/dashboard");

    /// <summary>Signs a new page in, landing on <paramref name="returnUrl"/> ("/" lands on the role's home page).</summary>
    public async Task<IPage> SignedInPageAsync(string userId, string role, string[] sites, string returnUrl, int width = 1280)
    {
        var secret = await UserAsync(userId, role, sites);
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = 1400 } });
        await page.GotoAsync($"{BaseUrl}/signin?returnUrl={Uri.EscapeDataString(returnUrl)}");
        await page.GetByLabel("Username").FillAsync(userId);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByLabel("One-time code").FillAsync(new OtpNet.Totp(secret).ComputeTotp());
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        return page;
    }

    /// <summary>Signs an HTTP client (with a cookie container) in through the form, as a browser would; the form's answer.</summary>
    public async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userId, string role, string[] sites, string returnUrl)
    {
        var secret = await UserAsync(userId, role, sites);
        var page = await client.GetStringAsync($"/signin?returnUrl={Uri.EscapeDataString(returnUrl)}");
        var antiforgery = System.Text.RegularExpressions.Regex.Match(page, "name=\"__antiforgery\" value=\"([^\"]+)\"").Groups[1].Value;
        return await client.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__antiforgery"] = System.Net.WebUtility.HtmlDecode(antiforgery),
            ["username"] = userId,
            ["password"] = Password,
            ["code"] = new OtpNet.Totp(secret).ComputeTotp(),
            ["returnUrl"] = returnUrl,
        }));
    }

    /// <summary>
    /// The user in the directory with this role and these sites, and a password and second factor set directly in
    /// the store (the set-up pages have tests of their own). Each sign-in may use a code once more.
    /// </summary>
    public async Task<byte[]> UserAsync(string userId, string role, string[] sites)
    {
        using var admin = Api("browser-admin", Roles.Admin);
        var secret = _secrets.GetOrAdd(Registry.Identity.UserAccount.Normalize(userId), _ => Registry.Identity.Credentials.NewTotpSecret());
        return await SeedUserAsync(_app, admin, userId, role, sites, secret);
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _server.DropDatabaseAsync(_database);
        await _server.DisposeAsync();
    }
}
