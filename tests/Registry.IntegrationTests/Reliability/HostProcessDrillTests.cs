using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Npgsql;
using Registry.Access;
using Registry.Infrastructure;
using Registry.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.IntegrationTests.Reliability;

/// <summary>
/// Drills on the host as a process (the built Registry.Api.dll, as it runs in production): started while
/// its database is down; killed (SIGKILL) during an export and started again.
/// </summary>
public sealed class HostProcessDrillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task the_host_started_while_the_database_is_down_waits_says_so_and_serves_once_it_is_up()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var connectionString = await CreateDatabaseAsync(cluster);
        await cluster.StopImmediatelyAsync();

        await using var host = HostProcess.Start(connectionString, output);
        await host.WaitForLineAsync("Waiting for the database", TimeSpan.FromSeconds(60));
        Assert.False(host.HasExited, "The host must wait, not exit.");

        await cluster.StartAgainAsync();
        var ready = await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        Assert.True(ready, "The host answers /health/ready once its database is up.");
    }

    [Fact]
    public async Task a_host_killed_during_an_export_finishes_it_after_it_is_started_again()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var connectionString = await CreateDatabaseAsync(cluster);
        var exportsDirectory = Path.Combine(Path.GetTempPath(), $"registry-drill-exports-{Guid.NewGuid():N}");

        Guid exportId;
        await using (var first = HostProcess.Start(connectionString, output, exportsDirectory))
        {
            Assert.True(await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
            using var admin = first.Client("drill-admin", Roles.Admin);
            (await admin.PostAsJsonAsync("/api/sites", new { siteId = "DR01", name = "Drill", country = "FR", timeZone = "UTC" })).EnsureSuccessStatusCode();
            using var nurse = first.Client("drill-nurse", Roles.Site, "DR01");
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            for (var i = 0; i < 40; i++)
            {
                var enrolled = await nurse.PostAsJsonAsync("/api/patients", new
                {
                    subjectCode = $"DR01-{i:0000}",
                    siteId = "DR01",
                    diseaseCode = "sle",
                    birthYear = 1980,
                    sex = "female",
                    enrolledOn = today.AddDays(-10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    consentVersion = "v1",
                    therapyLine = "standalone",
                    setting = "routine",
                });
                enrolled.EnsureSuccessStatusCode();
            }

            using var researcher = first.Client("drill-researcher", Roles.Researcher);
            var accepted = await researcher.PostAsJsonAsync("/api/exports", new { cohort = new { diseaseCodes = new[] { "sle" } }, format = "csv", dates = "study-day" });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            exportId = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!["exportId"]!.GetValue<Guid>();
            first.Kill(); // SIGKILL, right after the export was acknowledged: no graceful shutdown
        }

        await using var second = HostProcess.Start(connectionString, output, exportsDirectory);
        Assert.True(await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        using var again = second.Client("drill-researcher", Roles.Researcher);
        var waited = Stopwatch.StartNew();
        var status = "";
        await Poll.UntilAsync(
            async () =>
            {
                status = (await again.GetFromJsonAsync<JsonObject>($"/api/exports/{exportId}"))!["status"]!.GetValue<string>();
                return status is "done" or "failed";
            },
            TimeSpan.FromSeconds(120),
            TimeSpan.FromMilliseconds(250));

        output.WriteLine($"The export was '{status}' {waited.Elapsed.TotalSeconds:0.0} s after the restart.");
        Assert.Equal("done", status);
        var manifest = (await again.GetFromJsonAsync<JsonObject>($"/api/exports/{exportId}"))!["manifest"]!;
        Assert.Equal(40, manifest["files"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "dm.csv")!["rows"]!.GetValue<long>());
    }

    private static async Task<string> CreateDatabaseAsync(LocalCluster cluster)
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

    /// <summary>The registry's host as a separate process on a free loopback port, its output kept.</summary>
    private sealed class HostProcess : IAsyncDisposable
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

        public static HostProcess Start(string connectionString, ITestOutputHelper output, string? exportsDirectory = null)
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
            start.Environment["Exports__PseudonymSecret"] = "drill-pseudonym-secret-0123456789abcdef";
            start.Environment["Exports__Directory"] = exportsDirectory ?? Path.Combine(Path.GetTempPath(), $"registry-drill-exports-{Guid.NewGuid():N}");
            return new HostProcess(Process.Start(start)!, $"http://127.0.0.1:{port}", output);
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
}
