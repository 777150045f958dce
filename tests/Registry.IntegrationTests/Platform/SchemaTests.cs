using JasperFx;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Registry.Hosting;
using Registry.Infrastructure;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Platform;

/// <summary>
/// Production builds its schema from migrations/ alone. These tests build fresh databases from those
/// files and ask the store's own check (<c>db-assert</c>) whether they match what the code expects,
/// so a schema change without its patch fails here.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class SchemaTests(RegistryApp app)
{
    [Fact]
    public async Task a_database_built_from_migrations_alone_matches_what_the_code_expects()
    {
        await using var database = await FreshDatabaseAsync();
        await SchemaMigrations.ApplyAsync(database.ConnectionString);

        Assert.Equal(0, await DbAssertAsync(database.ConnectionString));
    }

    [Fact]
    public async Task the_check_fails_when_the_database_lacks_part_of_the_schema()
    {
        await using var database = await FreshDatabaseAsync();
        await SchemaMigrations.ApplyAsync(database.ConnectionString);
        await ExecuteAsync(database.ConnectionString, "drop table registry.mt_doc_site");

        Assert.NotEqual(0, await DbAssertAsync(database.ConnectionString));
    }

    [Fact]
    public async Task migrations_apply_once_and_a_second_run_applies_nothing()
    {
        await using var database = await FreshDatabaseAsync();

        var first = await SchemaMigrations.ApplyAsync(database.ConnectionString);
        var second = await SchemaMigrations.ApplyAsync(database.ConnectionString);

        Assert.Equal(SchemaMigrations.Embedded().Select(m => m.Name), first);
        Assert.Empty(second);
        Assert.DoesNotContain(first, name => name.EndsWith(".drop.sql", StringComparison.Ordinal));
    }

    private static async Task<int> DbAssertAsync(string connectionString)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Configuration["ConnectionStrings:Registry"] = connectionString;
        builder.Configuration["Auth:SigningKey"] = RegistryApp.SigningKey;
        builder.Configuration["Exports:PseudonymSecret"] = TestSecrets.PseudonymSecret;
        builder.AddRegistry(typeof(Program).Assembly);
        await using var host = builder.Build();
        return await host.RunJasperFxCommands(["db-assert"]);
    }

    private async Task<ScratchDatabase> FreshDatabaseAsync()
    {
        var name = $"registry_schema_{Guid.NewGuid():N}";
        await app.Database.CreateDatabaseAsync(name);
        return new ScratchDatabase(app.Database, name);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class ScratchDatabase(TestDatabase server, string name) : IAsyncDisposable
    {
        public string ConnectionString { get; } = server.ConnectionStringFor(name);

        public async ValueTask DisposeAsync() => await server.DropDatabaseAsync(name);
    }
}
