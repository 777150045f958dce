using Alba;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Registry.Infrastructure;

namespace Registry.IntegrationTests.Infrastructure;

/// <summary>
/// The registry as it runs in Production (static generated code, no schema created at run time),
/// over a fresh database built from migrations/ alone, with a clock the tests move.
/// One per test run; tests reset the data they use.
/// </summary>
public sealed class RegistryApp : IAsyncLifetime
{
    /// <summary>The tests' "now": a fixed instant, so date rules are checked against a known today.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    public TestDatabase Database { get; private set; } = null!;

    public IAlbaHost Host { get; private set; } = null!;

    public FakeTimeProvider Clock { get; } = new(Now);

    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.AcquireAsync(Environment.GetEnvironmentVariable);
        await SchemaMigrations.ApplyAsync(Database.ConnectionString);
        Host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:Registry", Database.ConnectionString);
            builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
        });
    }

    /// <summary>Removes every document and event, and puts the clock back.</summary>
    public async Task ResetAsync()
    {
        await Store.Advanced.Clean.DeleteAllDocumentsAsync();
        await Store.Advanced.Clean.DeleteAllEventDataAsync();
        Clock.SetUtcNow(Now);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryApp>
{
    public const string Name = "registry";
}

/// <summary>Base for API tests: a clean registry before each test.</summary>
[Collection(RegistryCollection.Name)]
public abstract class ApiTest(RegistryApp app) : IAsyncLifetime
{
    protected RegistryApp App { get; } = app;

    protected IAlbaHost Host => App.Host;

    public virtual Task InitializeAsync() => App.ResetAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;
}
