using Alba;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Testing;

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

    public static readonly string SigningKey = TestSecrets.SigningKey;

    public TestDatabase Database { get; private set; } = null!;

    public string ExportsDirectory { get; } = Path.Combine(Path.GetTempPath(), $"registry-test-exports-{Guid.NewGuid():N}");

    public IAlbaHost Host { get; private set; } = null!;

    public TestClock Clock { get; } = new(Now);

    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.AcquireAsync(Environment.GetEnvironmentVariable);
        await SchemaMigrations.ApplyAsync(Database.ConnectionString);
        Host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:Registry", Database.ConnectionString);
            builder.UseSetting("Auth:SigningKey", SigningKey);
            builder.UseSetting("Exports:PseudonymSecret", TestSecrets.PseudonymSecret);
            builder.UseSetting("Exports:Directory", ExportsDirectory);
            builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
        });
    }

    public TokenIssuer Tokens => Host.Services.GetRequiredService<TokenIssuer>();

    /// <summary>A caller with a token for this role (and these sites, for site users).</summary>
    public ApiClient As(string role, params string[] sites) => new(Host, Tokens.Issue($"{role}-user", role, sites));

    public ApiClient AsUser(string userId, string role, params string[] sites) => new(Host, Tokens.Issue(userId, role, sites));

    public ApiClient Admin => As(Roles.Admin);

    public ApiClient Anonymous => new(Host, null);

    /// <summary>A researcher's CSV export of the SLE cohort as of now (run to the end), and one of its files' text.</summary>
    public async Task<string> ExportFileAsync(string file)
    {
        var status = await ExportAsync();
        var researcher = AsUser("researcher1", Roles.Researcher);
        return await (await researcher.GetAsync($"/api/exports/{status["exportId"]}/files/{file}")).ReadAsTextAsync();
    }

    /// <summary>A researcher's CSV export of the SLE cohort as of now, run to the end: its status with the manifest.</summary>
    public async Task<System.Text.Json.Nodes.JsonObject> ExportAsync()
    {
        var researcher = AsUser("researcher1", Roles.Researcher);
        Guid exportId = default;
        await Wolverine.Tracking.WolverineHostMessageTrackingExtensions.ExecuteAndWaitAsync(Host, async () =>
        {
            var accepted = await researcher.PostAsync("/api/exports", new System.Text.Json.Nodes.JsonObject
            {
                ["cohort"] = new System.Text.Json.Nodes.JsonObject { ["diseaseCodes"] = new System.Text.Json.Nodes.JsonArray("sle") },
                ["format"] = "csv",
                ["dates"] = "study-day",
                ["pseudonymScope"] = "registry",
            }, 202);
            exportId = System.Text.Json.Nodes.JsonNode.Parse(await accepted.ReadAsTextAsync())!["exportId"]!.GetValue<Guid>();
        }, 60_000);
        return await researcher.GetJsonAsync($"/api/exports/{exportId}");
    }

    /// <summary>Waits until the async projections have caught up with every event appended so far (no sleeping).</summary>
    public Task WaitForProjectionsAsync() => Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));

    /// <summary>Removes every document and event, and puts the clock back.</summary>
    public async Task ResetAsync()
    {
        // Pauses the async daemon, removes every document and event, and starts the daemon again.
        // The audit refuses to be emptied (migration 0018): the tests, as the tables' owner, lift that for the reset.
        await SqlAsync("alter table registry.mt_doc_auditrecord disable trigger audit_no_truncate");
        try
        {
            await Host.ResetAllMartenDataAsync();
        }
        finally
        {
            await SqlAsync("alter table registry.mt_doc_auditrecord enable trigger audit_no_truncate");
        }

        // The audit's chain lives beside Marten's tables: it starts again with the audit.
        await SqlAsync("alter table registry.audit_chain disable trigger audit_no_truncate; " +
            "truncate registry.audit_chain, registry.audit_pending; alter table registry.audit_chain enable trigger audit_no_truncate");

        Clock.Set(Now);
    }

    /// <summary>Runs SQL on the test database directly, as its owner (what an attacker with the database's keys could do).</summary>
    public async Task SqlAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
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
