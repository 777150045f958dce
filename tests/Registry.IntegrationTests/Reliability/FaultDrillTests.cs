using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Access;
using Registry.Patients;
using Xunit.Abstractions;

namespace Registry.IntegrationTests.Reliability;

/// <summary>
/// Fault drills, each against a registry and a PostgreSQL server of its own: the database stopped
/// (immediate mode) under a 32-client write load and started again; a projection that cannot apply an
/// event. Their figures are quoted in docs/reliability.md.
/// </summary>
public sealed class FaultDrillTests(ITestOutputHelper output)
{
    private const int Clients = 32;
    private const int Patients = 8;

    [Fact]
    public async Task database_stopped_under_load_and_started_again_loses_nothing_duplicates_nothing_and_recovers_within_5_s()
    {
        await using var drill = await DrillHost.StartAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        using var admin = drill.Client("drill-admin", Roles.Admin);
        (await admin.PostAsJsonAsync("/api/sites", new { siteId = "DR01", name = "Drill", country = "FR", timeZone = "UTC" })).EnsureSuccessStatusCode();
        using var nurse = drill.Client("drill-nurse", Roles.Site, "DR01");
        var patients = new List<Guid>();
        for (var i = 0; i < Patients; i++)
        {
            var enrolled = await nurse.PostAsJsonAsync("/api/patients", new
            {
                subjectCode = $"DR01-{i:0000}",
                siteId = "DR01",
                diseaseCode = "sle",
                birthYear = 1980,
                sex = "female",
                enrolledOn = today.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                consentVersion = "v1",
                therapyLine = "standalone",
                setting = "routine",
            });
            enrolled.EnsureSuccessStatusCode();
            patients.Add((await enrolled.Content.ReadFromJsonAsync<JsonObject>())!["patientId"]!.GetValue<Guid>());
        }

        var acknowledged = new ConcurrentDictionary<Guid, (Guid Patient, string Body)>();
        var statuses = new ConcurrentDictionary<int, int>();
        var unexpected = new ConcurrentBag<string>();
        var replays = 0;
        var retried = 0;
        var loadEnds = DateTime.UtcNow.AddSeconds(120); // a visit not acknowledged 30 s after this fails the drill
        var stop = new CancellationTokenSource();

        async Task WorkerAsync(int worker)
        {
            var random = new Random(worker);
            while (!stop.IsCancellationRequested)
            {
                var patient = patients[random.Next(Patients)];
                var visitId = Guid.NewGuid();
                var body = new JsonObject
                {
                    ["visitId"] = visitId,
                    ["visitDate"] = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["instrument"] = "cgi-s", ["value"] = random.Next(1, 8) }),
                }.ToJsonString();

                // A client that gets no answer, or a 503, sends the same visit again (same visitId) until it is acknowledged.
                for (var attempt = 0; ; attempt++)
                {
                    if (attempt > 0)
                    {
                        Interlocked.Increment(ref retried);
                        await Task.Delay(ClientRetryBackoff); // the simulated client's own back-off, not a wait in the test
                    }

                    try
                    {
                        using var response = await nurse.PostAsync($"/api/patients/{patient}/visits", new StringContent(body, Encoding.UTF8, "application/json"));
                        var status = (int)response.StatusCode;
                        statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                        if (status == 201)
                        {
                            acknowledged[visitId] = (patient, await response.Content.ReadAsStringAsync());
                            if (response.Headers.Contains("Idempotent-Replayed"))
                            {
                                Interlocked.Increment(ref replays);
                            }

                            break;
                        }

                        if (status != 503)
                        {
                            unexpected.Add($"{status}: {await response.Content.ReadAsStringAsync()}");
                            break;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        statuses.AddOrUpdate(0, 1, (_, n) => n + 1);
                    }

                    if (DateTime.UtcNow > loadEnds.AddSeconds(30))
                    {
                        unexpected.Add($"visit {visitId} never acknowledged");
                        break;
                    }
                }
            }
        }

