using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;
using Registry.Access;
using Registry.Cohorts;
using Registry.Hosting;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Testing;

// Benchmarks of the registry against raw PostgreSQL doing the same writes, on the same machine in
// the same run. Usage: ops/bench.sh [--visits N] [--out docs/benchmarks.md]
var visitsPerLevel = Arg("--visits", 600);
var importEvents = Arg("--events", 1_000_000);
var output = ArgText("--out", "docs/benchmarks.md");
// --keep NAME: stop after the import and the rebuilds, keeping the database under that name (on a server named by
// ConnectionStrings__Registry), to study.
var keep = ArgText("--keep", "");

// The safety profile's and the signals' aggregates over every disease at today's cut-off, and a worklist page.
const string RawProfileSql = """
    select disease_code, count(*), sum(greatest(0, least(until_on, current_date) - from_on + 1)), count(*) filter (where died)
    from bench_exposure_rows group by disease_code;
    select disease_code, grouping(soc_key, term_key, term, onset_day), soc_key, term_key, term, onset_day,
           count(distinct patient_id), count(*), count(*) filter (where serious), max(pt_code)
    from bench_teae_rows where onset_on <= least(until_on, current_date)
    group by grouping sets ((disease_code), (disease_code, soc_key), (disease_code, soc_key, term_key),
                            (disease_code, soc_key, term_key, term), (disease_code, onset_day));
    select disease_code, soc_key, term_key, worst, count(*) from (
        select disease_code, soc_key, term_key, patient_id, max(worst_grade) as worst
        from bench_teae_rows where onset_on <= least(until_on, current_date) group by 1, 2, 3, 4) w
    group by 1, 2, 3, 4;
    """;
const string RawSignalsSql = """
    select disease_code, count(*) from bench_exposure_rows group by disease_code;
    select disease_code, term_key, grouping(term), term, count(distinct patient_id), count(*), max(pt_code)
    from bench_teae_rows where onset_on <= least(until_on, current_date)
    group by grouping sets ((disease_code, term_key), (disease_code, term_key, term));
    """;
const string RawWorklistSql = """
    select data::text from bench_worklist
    where site_id = (select site_id from bench_worklist group by 1 order by count(*) desc, 1 limit 1)
    order by due, subject_code, id limit 101;
    """;

const int EventsPerVisit = 3;

// --profile NAME: only the rebuild's profile (RebuildProfile), over a database kept by --keep, then stop.
var profileDatabase = ArgText("--profile", "");
if (profileDatabase.Length > 0)
{
    var server = Environment.GetEnvironmentVariable(TestDatabase.EnvironmentVariable)
        ?? throw new InvalidOperationException("--profile reads a kept database: set ConnectionStrings__Registry to its server.");
    var profiled = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Registry.Api" });
    profiled.Configuration["ConnectionStrings:Registry"] = new NpgsqlConnectionStringBuilder(server) { Database = profileDatabase }.ConnectionString;
    profiled.Configuration["Auth:SigningKey"] = TestSecrets.SigningKey;
    profiled.Configuration["Exports:PseudonymSecret"] = TestSecrets.PseudonymSecret;
    profiled.Logging.ClearProviders();
    profiled.AddRegistry(typeof(Registry.Api.Commands.MigrateCommand).Assembly);
    await using var profileHost = profiled.Build();
    var phases = await Registry.Benchmarks.RebuildProfile.RunAsync(profileHost.Services.GetRequiredService<IDocumentStore>(),
        profileHost.Services.GetRequiredService<Response>(), profileHost.Services.GetRequiredService<Registry.Catalogue.DiseaseCatalogue>());
    foreach (var phase in phases)
    {
        Console.WriteLine($"| {phase.What} | {phase.Seconds:F1} s | {phase.Count / phase.Seconds:F0} /s |");
    }

    return 0;
}

await using var database = await TestDatabase.AcquireAsync(Environment.GetEnvironmentVariable);
await SchemaMigrations.ApplyAsync(database.ConnectionString);
Console.WriteLine($"Database: {database.Source}, {database.DatabaseName}");

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Registry.Api" });
builder.Configuration["ConnectionStrings:Registry"] = database.ConnectionString;
builder.Configuration["Auth:SigningKey"] = TestSecrets.SigningKey;
builder.Configuration["Exports:PseudonymSecret"] = TestSecrets.PseudonymSecret;
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
// The host's assembly holds Wolverine's pre-generated handlers, which Production loads.
builder.AddRegistry(typeof(Registry.Api.Commands.MigrateCommand).Assembly);
await using var app = builder.Build();
app.UseRegistry();
await app.StartAsync();
var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
var tokens = app.Services.GetRequiredService<TokenIssuer>();
using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue("admin-bench", Roles.Admin, []));
(await http.PostAsJsonAsync("/api/sites", new { siteId = "BE01", name = "Bench", country = "BE", timeZone = "UTC" })).EnsureSuccessStatusCode();
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue("nurse-bench", Roles.Site, ["BE01"]));

