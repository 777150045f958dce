using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Hosting;
using Registry.Infrastructure;
using Registry.IntegrationTests.Infrastructure;
using Registry.Patients;
using Registry.Safety;
using Xunit.Abstractions;

namespace Registry.IntegrationTests.Reliability;

/// <summary>
/// Three nodes (the built host as processes, <c>Cluster:Mode=cluster</c>) on one database: writes go through all
/// of them; the node running the projections (Marten's HotCold daemon, found by its advisory lock) is killed
/// (SIGKILL) under load; another takes them over within 30 s; the projected facts then equal a fold of every
/// stream (nothing skipped, nothing applied twice); an export's files download from every node.
/// </summary>
public sealed class ClusterDrillTests(ITestOutputHelper output)
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task a_killed_projection_node_is_replaced_and_nothing_is_lost_or_applied_twice()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var database = await HostProcess.CreateDatabaseAsync(cluster);
        var nodes = new List<HostProcess>();
        await using var stopAll = new Stopper(nodes);
        for (var i = 0; i < 3; i++)
        {
            nodes.Add(StartNode(database, i));
        }

        foreach (var node in nodes)
        {
            Assert.True(await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)), "a node did not become ready");
        }

        using (var admin = nodes[0].Client("cluster-admin", Roles.Admin))
        {
            (await admin.PostAsJsonAsync("/api/sites", new { siteId = "CL01", name = "Cluster", country = "FR", timeZone = "UTC" }))
                .EnsureSuccessStatusCode();
        }

        // Patients enrolled through every node.
        var patients = new List<Guid>();
        for (var i = 0; i < 24; i++)
        {
            using var nurse = nodes[i % 3].Client("cluster-nurse", Roles.Site, "CL01");
            var enrolled = await nurse.PostAsJsonAsync("/api/patients", Enrolment(i));
            enrolled.EnsureSuccessStatusCode();
            patients.Add((await enrolled.Content.ReadFromJsonAsync<JsonObject>())!["patientId"]!.GetValue<Guid>());
        }

        var leader = await ProjectionNodeAsync(database, TimeSpan.FromSeconds(60));
        Assert.True(leader is not null, "No node holds the daemon's lock: " + await AdvisoryLocksAsync(database));
        output.WriteLine($"The projections run on node {leader}.");

        // Writes under load through the nodes still standing, while the projection node is killed.
        using var stop = new CancellationTokenSource();
        var acknowledged = 0;
        var sent = 0;
        var alive = nodes.Select((_, i) => i).Where(i => i != leader).ToArray();
        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            // Each write a patient's next day (one visit a day per patient), at most 55 days back.
            int k;
            while (!stop.IsCancellationRequested && (k = Interlocked.Increment(ref sent)) < patients.Count * 55)
            {
                using var nurse = nodes[alive[k % alive.Length]].Client("cluster-nurse", Roles.Site, "CL01");
                var response = await nurse.PostAsync(
                    $"/api/patients/{patients[k % patients.Count]}/visits", JsonContent.Create(Visit(k / patients.Count)));
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref acknowledged);
                }
                else if (response.StatusCode != HttpStatusCode.Conflict)
                {
                    Assert.Fail($"A write answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        })).ToList();

        // Writes are flowing (20 acknowledged) before the kill, and 20 more after the takeover.
        Assert.True(await Poll.UntilAsync(() => Volatile.Read(ref acknowledged) >= 20, TimeSpan.FromSeconds(60)), "no writes flowed");
        nodes[leader!.Value].Kill();
        var killedAt = Stopwatch.StartNew();
        var successor = await ProjectionNodeAsync(database, TimeSpan.FromSeconds(30), except: leader);
        output.WriteLine($"Node {successor} took the projections over {killedAt.Elapsed.TotalSeconds:0.0} s after the kill.");
        Assert.NotNull(successor);
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(30), $"the takeover took {killedAt.Elapsed.TotalSeconds:0.0} s");

        var atTakeover = Volatile.Read(ref acknowledged);
        Assert.True(await Poll.UntilAsync(() => Volatile.Read(ref acknowledged) >= atTakeover + 20, TimeSpan.FromSeconds(60)),
            "writes did not go on after the takeover");
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        output.WriteLine($"{acknowledged} visits acknowledged during the drill.");
        Assert.True(acknowledged > 20, $"only {acknowledged} visits were written");

        // The projections catch up, then equal a fold of every stream.
        var (store, host) = Observer(database);
        await using (host)
        {
            Assert.True(await Poll.UntilAsync(async () =>
            {
                await using var session = store.QuerySession();
                var progress = await ProjectionProgress.ForAsync(session, ProjectionProgress.PatientFacts, CancellationToken.None);
                // Every committed event (not the high-water mark, which the new leader may not have moved yet).
                return progress.Sequence >= await ProjectionProgress.CommittedAsync(session, CancellationToken.None);
            }, TimeSpan.FromSeconds(60)), "the projections did not catch up after the takeover");

            await using var query = store.QuerySession();
            var facts = (await query.Query<PatientFacts>().ToListAsync()).ToDictionary(f => f.Id);
            Assert.Equal(patients.Order(), facts.Keys.Order());
            var serializer = store.Options.Serializer();
            var projection = new PatientFactsProjection(
                rows => serializer.ToJson(rows),
                new PatientFigureRows(host.Services.GetRequiredService<Response>(), host.Services.GetRequiredService<DiseaseCatalogue>()),
                new SafetyRows());
            var visits = 0;
            foreach (var patient in patients)
            {
                var events = await query.Events.FetchStreamAsync(patient);
                PatientFacts? folded = null;
                foreach (var e in events.Where(e => e.Data is PatientEnrolled || EntryKinds.FactEventTypes.Contains(e.EventType)))
                {
                    folded = projection.Evolve(folded, patient, e);
                }

                folded = projection.ApplyMetadata(folded!, events[^1]);
                visits += events.Count(e => e.Data is DoseAdministered);
                Assert.Equal(serializer.ToJson(folded), serializer.ToJson(facts[patient]));
            }

            Assert.Equal(acknowledged, visits);
        }

        // An export requested on one node downloads the same bytes from every node standing, and from the killed
        // node started again.
        nodes[leader.Value] = StartNode(database, leader.Value);
        Assert.True(await nodes[leader.Value].WaitUntilReadyAsync(TimeSpan.FromSeconds(120)));
        using var researcher = nodes[alive[0]].Client("cluster-researcher", Roles.Researcher);
        var accepted = await researcher.PostAsJsonAsync("/api/exports", new { cohort = new { diseaseCodes = new[] { "sle" } }, format = "csv" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var exportId = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!["exportId"]!.GetValue<Guid>();
        Assert.True(await Poll.UntilAsync(
            async () => (await researcher.GetFromJsonAsync<JsonObject>($"/api/exports/{exportId}"))!["status"]!.GetValue<string>() == "done",
            TimeSpan.FromSeconds(120)));
        var downloads = new List<string>();
        foreach (var node in nodes)
        {
            using var client = node.Client("cluster-researcher", Roles.Researcher);
            downloads.Add(await client.GetStringAsync($"/api/exports/{exportId}/files/dm.csv"));
        }

        Assert.Equal(patients.Count + 1, downloads[0].TrimEnd('\n').Split('\n').Length);
        Assert.All(downloads, d => Assert.Equal(downloads[0], d));

        // Each node is scrapeable (from loopback): request latency by route, and the projection's lag on that node.
        using var scrape = new HttpClient { BaseAddress = new Uri(nodes[alive[0]].BaseUrl) };
        var metrics = await scrape.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds_bucket", metrics);
        Assert.Contains("http_route=\"/api/patients/{patientId}/visits\"", metrics);
    }

    private HostProcess StartNode(string database, int index) => HostProcess.Start(
        new NpgsqlConnectionStringBuilder(database) { ApplicationName = $"registry-node-{index}" }.ConnectionString,
        output,
        environment: new Dictionary<string, string> { ["Cluster__Mode"] = "cluster" });

    /// <summary>
    /// The node holding the daemon's advisory lock (HotCold's election; on the node's own connections, named after it,
    /// where Wolverine's locks use connections of their own), other than <paramref name="except"/>.
    /// </summary>
    private static async Task<int?> ProjectionNodeAsync(string database, TimeSpan bound, int? except = null)
    {
        int? found = null;
        await Poll.UntilAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
                where l.locktype = 'advisory' and l.granted and a.application_name like 'registry-node-%'
                """, connection);
            foreach (var name in await ReadNamesAsync(command))
            {
                var node = int.Parse(name["registry-node-".Length..], CultureInfo.InvariantCulture);
                if (node != except)
                {
                    found = node;
                }
            }

            return found is not null;
        }, bound, TimeSpan.FromMilliseconds(250));
        return found;
    }

    private static async Task<string> AdvisoryLocksAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select concat_ws(' ', a.application_name, l.classid, l.objid, l.objsubid, l.granted) " +
            "from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory'", connection);
        return string.Join("; ", await ReadNamesAsync(command));
    }

    private static async Task<List<string>> ReadNamesAsync(NpgsqlCommand command)
    {
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>The registry's store on the same database, built but not started (no daemon of its own).</summary>
    private static (IDocumentStore Store, WebApplication Host) Observer(string database)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Registry.Api" });
        builder.Configuration["ConnectionStrings:Registry"] = database;
        builder.Configuration["Auth:SigningKey"] = RegistryApp.SigningKey;
        builder.Configuration["Exports:PseudonymSecret"] = TestSecrets.PseudonymSecret;
        builder.Configuration["Cluster:Mode"] = "cluster";
        builder.Logging.ClearProviders();
        builder.AddRegistry(typeof(Registry.Api.Commands.MigrateCommand).Assembly);
        var host = builder.Build();
        return (host.Services.GetRequiredService<IDocumentStore>(), host);
    }

    private static JsonObject Enrolment(int i) => new()
    {
        ["subjectCode"] = $"CL01-{i:0000}",
        ["siteId"] = "CL01",
        ["diseaseCode"] = "sle",
        ["birthYear"] = 1980,
        ["sex"] = "female",
        ["enrolledOn"] = Today.AddDays(-60).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["consentVersion"] = "v1",
        ["therapyLine"] = "standalone",
        ["setting"] = "routine",
    };

    private static JsonObject Visit(int daysBack)
    {
        var n = daysBack;
        var day = Today.AddDays(-daysBack).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = day,
            ["doses"] = new JsonArray(new JsonObject
            {
                ["givenOn"] = day,
                ["doseIu"] = 1_000_000 + n,
                ["product"] = "aldesleukin",
                ["lot"] = "B1",
                ["phase"] = "induction",
            }),
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = day, ["tregPercentOfCd4"] = 6.5, ["gating"] = "cd4-cd25-foxp3" }),
            ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = day, ["instrument"] = "sledai-2k", ["value"] = 4 }),
        };
    }

    private sealed class Stopper(List<HostProcess> nodes) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