        var workers = Enumerable.Range(0, Clients).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
        await WaitUntilAsync(() => acknowledged.Count >= 200, "200 visits acknowledged before the outage");
        var beforeOutage = acknowledged.Count;
        await drill.Cluster.StopImmediatelyAsync();
        using var probe = new HttpClient { BaseAddress = new Uri(drill.BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var readyDuringOutage = (int)(await probe.GetAsync("/health/ready")).StatusCode;
        // The outage lasts until every client has been refused at least once on average.
        await WaitUntilAsync(() => statuses.GetValueOrDefault(503) + statuses.GetValueOrDefault(0) >= Clients, "every client refused during the outage");
        await drill.Cluster.StartAgainAsync();
        var back = Stopwatch.StartNew();
        using var monitor = drill.Client("drill-monitor", Roles.Monitor);
        await Poll.UntilAsync(async () => await SafeGetAsync(monitor, $"/api/patients/{patients[0]}") == 200, TimeSpan.FromSeconds(30));

        var recovery = back.Elapsed;
        var afterRecovery = acknowledged.Count;
        await WaitUntilAsync(() => acknowledged.Count >= afterRecovery + 200, "200 more visits acknowledged after the database came back");
        stop.Cancel();
        await Task.WhenAll(workers);

        // Every acknowledged visit is in its patient's record exactly once; nothing else is.
        var lost = 0;
        var duplicated = 0;
        var found = 0;
        var perVisit = new Dictionary<Guid, int>();
        foreach (var patient in patients)
        {
            var record = (await monitor.GetFromJsonAsync<JsonObject>($"/api/patients/{patient}"))!;
            foreach (var entry in record["entries"]!.AsArray())
            {
                var visit = entry!["data"]?["visitId"]?.GetValue<Guid>() ?? entry["visitId"]?.GetValue<Guid>();
                if (visit is { } v)
                {
                    perVisit[v] = perVisit.GetValueOrDefault(v) + 1;
                }
            }
        }

        foreach (var visitId in acknowledged.Keys)
        {
            var n = perVisit.GetValueOrDefault(visitId);
            if (n == 0)
            {
                lost++;
            }
            else
            {
                found++;
                duplicated += n - 1;
            }
        }

        var unacknowledged = perVisit.Keys.Count(v => !acknowledged.ContainsKey(v));
        output.WriteLine($"clients {Clients}; acknowledged {acknowledged.Count} ({beforeOutage} before the outage); found {found}; lost {lost}; duplicated {duplicated}; " +
                         $"in the records without an acknowledgement {unacknowledged}; retries {retried}; answered as replays {replays}; " +
                         $"/health/ready during the outage {readyDuringOutage}; seconds to recover {recovery.TotalSeconds:0.00}; " +
                         $"answers {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "no answer" : s.Key)}: {s.Value}"))}");

        Assert.Empty(unexpected);
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);
        Assert.Equal(0, unacknowledged);
        Assert.True(acknowledged.Count > beforeOutage, "writes went on after the database came back");
        Assert.Equal(503, readyDuringOutage);
        Assert.True(recovery < TimeSpan.FromSeconds(5), $"The registry answered again {recovery.TotalSeconds:0.0} s after the database came back.");
        Assert.DoesNotContain(500, statuses.Keys);
    }

    [Fact]
    public async Task a_projection_that_cannot_apply_an_event_fails_readiness_at_once_naming_it_and_the_event()
    {
        await using var drill = await DrillHost.StartAsync();
        using var probe = new HttpClient { BaseAddress = new Uri(drill.BaseUrl) };
        Assert.Equal(200, (int)(await probe.GetAsync("/health/ready")).StatusCode);

        // An event the cohort facts cannot read: a patient id that is not an id.
        long sequence;
        await using (var connection = new NpgsqlConnection(drill.ConnectionString))
        {
            await connection.OpenAsync();
            var stream = Guid.NewGuid();
            await using var insert = new NpgsqlCommand("""
                insert into registry.mt_streams (id, type, version) values (@stream, 'patient_state', 1);
                insert into registry.mt_events (seq_id, id, stream_id, version, data, type, mt_dotnet_type)
                values (nextval('registry.mt_events_sequence'), @id, @stream, 1, '{"patientId": 12}'::jsonb, 'patient_enrolled', 'Registry.Patients.PatientEnrolled, Registry')
                returning seq_id;
                """, connection);
            insert.Parameters.AddWithValue("stream", stream);
            insert.Parameters.AddWithValue("id", Guid.NewGuid());
            sequence = (long)(await insert.ExecuteScalarAsync())!;
        }

        var waited = Stopwatch.StartNew();
        var text = "";
        var status = 0;
        await Poll.UntilAsync(
            async () =>
            {
                using var ready = await probe.GetAsync("/health/ready");
                status = (int)ready.StatusCode;
                text = await ready.Content.ReadAsStringAsync();
                return status != 200;
            },
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(100));

        output.WriteLine($"/health/ready answered {status} after {waited.Elapsed.TotalSeconds:0.0} s: {text}");
        Assert.Equal(503, status);

        // The detail names the projection and the event (the health response's body is its status; the log and
        // the check's description carry the words; the figures say they are stale).
        using var pv = drill.Client("drill-pv", Roles.Pv);
        var clocks = await pv.GetAsync("/api/safety/sae-clocks?status=all");
        Assert.Equal("false", clocks.Headers.GetValues("X-As-Of-Complete").Single());
        var check = drill.App.Services.GetRequiredService<Registry.Cohorts.ProjectionStatus>().Failure(Registry.Cohorts.ProjectionProgress.PatientFacts);
        Assert.NotNull(check);
        Assert.Contains("PatientFacts", check);
        Assert.Contains($"event {sequence}", check);
    }

    /// <summary>Polls a condition every 50 ms; fails the drill when it does not hold within 60 s.</summary>
    /// <summary>How long a drill client waits before sending an unacknowledged visit again.</summary>
    private static readonly TimeSpan ClientRetryBackoff = TimeSpan.FromMilliseconds(200);

    private static async Task WaitUntilAsync(Func<bool> condition, string what) =>
        Assert.True(await Poll.UntilAsync(condition, TimeSpan.FromSeconds(60)), $"Not reached within 60 s: {what}.");

    private static async Task<int> SafeGetAsync(HttpClient client, string url)
    {
        try
        {
            using var response = await client.GetAsync(url);
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }
}