var patients = new List<Guid>();
for (var i = 0; i < 64; i++)
{
    var response = await http.PostAsJsonAsync("/api/patients", new
    {
        subjectCode = $"BE01-{i:0000}",
        siteId = "BE01",
        diseaseCode = "sle",
        birthYear = 1980,
        sex = "female",
        enrolledOn = "2025-12-01",
        consentVersion = "v1",
        therapyLine = "standalone",
        setting = "routine",
    });
    response.EnsureSuccessStatusCode();
    patients.Add((await response.Content.ReadFromJsonAsync<JsonObject>())!["patientId"]!.GetValue<Guid>());
}

await using (var setup = new NpgsqlConnection(database.ConnectionString))
{
    await setup.OpenAsync();
    await using var create = new NpgsqlCommand("""
        create table if not exists bench_streams (id uuid primary key, version bigint not null);
        create table if not exists bench_events (seq bigserial primary key, stream_id uuid not null, version bigint not null,
            type text not null, data jsonb not null, recorded_at timestamptz not null default now(), unique (stream_id, version));
        """, setup);
    await create.ExecuteNonQueryAsync();
    foreach (var p in patients)
    {
        await using var insert = new NpgsqlCommand("insert into bench_streams values (@id, 1)", setup);
        insert.Parameters.AddWithValue("id", p);
        await insert.ExecuteNonQueryAsync();
    }
}

