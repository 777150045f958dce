using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Registry.Testing;

public enum DatabaseSource
{
    /// <summary>The server named by ConnectionStrings__Registry.</summary>
    Environment,

    /// <summary>A PostgreSQL container, when a Docker engine answers.</summary>
    Testcontainers,

    /// <summary>A throwaway cluster from the machine's PostgreSQL binaries.</summary>
    LocalCluster,
}

/// <summary>
/// A PostgreSQL server for one test run, and a fresh database on it. The server comes from, in order:
/// the environment's connection string; Testcontainers when a Docker engine answers; a throwaway
/// cluster from the local PostgreSQL binaries. The fresh database is dropped at the end; a server the
/// run started itself is stopped and removed.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "ConnectionStrings__Registry";

    private readonly string _serverConnectionString;
    private readonly Func<ValueTask> _stopServer;

    private TestDatabase(DatabaseSource source, string serverConnectionString, string databaseName, Func<ValueTask> stopServer)
    {
        Source = source;
        _serverConnectionString = serverConnectionString;
        DatabaseName = databaseName;
        _stopServer = stopServer;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = databaseName, Pooling = true }.ConnectionString;
    }

    public DatabaseSource Source { get; }

    public string DatabaseName { get; }

    public string ConnectionString { get; }

    /// <summary>The server's connection string with another database name (for tests that need a database of their own).</summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = database }.ConnectionString;

    public static async Task<TestDatabase> AcquireAsync(Func<string, string?> environment)
    {
        var (source, server, stop) = await StartServerAsync(environment);
        var name = $"registry_test_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid():N}"[..48];
        await ExecuteAsync(server, $"create database \"{name}\"");
        return new TestDatabase(source, server, name, stop);
    }

    public async Task CreateDatabaseAsync(string name) => await ExecuteAsync(_serverConnectionString, $"create database \"{name}\"");

    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_serverConnectionString, $"drop database if exists \"{name}\" with (force)");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DropDatabaseAsync(DatabaseName);
        }
        finally
        {
            await _stopServer();
        }
    }

    private static async Task<(DatabaseSource, string, Func<ValueTask>)> StartServerAsync(Func<string, string?> environment)
    {
        var fromEnvironment = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return (DatabaseSource.Environment, fromEnvironment, () => ValueTask.CompletedTask);
        }

        try
        {
            var container = new PostgreSqlBuilder("postgres:15").Build();
            await container.StartAsync();
            return (DatabaseSource.Testcontainers, container.GetConnectionString(), container.DisposeAsync);
        }
        catch (DockerUnavailableException)
        {
            // No Docker engine here: fall through to the machine's own PostgreSQL.
        }

        var cluster = await LocalCluster.StartAsync();
        return (DatabaseSource.LocalCluster, cluster.ConnectionString, cluster.DisposeAsync);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A throwaway PostgreSQL cluster from the machine's binaries, on a free loopback port.</summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _data;

    private readonly int _port;

    private LocalCluster(string bin, string data, int port)
    {
        _bin = bin;
        _data = data;
        _port = port;
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    public string ConnectionString { get; }

    private static bool IsRoot => Environment.UserName == "root";

    public static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    public static async Task<LocalCluster> StartAsync()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "No database for the tests: set ConnectionStrings__Registry, start a Docker engine, or install PostgreSQL (Debian: apt-get install -y postgresql).");
        var data = Path.Combine(Path.GetTempPath(), $"registry-test-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(data);
        if (IsRoot)
        {
            await RunAsync("chown", "postgres:", data);
        }

        var port = FreePort();
        var cluster = new LocalCluster(bin, data, port);
        await cluster.AsOwnerAsync("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8");
        await cluster.StartAgainAsync();
        return cluster;
    }

    /// <summary>Stops the server at once, as a crash would (immediate mode: no checkpoint, clients cut off).</summary>
    public Task StopImmediatelyAsync() => AsOwnerAsync("pg_ctl", "-D", _data, "-m", "immediate", "-w", "stop");

    /// <summary>Starts the server (again), on the same port and data.</summary>
    public Task StartAgainAsync() =>
        AsOwnerAsync("pg_ctl", "-D", _data, "-l", Path.Combine(_data, "server.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -p {_port} -k {_data} -c fsync=off -c max_connections=200", "start");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(_data, "postmaster.pid")))
        {
            await AsOwnerAsync("pg_ctl", "-D", _data, "-m", "immediate", "-w", "stop");
        }

        Directory.Delete(_data, recursive: true);
    }

    private Task AsOwnerAsync(string tool, params string[] args) =>
        IsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args])
            : RunAsync(Path.Combine(_bin, tool), args);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
