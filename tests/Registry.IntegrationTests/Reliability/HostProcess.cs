using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Npgsql;
using Registry.Access;
using Registry.Infrastructure;
using Registry.IntegrationTests.Infrastructure;
using Registry.Testing;
using Xunit.Abstractions;

namespace Registry.IntegrationTests.Reliability;

/// <summary>The registry's host as a separate process on a free loopback port, its output kept.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ITestOutputHelper _output;

    private HostProcess(Process process, string baseUrl, ITestOutputHelper output)
    {
        _process = process;
        BaseUrl = baseUrl;
        _output = output;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string BaseUrl { get; }

    public bool HasExited => _process.HasExited;

    public static HostProcess Start(
        string connectionString, ITestOutputHelper output, string? exportsDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(RepositoryRoot(), "src", "Registry.Api", "bin", "Release", "net10.0", "Registry.Api.dll");
        Assert.True(File.Exists(dll), $"Build the solution in Release first (ops/test.sh does): {dll} is missing.");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__Registry"] = connectionString;
        start.Environment["Auth__SigningKey"] = RegistryApp.SigningKey;
        start.Environment["Exports__PseudonymSecret"] = TestSecrets.PseudonymSecret;
        start.Environment["Exports__Directory"] = exportsDirectory ?? Path.Combine(Path.GetTempPath(), $"registry-drill-exports-{Guid.NewGuid():N}");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new HostProcess(Process.Start(start)!, $"http://127.0.0.1:{port}", output);
    }

    /// <summary>A database built from migrations/ on the drill's cluster.</summary>
    public static async Task<string> CreateDatabaseAsync(LocalCluster cluster)
    {
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("create database registry_drill", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "registry_drill" }.ConnectionString;
        await SchemaMigrations.ApplyAsync(connectionString);
        NpgsqlConnection.ClearAllPools();
        return connectionString;
    }
    public HttpClient Client(string userId, string role, params string[] sites)
    {
        var issuer = new TokenIssuer(Options.Create(new AuthOptions { SigningKey = RegistryApp.SigningKey }), TimeProvider.System);
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue(userId, role, sites));
        return client;
    }

    public async Task WaitForLineAsync(string text, TimeSpan bound)
    {
        var said = await Poll.UntilAsync(() => _process.HasExited || _lines.Any(l => l.Contains(text, StringComparison.Ordinal)), bound);
        Assert.True(said, $"The host did not say '{text}' within {bound.TotalSeconds} s.");
        if (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            Assert.Fail($"The host exited ({_process.ExitCode}) before saying '{text}': {string.Join('\n', _lines.TakeLast(20))}");
        }
    }

    public async Task<bool> WaitUntilReadyAsync(TimeSpan bound)
    {
        using var probe = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var ready = false;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    ready = (await probe.GetAsync("/health/ready")).IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // not listening yet
                }

                return ready || _process.HasExited;
            },
            bound,
            TimeSpan.FromMilliseconds(200));
        return ready;
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        if (line.Contains("Waiting for the database", StringComparison.Ordinal) || line.Contains("fail", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                _output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // the test has ended
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Registry.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Registry.sln not found above the test assembly.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