var rows = new List<string[]>();
foreach (var clients in new[] { 1, 8, 32 })
{
    var registry = await RunAsync(clients, visitsPerLevel, async (patient, day, n) =>
    {
        var response = await http.PostAsync($"/api/patients/{patient}/visits", Json(Visit(day, n)));
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"Visit answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    });
    var raw = await RunAsync(clients, visitsPerLevel, (patient, day, n) => RawVisitAsync(database.ConnectionString, patient, Visit(day, n)));
    rows.Add(Row($"{clients}", registry, raw));
    Console.WriteLine(string.Join(" | ", rows[^1]));
}

// 2. Bulk import of the synthetic registry, beside raw binary COPY of the same payloads.
var catalogue = app.Services.GetRequiredService<Registry.Catalogue.DiseaseCatalogue>();
var store = app.Services.GetRequiredService<IDocumentStore>();
var import = new Registry.Demo.BulkImport(store, catalogue, TimeProvider.System);
var generator = new Registry.Demo.BasketGenerator(catalogue, 99, DateOnly.FromDateTime(DateTime.UtcNow));
var decided = new List<(Guid Id, List<object> Events)>();
var decidedEvents = 0;
foreach (var patient in generator.Patients(int.MaxValue, 20))
{
    var d = import.Decide(patient, DateOnly.FromDateTime(DateTime.UtcNow));
    decided.Add(d);
    decidedEvents += d.Events.Count;
    if (decidedEvents >= importEvents)
    {
        break;
    }
}

var decidedPatients = decided.Count;
Console.WriteLine($"Generated {decidedPatients} patients, {decidedEvents} events");
var importClock = Stopwatch.StartNew();
foreach (var batch in decided.Chunk(500))
{
    var actions = batch.Select(d =>
    {
        var action = JasperFx.Events.StreamAction.Start(((DocumentStore)store).Events, d.Id, d.Events.ToArray());
        foreach (var e in action.Events)
        {
            e.UserName = "import";
        }

        return action;
    }).ToList();
    await store.BulkInsertEventsAsync(actions, 5000);
}

importClock.Stop();
var payloads = decided.SelectMany(d => d.Events.Select((e, i) => (d.Id, Version: i + 1, Type: e.GetType().Name, Json: System.Text.Json.JsonSerializer.Serialize(e, e.GetType(), RegistryJson.Options)))).ToList();
var copyClock = Stopwatch.StartNew();
await using (var connection = new NpgsqlConnection(database.ConnectionString))
{
    await connection.OpenAsync();
    await using (var create = new NpgsqlCommand("create table bench_copy (seq bigserial primary key, stream_id uuid not null, version int not null, type text not null, data jsonb not null, recorded_at timestamptz not null default now())", connection))
    {
        await create.ExecuteNonQueryAsync();
    }

    await using var writer = await connection.BeginBinaryImportAsync("copy bench_copy (stream_id, version, type, data) from stdin (format binary)");
    foreach (var row in payloads)
    {
        await writer.StartRowAsync();
        await writer.WriteAsync(row.Id, NpgsqlTypes.NpgsqlDbType.Uuid);
        await writer.WriteAsync(row.Version, NpgsqlTypes.NpgsqlDbType.Integer);
        await writer.WriteAsync(row.Type, NpgsqlTypes.NpgsqlDbType.Text);
        await writer.WriteAsync(row.Json, NpgsqlTypes.NpgsqlDbType.Jsonb);
    }

    await writer.CompleteAsync();
}

copyClock.Stop();
var importRate = decidedEvents / importClock.Elapsed.TotalSeconds;
var copyRate = payloads.Count / copyClock.Elapsed.TotalSeconds;
Console.WriteLine($"Bulk import {importRate:F0} events/s, raw COPY {copyRate:F0} events/s");

// 3. Full rebuild of the projections over that log.
var totalEvents = await CountEventsAsync(database.ConnectionString);
var coordinator = app.Services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>();
var rebuildFacts = Stopwatch.StartNew();
await coordinator.RebuildAndResumeAsync<Registry.Patients.PatientFactsProjection>("PatientFacts:All", TimeSpan.FromMinutes(30), CancellationToken.None);
rebuildFacts.Stop();
var rebuildTimeline = Stopwatch.StartNew();
await coordinator.DaemonForMainDatabase().RebuildProjectionAsync<Registry.Patients.PatientRecordProjection>(TimeSpan.FromMinutes(30), CancellationToken.None);
rebuildTimeline.Stop();
Console.WriteLine($"Rebuilt PatientFacts in {rebuildFacts.Elapsed.TotalSeconds:F1} s, PatientRecord in {rebuildTimeline.Elapsed.TotalSeconds:F1} s over {totalEvents} events");
if (keep.Length > 0)
{
    // Kept to study (the registry at 1M events, projected): nothing further is measured.
    await app.StopAsync();
    NpgsqlConnection.ClearAllPools();
    // The host's connections end a moment after it stops: the rename waits until none is left (at most 10 s).
    var renamed = await Poll.UntilAsync(async () =>
    {
        try
        {
            await ExecuteAsync(database.ConnectionStringFor("postgres"), $"""
                select pg_terminate_backend(pid) from pg_stat_activity where datname = '{database.DatabaseName}';
                """);
            await ExecuteAsync(database.ConnectionStringFor("postgres"), $"alter database \"{database.DatabaseName}\" rename to \"{keep}\"");
            return true;
        }
        catch (PostgresException e) when (e.SqlState == "55006")
        {
            return false;
        }
    }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
    if (!renamed)
    {
        throw new InvalidOperationException($"The database {database.DatabaseName} still had connections after 10 s: not kept.");
    }

    Console.WriteLine($"Kept as {keep}");
    return 0;
}


// Where the facts rebuild's time goes: the same rebuild with the figure-row triggers off (the difference is
// theirs), and reading the log alone (every event's row, and its JSON parsed). The rows are then rebuilt.
await ExecuteAsync(database.ConnectionString, "alter table registry.mt_doc_patientfacts disable trigger figure_rows_sync");
var rebuildNoTriggers = Stopwatch.StartNew();
await coordinator.RebuildAndResumeAsync<Registry.Patients.PatientFactsProjection>("PatientFacts:All", TimeSpan.FromMinutes(30), CancellationToken.None);
rebuildNoTriggers.Stop();
await ExecuteAsync(database.ConnectionString, "alter table registry.mt_doc_patientfacts enable trigger figure_rows_sync");
await coordinator.RebuildAndResumeAsync<Registry.Patients.PatientFactsProjection>("PatientFacts:All", TimeSpan.FromMinutes(30), CancellationToken.None);
var readLog = Stopwatch.StartNew();
long readEvents = 0;
await using (var reader = new NpgsqlConnection(database.ConnectionString))
{
    await reader.OpenAsync();
    await using var all = new NpgsqlCommand("select data from registry.mt_events order by seq_id", reader);
    await using var log = await all.ExecuteReaderAsync();
    while (await log.ReadAsync())
    {
        using var parsed = JsonDocument.Parse(log.GetString(0));
        readEvents++;
    }
}

readLog.Stop();
Console.WriteLine($"PatientFacts without triggers {rebuildNoTriggers.Elapsed.TotalSeconds:F1} s; reading and parsing the log {readLog.Elapsed.TotalSeconds:F1} s");
var rebuildPhases = await Registry.Benchmarks.RebuildProfile.RunAsync(
    store, app.Services.GetRequiredService<Response>(), app.Services.GetRequiredService<Registry.Catalogue.DiseaseCatalogue>());

// 4. Figures at that size.
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue("monitor-bench", Roles.Monitor, []));
// Cold: a new event has just reached the facts before each request (nothing cached can answer it).
// Warm: the same request again while nothing changed (the figures cache answers).
using var figuresWriter = new HttpClient { BaseAddress = new Uri(baseUrl) };
figuresWriter.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue("nurse-bench", Roles.Site, ["BE01"]));
// The first requests after the rebuild: every cohort's part computed (afterwards only a changed cohort's is).
var firstCohorts = await LatencyAsync("/api/cohorts", 1);
var firstProfile = await LatencyAsync("/api/safety/profile", 1);
var firstSignals = await LatencyAsync("/api/safety/signals", 1);
var cohortsLatency = await ColdLatencyAsync("/api/cohorts", 10);
var cohortLatency = await ColdLatencyAsync("/api/cohorts/sle", 10);
var profileLatency = await ColdLatencyAsync("/api/safety/profile", 10);
var signalsLatency = await ColdLatencyAsync("/api/safety/signals", 10);
// The baselines: the same aggregates written by hand in SQL over plain tables holding the same rows.
var rawCohorts = await RawLatencyAsync(database.ConnectionString, RawCohortsSql(null), 10);
var rawCohort = await RawLatencyAsync(database.ConnectionString, RawCohortsSql("sle"), 10);
var rawProfile = await RawLatencyAsync(database.ConnectionString, RawProfileSql, 10);
var rawSignals = await RawLatencyAsync(database.ConnectionString, RawSignalsSql, 10);
// The worklist of the largest site, a page of 100 patients (the first page carries the site's SAEs), and a later page.
var largestSite = await ScalarAsync(database.ConnectionString,
    "select data ->> 'siteId' from registry.mt_doc_patientrecord group by 1 order by count(*) desc, 1 limit 1");
// The bench's import appends events only: the site itself is registered here, as an admin would.
using (var siteAdmin = new HttpClient { BaseAddress = new Uri(baseUrl) })
{
    siteAdmin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue("admin-bench", Roles.Admin, []));
    var registered = await siteAdmin.PostAsJsonAsync("/api/sites", new { siteId = largestSite, name = "Bench site", country = "FR", timeZone = "UTC" });
    if (registered.StatusCode != System.Net.HttpStatusCode.Conflict)
    {
        registered.EnsureSuccessStatusCode();
    }
}

