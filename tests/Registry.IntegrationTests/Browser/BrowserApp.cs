using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
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

    public IBrowser Browser { get; private set; } = null!;

    public TokenIssuer Tokens => _app.Services.GetRequiredService<TokenIssuer>();

    public async Task InitializeAsync()
    {
        _server = await TestDatabase.AcquireAsync(Environment.GetEnvironmentVariable);
        await _server.CreateDatabaseAsync(_database);
        var connectionString = _server.ConnectionStringFor(_database);
        await SchemaMigrations.ApplyAsync(connectionString);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Registry.Api" });
        builder.Configuration["ConnectionStrings:Registry"] = connectionString;
        builder.Configuration["Auth:SigningKey"] = RegistryApp.SigningKey;
        builder.Configuration["Exports:PseudonymSecret"] = TestSecrets.PseudonymSecret;
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddRegistry(typeof(Registry.Api.Commands.MigrateCommand).Assembly);
        _app = builder.Build();
        _app.UseRegistry();
        await _app.StartAsync();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public HttpClient Api(string userId, string role, params string[] sites)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Issue(userId, role, sites));
        return client;
    }

    /// <summary>Signs a new page in with a token, as a user pasting it into the sign-in form.</summary>
    public Task<IPage> SignedInPageAsync(string userId, string role, params string[] sites) =>
        SignedInPageAsync(userId, role, sites, "/dashboard");

    /// <summary>Signs a new page in, landing on <paramref name="returnUrl"/> ("/" lands on the role's home page).</summary>
    public async Task<IPage> SignedInPageAsync(string userId, string role, string[] sites, string returnUrl, int width = 1280)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = 1400 } });
        await page.GotoAsync($"{BaseUrl}/signin?returnUrl={Uri.EscapeDataString(returnUrl)}");
        await page.GetByLabel("Your access token").FillAsync(Tokens.Issue(userId, role, sites));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return page;
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
