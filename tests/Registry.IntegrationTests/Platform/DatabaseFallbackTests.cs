using Npgsql;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Platform;

[Collection(RegistryCollection.Name)]
public sealed class DatabaseFallbackTests(RegistryApp app)
{
    [Fact]
    public async Task a_connection_string_in_the_environment_is_used_and_gets_a_fresh_database_of_its_own()
    {
        // The run's own server, named the way a developer or CI names one.
        var server = app.Database.ConnectionStringFor("postgres");
        string? Environment(string name) => name == TestDatabase.EnvironmentVariable ? server : null;

        await using var database = await TestDatabase.AcquireAsync(Environment);

        Assert.Equal(DatabaseSource.Environment, database.Source);
        Assert.NotEqual(app.Database.DatabaseName, database.DatabaseName);
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        Assert.Equal(new NpgsqlConnectionStringBuilder(server).Port, builder.Port);
        Assert.Equal(database.DatabaseName, builder.Database);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand("select count(*) from information_schema.tables where table_schema = 'registry'", connection);
        Assert.Equal(0L, await tables.ExecuteScalarAsync());
    }
}