using var siteNurse = new HttpClient { BaseAddress = new Uri(baseUrl) };
siteNurse.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue("nurse-bench-site", Roles.Site, [largestSite]));
var worklistLatency = await LatencyWithAsync(siteNurse, $"/api/worklist?siteId={largestSite}", 10);
var firstPage = await siteNurse.GetAsync($"/api/worklist?siteId={largestSite}");
var firstPatients = (await firstPage.Content.ReadFromJsonAsync<JsonObject>())!["patients"]!.AsArray().Count;
var secondPage = firstPage.Headers.TryGetValues("X-Next-Page", out var cursors) ? cursors.Single() : null;
Console.WriteLine($"Worklist of {largestSite}: {firstPatients} patients on the first page; a next page: {secondPage is not null}");
var worklistNext = secondPage is null
    ? new Result(0, double.NaN, double.NaN, double.NaN)
    : await LatencyWithAsync(siteNurse, $"/api/worklist?siteId={largestSite}&after={Uri.EscapeDataString(secondPage)}", 10);
var sitePatients = await ScalarAsync(database.ConnectionString,
    $"select count(*)::text from registry.mt_doc_patientrecord where data ->> 'siteId' = '{largestSite}'");
var rawWorklist = await RawLatencyAsync(database.ConnectionString, RawWorklistSql, 10);
var clocksLatency = await LatencyAsync("/api/safety/sae-clocks?status=all", 10);
// 200 live dashboards on this node while visits are written (5 a second, for 20 s): the process's CPU then,
// beside the same 20 s of writes with no dashboard open; and whether every dashboard was told of the changes.
var (cpuQuiet, _) = await LiveDashboardsAsync(0);
var (cpuLive, told) = await LiveDashboardsAsync(200);
// Each of the cold requests above moved the facts, so one request first fills the cache for the warm ones.
(await http.GetAsync("/api/cohorts")).EnsureSuccessStatusCode();
var cohortsWarm = await LatencyAsync("/api/cohorts", 10);
(await http.GetAsync("/api/safety/profile")).EnsureSuccessStatusCode();
var profileWarm = await LatencyAsync("/api/safety/profile", 10);

