using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Registry.Access;
using Registry.Hosting;
using Registry.Infrastructure;
using Registry.IntegrationTests.Infrastructure;
using Registry.Testing;

namespace Registry.IntegrationTests.Reliability;

/// <summary>
/// A registry of its own for a fault drill: its own PostgreSQL cluster (which the drill stops and starts),
/// a database built from migrations/, and the host in Production on a loopback port (real clock).
/// </summary>
public sealed class DrillHost : IAsyncDisposable
{
    private DrillHost(LocalCluster cluster, string connectionString, WebApplication app, string baseUrl)
    {
        Cluster = cluster;
        ConnectionString = connectionString;
        App = app;
        BaseUrl = baseUrl;
    }

    public LocalCluster Cluster { get; }

    public string ConnectionString { get; }

    public WebApplication App { get; }

    public string BaseUrl { get; }

    public static async Task<DrillHost> StartAsync()
    {
        var cluster = await LocalCluster.StartAsync();
        var connectionString = await HostProcess.CreateDatabaseAsync(cluster);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Registry.Api" });
        builder.Configuration["ConnectionStrings:Registry"] = connectionString;
        builder.Configuration["Auth:SigningKey"] = RegistryApp.SigningKey;
        builder.Configuration["Exports:PseudonymSecret"] = TestSecrets.PseudonymSecret;
        builder.Configuration["Exports:Directory"] = Path.Combine(Path.GetTempPath(), $"registry-drill-exports-{Guid.NewGuid():N}");
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddRegistry(typeof(Registry.Api.Commands.MigrateCommand).Assembly);
        var app = builder.Build();
        app.UseRegistry();
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DrillHost(cluster, connectionString, app, baseUrl);
    }

    public HttpClient Client(string userId, string role, params string[] sites)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(15) };
        var token = App.Services.GetRequiredService<TokenIssuer>().Issue(userId, role, sites);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
