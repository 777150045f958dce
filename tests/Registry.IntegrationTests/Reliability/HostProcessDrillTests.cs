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
        var connectionString = await HostProcess.CreateDatabaseAsync(cluster);
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
        var connectionString = await HostProcess.CreateDatabaseAsync(cluster);
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

}