// 5. Time from an SAE's 201 to its appearance in the SAE clocks (the async daemon's lag), at this size.
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue("nurse-bench", Roles.Site, ["BE01"]));
var lags = new List<double>();
for (var i = 0; i < 20; i++)
{
    var aeId = Guid.NewGuid();
    var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    var sae = new JsonObject
    {
        ["visitId"] = Guid.NewGuid(),
        ["visitDate"] = today,
        ["adverseEvents"] = new JsonArray(new JsonObject
        {
            ["adverseEventId"] = aeId,
            ["onsetOn"] = today,
            ["awareOn"] = today,
            ["term"] = "pneumonia",
            ["meddraPtCode"] = "10035664",
            ["meddraSocCode"] = "10021881",
            ["grade"] = 3,
            ["seriousCriteria"] = new JsonArray("hospitalisation"),
            ["causality"] = "possible",
            ["expected"] = false,
            ["outcome"] = "not-recovered",
            ["actionTaken"] = "interrupted",
        }),
    };
    (await http.PostAsync($"/api/patients/{patients[i % patients.Count]}/visits", Json(sae))).EnsureSuccessStatusCode();
    var created = Stopwatch.GetTimestamp();
    await using var session = store.QuerySession();
    while (true)
    {
        var facts = await session.LoadAsync<Registry.Patients.PatientFacts>(patients[i % patients.Count]);
        if (facts?.AeHistory.ContainsKey(aeId) == true)
        {
            break;
        }

        if (Stopwatch.GetElapsedTime(created) > TimeSpan.FromMinutes(2))
        {
            throw new TimeoutException("The SAE did not reach the clocks in two minutes.");
        }

        await Task.Yield();
    }

    lags.Add(Stopwatch.GetElapsedTime(created).TotalMilliseconds);
}

lags.Sort();
var lagMedian = Percentile(lags.ToArray(), 0.5);
var lagP95 = Percentile(lags.ToArray(), 0.95);

// 6. Export of the whole cohort (every patient), CSV, as the background handler builds it: time and the process's peak memory.
var exportOptions = new Registry.Exports.ExportOptions { Directory = Path.Combine(Path.GetTempPath(), $"bench-export-{Guid.NewGuid():N}"), PseudonymSecret = TestSecrets.PseudonymSecret };
var exportDefinition = new Registry.Exports.ExportDefinition(new Registry.Exports.CohortDefinition([], [], null, null, null),
    await Registry.Cohorts.ProjectionProgress.HighWaterMarkAsync(store.QuerySession(), CancellationToken.None), null, "csv", "study-day", "bench", false);
var exportBuilder = new Registry.Exports.ExportBuilder(store, exportOptions.Secret());
decided.Clear();
decided.TrimExcess();
payloads.Clear();
payloads.TrimExcess();
GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
var memoryBefore = Environment.WorkingSet;
var memoryPeak = memoryBefore;
using var sampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
    try
    {
        while (await every.WaitForNextTickAsync(sampling.Token))
        {
            memoryPeak = Math.Max(memoryPeak, Environment.WorkingSet);
        }
    }
    catch (OperationCanceledException)
    {
        // The export is done.
    }
});
var exportClock = Stopwatch.StartNew();
var exportFiles = await Registry.Exports.ExportWriters.WriteAsync(exportOptions.Directory, "csv", Registry.Exports.ExportTables.All(false, false),
    exportBuilder.RowsAsync(exportDefinition, CancellationToken.None), null, CancellationToken.None);
exportClock.Stop();
await sampling.CancelAsync();
await sampler;
var exportPatients = exportFiles.Single(f => f.Name == "dm.csv").Rows;
var exportRows = exportFiles.Where(f => f.Name != "dictionary.csv").Sum(f => f.Rows);
Directory.Delete(exportOptions.Directory, recursive: true);

var machine = $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB, {Cpu()}, {await PgVersionAsync(database.ConnectionString)}, .NET {Environment.Version}";
var table = new StringBuilder();
table.AppendLine("| clients | registry visits/s | registry events/s | median ms | p95 ms | p99 ms | raw Npgsql visits/s | raw median ms | raw p99 ms | registry / raw |");
table.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var row in rows)
{
    table.AppendLine("| " + string.Join(" | ", row) + " |");
}

var report = $"""
    ## Visit ingest over HTTP

    Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on: {machine}. Database: {database.Source}.

    Each visit is one `POST /api/patients/<id>/visits` with a dose, a Treg result and a score
    ({EventsPerVisit} events), through the real host (Kestrel on loopback, JWT, validation, stream lock,
    idempotency record, inline timeline projection), {visitsPerLevel} visits per level spread over
    {patients.Count} patients. The baseline is raw Npgsql writing the same three JSON rows and bumping a
    stream version in one transaction per visit, at the same concurrency.

    {table}

    ## Bulk import, rebuild and figures at size

    The synthetic basket registry ({decidedPatients} patients at 20 sites, {decidedEvents} events, every step
    decided by the API's rules first) appended with the store's COPY-based bulk append, beside raw binary
    COPY of the same JSON payloads into a plain table. Then a full rebuild of each projection over the
    whole log ({totalEvents} events, including the visits above), and the figures' latency at that size
    (10 requests each, one client).

    | what | result | raw PostgreSQL | ratio |
    |---|---:|---:|---:|
    | bulk import, events/s | {importRate:F0} | {copyRate:F0} (binary COPY) | {importRate / copyRate:F2} |
    | rebuild of PatientFacts (cohort and safety facts), events/s | {totalEvents / rebuildFacts.Elapsed.TotalSeconds:F0} | {copyRate:F0} (binary COPY of the events) | {totalEvents / rebuildFacts.Elapsed.TotalSeconds / copyRate:F2} |
    | rebuild of PatientRecord (timelines), events/s | {totalEvents / rebuildTimeline.Elapsed.TotalSeconds:F0} | {copyRate:F0} | {totalEvents / rebuildTimeline.Elapsed.TotalSeconds / copyRate:F2} |
    | the facts rebuild with the figure-row triggers off, events/s | {totalEvents / rebuildNoTriggers.Elapsed.TotalSeconds:F0} | | |
    | reading the whole log and parsing each event's JSON (no projection), events/s | | {readEvents / readLog.Elapsed.TotalSeconds:F0} | |
    {string.Join("\n", rebuildPhases.Select(p => $"| where a facts rebuild's .NET time goes: {p.What}, per second | {p.Count / p.Seconds:F0} ({p.Seconds:F1} s) | | |"))}
    | the first `GET /api/cohorts`, `/api/safety/profile`, `/api/safety/signals` after the rebuild (every cohort's part computed), ms | {firstCohorts.Median:F0}, {firstProfile.Median:F0}, {firstSignals.Median:F0} | | |
    | `GET /api/cohorts` right after a new event reached the facts (cold), median / p95 ms | {cohortsLatency.Median:F1} / {cohortsLatency.P95:F1} | {rawCohorts.Median:F1} / {rawCohorts.P95:F1} (every cohort) | {cohortsLatency.P95 / rawCohorts.P95:F2} |
    | `GET /api/cohorts/sle` (the largest cohort, every target day) cold, median / p95 ms | {cohortLatency.Median:F1} / {cohortLatency.P95:F1} | {rawCohort.Median:F1} / {rawCohort.P95:F1} | {cohortLatency.P95 / rawCohort.P95:F2} |
    | `GET /api/safety/profile` cold, median / p95 ms | {profileLatency.Median:F1} / {profileLatency.P95:F1} | {rawProfile.Median:F1} / {rawProfile.P95:F1} (every disease) | {profileLatency.P95 / rawProfile.P95:F2} |
    | `GET /api/safety/signals` cold, median / p95 ms | {signalsLatency.Median:F1} / {signalsLatency.P95:F1} | {rawSignals.Median:F1} / {rawSignals.P95:F1} (every disease) | {signalsLatency.P95 / rawSignals.P95:F2} |
    | `GET /api/worklist` of the largest site ({sitePatients} patients; the first page of {firstPatients} and the site's SAEs), median / p95 ms | {worklistLatency.Median:F1} / {worklistLatency.P95:F1} | {rawWorklist.Median:F1} / {rawWorklist.P95:F1} (the page from a plain table) | {worklistLatency.P95 / rawWorklist.P95:F2} |
    | the worklist's second page, median / p95 ms | {worklistNext.Median:F1} / {worklistNext.P95:F1} | | |
    | `GET /api/safety/sae-clocks?status=all` (never cached), median / p95 ms | {clocksLatency.Median:F1} / {clocksLatency.P95:F1} | | |
    | 200 live dashboards (SSE) while 5 visits/s are written for 20 s: the process's CPU, s (none open: {cpuQuiet:F1}) | {cpuLive:F1} | | |
    | of those 200 dashboards, how many were told of the changes (a `progress` event) | {told} | | |
    | `GET /api/cohorts` again with nothing new (figures cache), median / p95 ms | {cohortsWarm.Median:F1} / {cohortsWarm.P95:F1} | | |
    | `GET /api/safety/profile` again with nothing new, median / p95 ms | {profileWarm.Median:F1} / {profileWarm.P95:F1} | | |
    | SAE 201 → in the clocks (daemon lag), median / p95 ms (20 SAEs) | {lagMedian:F0} / {lagP95:F0} | | |
    | export of the whole registry ({exportPatients} patients, {exportRows} rows, CSV), s | {exportClock.Elapsed.TotalSeconds:F1} | | |
    | working set during the export, peak MiB (before it: {memoryBefore / 1048576}) | {memoryPeak / 1048576} | | |
    """;
Console.WriteLine(report);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, "# Benchmarks\n\nProduced by `ops/bench.sh`; each run replaces this file.\n\n" + report);
Console.WriteLine($"Written to {output}");
await app.StopAsync();
return 0;

JsonObject Visit(int day, int n) => new()
{
    ["visitId"] = Guid.NewGuid(),
    ["visitDate"] = $"2026-{1 + day / 28 % 10:00}-{1 + day % 28:00}",
    ["doses"] = new JsonArray(new JsonObject
    {
        ["givenOn"] = $"2026-{1 + day / 28 % 10:00}-{1 + day % 28:00}",
        ["doseIu"] = 1_000_000 + n,
        ["product"] = "aldesleukin",
        ["lot"] = "B1",
        ["phase"] = "maintenance",
    }),
    ["tregs"] = new JsonArray(new JsonObject
    {
        ["sampledOn"] = $"2026-{1 + day / 28 % 10:00}-{1 + day % 28:00}",
        ["tregPercentOfCd4"] = 6.5,
        ["gating"] = "cd4-cd25-foxp3",
        ["tregPerUl"] = 40,
        ["cd4PerUl"] = 600,
    }),
    ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = $"2026-{1 + day / 28 % 10:00}-{1 + day % 28:00}", ["instrument"] = "sledai-2k", ["value"] = 4 }),
};

async Task<Result> ColdLatencyAsync(string url, int count)
{
    var times = new double[count];
    for (var i = 0; i < count; i++)
    {
        (await figuresWriter.PostAsync($"/api/patients/{patients[i % patients.Count]}/visits", Json(new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["instrument"] = "cgi-s", ["value"] = 4 }),
        }))).EnsureSuccessStatusCode();
        await Marten.Events.TestingExtensions.WaitForNonStaleProjectionDataAsync(store, TimeSpan.FromMinutes(2));
        var started = Stopwatch.GetTimestamp();
        (await http.GetAsync(url)).EnsureSuccessStatusCode();
        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(times);
    return new Result(0, Percentile(times, 0.5), Percentile(times, 0.95), Percentile(times, 0.99));
}

// The hand-written baselines read plain copies of the tables (no triggers, no registry code): made once.
static async Task<Result> RawLatencyAsync(string connectionString, string sql, int count)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using (var copy = new NpgsqlCommand("""
        create table if not exists bench_figure_rows as select * from registry.cohort_figure_rows;
        create index if not exists bench_figure_rows_disease on bench_figure_rows (disease_code, measure, target_day)
            include (value, responder, change);
        create table if not exists bench_teae_rows as select * from registry.teae_rows;
        create index if not exists bench_teae_rows_disease on bench_teae_rows (disease_code);
        create table if not exists bench_exposure_rows as select * from registry.exposure_rows;
        create table if not exists bench_worklist as
            select id, data ->> 'siteId' as site_id, coalesce(next_due_on, 'infinity'::date) as due, subject_code,
                   data - array['entries','history','adverseEvents','followUps','voidedFollowUps','aeHistory'] as data
            from registry.mt_doc_patientrecord;
        create index if not exists bench_worklist_page on bench_worklist (site_id, due, subject_code, id);
        """, connection))
    {
        await copy.ExecuteNonQueryAsync();
    }

    await using (var vacuum = new NpgsqlCommand("vacuum analyze bench_figure_rows, bench_teae_rows, bench_exposure_rows, bench_worklist", connection))
    {
        await vacuum.ExecuteNonQueryAsync();
    }

    var times = new double[count];
    for (var i = 0; i < count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await using var batch = new NpgsqlCommand(sql, connection);
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            do
            {
                while (await reader.ReadAsync())
                {
                }
            }
            while (await reader.NextResultAsync());
        }

        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(times);
    return new Result(0, Percentile(times, 0.5), Percentile(times, 0.95), Percentile(times, 0.99));
}

static string RawCohortsSql(string? disease) => $"""
    select disease_code, measure, target_day, count(*), count(value), count(responder), count(*) filter (where responder),
           avg(change) filter (where measure like 'clinical:%'),
           percentile_cont(array[0.25, 0.5, 0.75]) within group (order by value) filter (where measure not like 'clinical:%')
    from bench_figure_rows
    where {(disease is null ? "(measure = 'patient' or measure like 'clinical:%' or (measure = 'treg' and target_day = 8))" : $"disease_code = '{disease}'")}
    group by disease_code, measure, target_day
    """;

Task<Result> LatencyAsync(string url, int count) => LatencyWithAsync(http, url, count);

static async Task<Result> LatencyWithAsync(HttpClient client, string url, int count)
{
    var times = new double[count];
    for (var i = 0; i < count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        (await client.GetAsync(url)).EnsureSuccessStatusCode();
        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(times);
    return new Result(0, Percentile(times, 0.5), Percentile(times, 0.95), Percentile(times, 0.99));
}

async Task<(double CpuSeconds, int Told)> LiveDashboardsAsync(int dashboards)
{
    using var stop = new CancellationTokenSource();
    var told = 0;
    var connected = 0;
    var listeners = Enumerable.Range(0, dashboards).Select(_ => Task.Run(async () =>
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
        try
        {
            await using var stream = await client.GetStreamAsync("/api/safety/live", stop.Token);
            using var lines = new StreamReader(stream);
            Interlocked.Increment(ref connected);
            var counted = false;
            while (await lines.ReadLineAsync(stop.Token) is { } line)
            {
                if (!counted && line == "event: progress")
                {
                    counted = true;
                    Interlocked.Increment(ref told);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The measurement is over.
        }
    })).ToList();
    await Registry.Testing.Poll.UntilAsync(() => Volatile.Read(ref connected) == dashboards, TimeSpan.FromSeconds(60));
    var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    for (var i = 0; i < 100; i++)
    {
        var written = Stopwatch.GetTimestamp();
        (await figuresWriter.PostAsync($"/api/patients/{patients[i % patients.Count]}/visits", Json(new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["scores"] = new JsonArray(new JsonObject
            {
                ["assessedOn"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["instrument"] = "cgi-s",
                ["value"] = 3,
            }),
        }))).EnsureSuccessStatusCode();
        var rest = TimeSpan.FromMilliseconds(200) - Stopwatch.GetElapsedTime(written);
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest);
        }
    }

    var used = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    await Registry.Testing.Poll.UntilAsync(() => Volatile.Read(ref told) == dashboards, TimeSpan.FromSeconds(10));
    await stop.CancelAsync();
    await Task.WhenAll(listeners);
    return (used, told);
}

static async Task<string> ScalarAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    return (string)(await command.ExecuteScalarAsync())!;
}

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
    await command.ExecuteNonQueryAsync();
}

static async Task<long> CountEventsAsync(string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var count = new NpgsqlCommand("select count(*) from registry.mt_events", connection);
    return (long)(await count.ExecuteScalarAsync())!;
}

static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

async Task<Result> RunAsync(int clients, int total, Func<Guid, int, int, Task> send)
{
    var latencies = new double[total];
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
    {
        int n;
        while ((n = Interlocked.Increment(ref next)) < total)
        {
            var patient = patients[n % patients.Count];
            var started = Stopwatch.GetTimestamp();
            await send(patient, n / patients.Count, n);
            latencies[n] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    }));
    clock.Stop();
    Array.Sort(latencies);
    return new Result(total / clock.Elapsed.TotalSeconds, Percentile(latencies, 0.5), Percentile(latencies, 0.95), Percentile(latencies, 0.99));
}

static async Task RawVisitAsync(string connectionString, Guid patient, JsonObject visit)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var tx = await connection.BeginTransactionAsync();
    await using var bump = new NpgsqlCommand("update bench_streams set version = version + 3 where id = @id returning version", connection, tx);
    bump.Parameters.AddWithValue("id", patient);
    var version = (long)(await bump.ExecuteScalarAsync())!;
    var batch = new NpgsqlBatch(connection, tx);
    var i = 0;
    foreach (var list in new[] { "doses", "tregs", "scores" })
    {
        var command = new NpgsqlBatchCommand("insert into bench_events (stream_id, version, type, data) values (@s, @v, @t, @d::jsonb)");
        command.Parameters.AddWithValue("s", patient);
        command.Parameters.AddWithValue("v", version - 2 + i++);
        command.Parameters.AddWithValue("t", list);
        command.Parameters.AddWithValue("d", visit[list]![0]!.ToJsonString());
        batch.BatchCommands.Add(command);
    }

    await batch.ExecuteNonQueryAsync();
    await tx.CommitAsync();
}

static double Percentile(double[] sorted, double p)
{
    var rank = p * (sorted.Length - 1);
    var low = (int)Math.Floor(rank);
    var high = (int)Math.Ceiling(rank);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

static string[] Row(string clients, Result registry, Result raw) =>
[
    clients,
    F(registry.PerSecond), F(registry.PerSecond * EventsPerVisit), F(registry.Median, 1), F(registry.P95, 1), F(registry.P99, 1),
    F(raw.PerSecond), F(raw.Median, 1), F(raw.P99, 1), F(registry.PerSecond / raw.PerSecond, 2),
];

static string F(double value, int decimals = 0) => value.ToString($"F{decimals}", CultureInfo.InvariantCulture);

static string Cpu()
{
    try
    {
        return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
    }
    catch (IOException)
    {
        return "unknown CPU";
    }
}

static async Task<string> PgVersionAsync(string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    return "PostgreSQL " + connection.PostgreSqlVersion;
}

int Arg(string name, int fallback) => int.TryParse(ArgText(name, ""), out var v) ? v : fallback;

string ArgText(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

internal sealed record Result(double PerSecond, double Median, double P95, double P99);
