using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Registry.Access;
using Registry.Hosting;
using Registry.Infrastructure;
using Registry.Testing;

// Load test of the registry: clients mixing reads and writes against the real host for a while, then
// a check that every acknowledged write is in the records exactly once and that every audited read
// left exactly one audit entry. Usage: ops/load.sh [--clients 32] [--seconds 60] [--out docs/reliability.md]
var clients = Arg("--clients", 32);
var seconds = Arg("--seconds", 60);
var output = ArgText("--out", "docs/reliability.md");
const int PatientCount = 40;
const int HotPatients = 3;
const int NoAnswer = 0;
const string SectionStart = "<!-- load-test:start -->";
const string SectionEnd = "<!-- load-test:end -->";

// One user per audited kind of read, so that the audit can be counted exactly per user.
const string MonitorUser = "lt-monitor";
const string ListUser = "lt-site-list";
const string WorklistUser = "lt-site-worklist";

await using var database = await TestDatabase.AcquireAsync(Environment.GetEnvironmentVariable);
await SchemaMigrations.ApplyAsync(database.ConnectionString);
Console.WriteLine($"Database: {database.Source}, {database.DatabaseName}");

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Registry.Api" });
builder.Configuration["ConnectionStrings:Registry"] = database.ConnectionString;
builder.Configuration["Auth:SigningKey"] = TestSecrets.SigningKey;
builder.Configuration["Exports:PseudonymSecret"] = TestSecrets.PseudonymSecret;
builder.Logging.ClearProviders();
// Loopback only, on a free port: the load never leaves the machine.
builder.WebHost.UseUrls("http://127.0.0.1:0");
// The host's assembly holds Wolverine's pre-generated handlers, which Production loads.
builder.AddRegistry(typeof(Registry.Api.Commands.MigrateCommand).Assembly);
await using var app = builder.Build();
app.UseRegistry();
await app.StartAsync();
var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"Host: {baseUrl}");

var tokens = app.Services.GetRequiredService<TokenIssuer>();
// Tokens outlive the run however long it is asked to be.
var lifetime = TimeSpan.FromSeconds(seconds) + TimeSpan.FromHours(1);
var admin = tokens.Issue("lt-admin", Roles.Admin, [], lifetime);
var monitor = tokens.Issue(MonitorUser, Roles.Monitor, [], lifetime);
var lister = tokens.Issue(ListUser, Roles.Site, ["LT01", "LT02"], lifetime);
var worklister = tokens.Issue(WorklistUser, Roles.Site, ["LT01"], lifetime);
var researcher = tokens.Issue("lt-researcher", Roles.Researcher, [], lifetime);
var pv = tokens.Issue("lt-pv", Roles.Pv, [], lifetime);
var nurses = new Dictionary<string, string>
{
    ["LT01"] = tokens.Issue("lt-nurse-lt01", Roles.Site, ["LT01"], lifetime),
    ["LT02"] = tokens.Issue("lt-nurse-lt02", Roles.Site, ["LT02"], lifetime),
};

using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
var samples = new ConcurrentQueue<Sample>();
var notes = new ConcurrentQueue<string>();
var phase = "setup";

// 1. Two sites, patients enrolled about 60 days ago. Dates are UTC's today: never after a site's today
// (Europe/Paris is ahead of UTC, never behind).
var today = DateOnly.FromDateTime(DateTime.UtcNow);
var todayText = Day(today);
foreach (var (siteId, country, timeZone) in new[] { ("LT01", "GB", "UTC"), ("LT02", "FR", "Europe/Paris") })
{
    var site = new JsonObject
    {
        ["siteId"] = siteId,
        ["name"] = $"Load test {siteId}",
        ["country"] = country,
        ["timeZone"] = timeZone,
    };
    Expect(await SendAsync("POST sites", HttpMethod.Post, "/api/sites", admin, site), 201, $"registering site {siteId}");
}

var patients = new List<Patient>();
for (var i = 0; i < PatientCount; i++)
{
    var siteId = i % 2 == 0 ? "LT01" : "LT02";
    var enrolment = new JsonObject
    {
        ["subjectCode"] = string.Create(CultureInfo.InvariantCulture, $"{siteId}-{i:0000}"),
        ["siteId"] = siteId,
        ["diseaseCode"] = i / 2 % 2 == 0 ? "sle" : "ra",
        ["birthYear"] = 1960 + i,
        ["sex"] = i % 3 == 0 ? "male" : "female",
        ["enrolledOn"] = Day(today.AddDays(-60)),
        ["consentVersion"] = "v1",
        ["therapyLine"] = "standalone",
        ["setting"] = "routine",
    };
    var enrolled = Expect(await SendAsync("POST patients", HttpMethod.Post, "/api/patients", nurses[siteId], enrolment), 201,
        string.Create(CultureInfo.InvariantCulture, $"enrolling patient {i}"));
    patients.Add(new Patient(JsonNode.Parse(enrolled.Body)!["patientId"]!.GetValue<Guid>(), siteId));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Set up 2 sites and {patients.Count} patients; {clients} clients for {seconds} s."));

// 2. The load. What this tool wrote and may refer to later: adverse events (for follow-ups) and cgi-s
// scores not yet corrected (each is corrected at most once, so a correction always changes something).
var gate = new Lock();
var openAdverseEvents = patients.ToDictionary(p => p.Id, _ => new List<Guid>());
var uncorrectedScores = patients.ToDictionary(p => p.Id, _ => new List<Guid>());
var acknowledged = new ConcurrentQueue<Write>();
var replaysChecked = 0;
var replaysMismatched = 0;
var unreadable = 0;

phase = "load";
var deadline = Stopwatch.GetTimestamp() + (long)seconds * Stopwatch.Frequency;
var loadClock = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
{
    while (Stopwatch.GetTimestamp() < deadline)
    {
        try
        {
            await OperationAsync();
        }
        catch (Exception e)
        {
            // A 2xx answer this tool could not read (no ids where the contract promises them): a finding, not a crash.
            Interlocked.Increment(ref unreadable);
            Note($"unreadable answer: {e.GetType().Name}: {e.Message}");
        }
    }
})));
loadClock.Stop();

// 3. Verification, once the projections have caught up.
phase = "verify";
var readyClock = Stopwatch.StartNew();
var ready = false;
while (!ready && readyClock.Elapsed < TimeSpan.FromSeconds(30))
{
    try
    {
        using var health = await http.GetAsync("/health/ready");
        ready = health.IsSuccessStatusCode;
    }
    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
    {
        // Not ready yet: ask again below.
    }

    if (!ready)
    {
        await Task.Delay(250);
    }
}

Console.WriteLine(ready
    ? string.Create(CultureInfo.InvariantCulture, $"Ready after {readyClock.Elapsed.TotalSeconds:F1} s; verifying.")
    : "Not ready after 30 s; verifying anyway.");

// Every entry of every patient, by (patient, entry id), and how many entries each visit left.
var found = new Dictionary<(Guid Patient, Guid Entry), List<JsonObject>>();
var entriesOfVisit = new Dictionary<Guid, int>();
var unreadPatients = 0;
foreach (var patient in patients)
{
    Reply? record = null;
    for (var attempt = 0; attempt < 3 && record is not { Status: 200 }; attempt++)
    {
        record = await SendAsync("GET patient (verify)", HttpMethod.Get, $"/api/patients/{patient.Id}", monitor);
    }

    if (record is not { Status: 200 })
    {
        unreadPatients++;
        Note($"patient {patient.Id} could not be read for the verification (answer {Status(record)})");
        continue;
    }

    foreach (var node in JsonNode.Parse(record.Body)!["entries"]!.AsArray())
    {
        var entry = node!.AsObject();
        var key = (patient.Id, entry["entryId"]!.GetValue<Guid>());
        if (!found.TryGetValue(key, out var same))
        {
            same = [];
            found[key] = same;
        }

        same.Add(entry);
        if (entry["visitId"] is JsonValue visit && visit.TryGetValue<Guid>(out var visitId))
        {
            entriesOfVisit[visitId] = entriesOfVisit.GetValueOrDefault(visitId) + 1;
        }
    }
}

var writes = acknowledged.ToList();
var lost = writes.Where(w => !Found(w)).ToList();
foreach (var write in lost.Take(10))
{
    Note($"lost: {write.Kind} for patient {write.PatientId}, entries {string.Join(", ", write.EntryIds)}");
}

var duplicatedEntries = found.Where(f => f.Value.Count > 1).ToList();
foreach (var ((patientId, entryId), same) in duplicatedEntries.Take(10))
{
    Note(string.Create(CultureInfo.InvariantCulture, $"duplicated: entry {entryId} of patient {patientId} is there {same.Count} times"));
}

// A visit applied twice would show more entries with its visit id than its answer named (new ids for the copies).
var duplicatedVisits = writes.Where(w => w.VisitId is { } v && entriesOfVisit.GetValueOrDefault(v) > w.EntryIds.Count).ToList();
foreach (var write in duplicatedVisits.Take(10))
{
    Note(string.Create(CultureInfo.InvariantCulture, $"duplicated: visit {write.VisitId} has {entriesOfVisit[write.VisitId!.Value]} entries, its answer named {write.EntryIds.Count}"));
}

var duplicated = duplicatedEntries.Count + duplicatedVisits.Count;
// Entries no 2xx answer named: writes whose answer never arrived (timeouts) but which committed. Expected, not an error.
var named = writes.SelectMany(w => w.EntryIds.Select(id => (w.PatientId, id))).ToHashSet();
var unnamed = found.Keys.Count(k => !named.Contains(k));

// The audit: one entry per audited read that answered 200, counted per user. A read that got no answer
// may or may not have committed its audit entry, so it widens what is accepted, never narrows it.
var auditedUsers = new (string User, string Action, string[] Endpoints)[]
{
    (MonitorUser, AuditActions.ReadPatient, new[] { "GET patient", "GET patient (verify)" }),
    (ListUser, AuditActions.ListPatients, new[] { "GET patients" }),
    (WorklistUser, AuditActions.ListPatients, new[] { "GET worklist" }),
};
var audits = new List<AuditCheck>();
foreach (var (user, action, endpoints) in auditedUsers)
{
    var reads = samples.Where(s => endpoints.Contains(s.Endpoint)).ToList();
    var answered = reads.Count(s => s.Status == 200);
    var unknown = reads.Count(s => s.Status == NoAnswer);
    var (entries, otherActions) = await AuditAsync(user, action);
    audits.Add(new AuditCheck(user, action, answered, unknown, entries, otherActions));
}

// 4. The report.
var all = samples.ToList();
var load = all.Where(s => s.Phase == "load").ToList();
var serverErrors = all.Count(s => s.Status >= 500);
var failed = all.Count(s => s.Status == NoAnswer);
var reasons = new List<string>();
if (serverErrors > 0)
{
    reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{serverErrors} answer(s) were 5xx"));
}

if (lost.Count > 0)
{
    reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{lost.Count} acknowledged write(s) are not in the records"));
}

if (duplicated > 0)
{
    reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{duplicatedEntries.Count} entry id(s) appear more than once and {duplicatedVisits.Count} visit(s) were applied more than once"));
}

foreach (var audit in audits.Where(a => !a.Matches))
{
    reasons.Add(audit.Entries is null
        ? $"the audit of {audit.UserId} could not be read"
        : string.Create(CultureInfo.InvariantCulture,
            $"the audit of {audit.UserId} has {audit.Entries} {audit.Action} entries (and {audit.OtherActions} others) for {audit.Answered} read(s) answered 200 ({audit.Unknown} without an answer)"));
}

if (replaysMismatched > 0)
{
    reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{replaysMismatched} idempotent replay(s) did not get the first answer"));
}

if (unreadable > 0)
{
    reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{unreadable} answer(s) could not be read"));
}

if (unreadPatients > 0)
{
    reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{unreadPatients} patient record(s) could not be read for the verification"));
}

var report = new StringBuilder();
report.AppendLine("## Load test");
report.AppendLine();
report.AppendLine("Produced by `ops/load.sh` (`tests/Registry.LoadTest`); each run replaces this section.");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture,
    $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, .NET {Environment.Version}, database: {database.Source}.");
report.AppendLine(CultureInfo.InvariantCulture,
    $"{clients} clients for {seconds} s against the real host (Production, Kestrel on loopback, JWT), {patients.Count} patients at 2 sites");
report.AppendLine(CultureInfo.InvariantCulture,
    $"(UTC and Europe/Paris); about a quarter of the writes go to the same {HotPatients} patients. Reads: a patient's record (monitor),");
report.AppendLine("the patient list and the worklist (site), cohorts (researcher), SAE clocks (pv). Writes (site): visits with a score,");
report.AppendLine("some with a dose or an adverse event; follow-ups of those adverse events; corrections of those scores. 2 % of visits");
report.AppendLine("are sent a second time, as a client that lost the answer would. Then every patient's record is read back and");
report.AppendLine("every audited read is looked for in the audit.");
report.AppendLine();
report.AppendLine("| measure | value |");
report.AppendLine("|---|---:|");
report.AppendLine(CultureInfo.InvariantCulture, $"| requests during the load | {load.Count} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| requests/s | {load.Count / loadClock.Elapsed.TotalSeconds:F0} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| 5xx answers | {serverErrors} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| failed (no answer: connection error or 30 s timeout) | {failed} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| writes acknowledged (2xx) | {writes.Count} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| writes found in the records | {writes.Count - lost.Count} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| lost (acknowledged, not found) | {lost.Count} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| duplicated (entries there twice, visits applied twice) | {duplicated} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| entries found that no 2xx answer named (writes without an answer) | {unnamed} |");
foreach (var audit in audits)
{
    report.AppendLine(CultureInfo.InvariantCulture,
        $"| audited reads answered 200 vs audit entries, `{audit.UserId}` ({audit.Action}) | {audit.Answered} vs {(audit.Entries is { } n ? n.ToString(CultureInfo.InvariantCulture) : "unread")} |");
}

report.AppendLine(CultureInfo.InvariantCulture, $"| idempotent replays checked / mismatched | {replaysChecked} / {replaysMismatched} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| result | {(reasons.Count == 0 ? "pass" : "FAIL: " + string.Join("; ", reasons))} |");
report.AppendLine();
report.AppendLine("Per endpoint (setup, load and verification; latencies include requests without an answer):");
report.AppendLine();
report.AppendLine("| endpoint | requests | 2xx | 4xx | 5xx | failed | p50 ms | p95 ms | p99 ms |");
report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var endpoint in all.GroupBy(s => s.Endpoint).OrderBy(g => g.Key, StringComparer.Ordinal))
{
    var latencies = endpoint.Select(s => s.Milliseconds).Order().ToArray();
    report.AppendLine(CultureInfo.InvariantCulture,
        $"| {endpoint.Key} | {latencies.Length} | {endpoint.Count(s => s.Status is >= 200 and < 300)} | {endpoint.Count(s => s.Status is >= 400 and < 500)} | {endpoint.Count(s => s.Status >= 500)} | {endpoint.Count(s => s.Status == NoAnswer)} | {Percentile(latencies, 0.50):F1} | {Percentile(latencies, 0.95):F1} | {Percentile(latencies, 0.99):F1} |");
}

Console.WriteLine();
Console.WriteLine(report.ToString());
foreach (var note in notes.Take(30))
{
    Console.WriteLine($"  {note}");
}

// Only this tool's section is replaced; whatever else the file says stays.
var section = SectionStart + "\n" + report.ToString().Replace("\r\n", "\n", StringComparison.Ordinal) + SectionEnd;
var path = Path.GetFullPath(output);
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
var existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "# Reliability\n";
var start = existing.IndexOf(SectionStart, StringComparison.Ordinal);
var end = start < 0 ? -1 : existing.IndexOf(SectionEnd, start, StringComparison.Ordinal);
var updated = start >= 0 && end >= 0
    ? existing[..start] + section + existing[(end + SectionEnd.Length)..]
    : existing.TrimEnd('\n') + "\n\n" + section + "\n";
await File.WriteAllTextAsync(path, updated);
Console.WriteLine($"Written to {output}");

await app.StopAsync();
if (reasons.Count > 0)
{
    Console.WriteLine("FAILED:");
    foreach (var reason in reasons)
    {
        Console.WriteLine($"  - {reason}");
    }

    return 1;
}

Console.WriteLine("Passed: nothing lost, nothing duplicated, no 5xx, the audit matches.");
return 0;

// One client's next step, by weight: about half reads, half writes.
async Task OperationAsync()
{
    var roll = Random.Shared.Next(100);
    if (roll < 20)
    {
        await SendAsync("GET patient", HttpMethod.Get, $"/api/patients/{patients[Random.Shared.Next(patients.Count)].Id}", monitor);
    }
    else if (roll < 28)
    {
        await SendAsync("GET patients", HttpMethod.Get, "/api/patients", lister);
    }
    else if (roll < 36)
    {
        await SendAsync("GET worklist", HttpMethod.Get, "/api/worklist?siteId=LT01", worklister);
    }
    else if (roll < 42)
    {
        await SendAsync("GET cohorts", HttpMethod.Get, "/api/cohorts", researcher);
    }
    else if (roll < 48)
    {
        await SendAsync("GET sae-clocks", HttpMethod.Get, "/api/safety/sae-clocks?status=all", pv);
    }
    else
    {
        await WriteAsync();
    }
}

async Task WriteAsync()
{
    // A quarter of the writes go to the same few patients: their writers queue on one stream's lock.
    var patient = Random.Shared.Next(4) == 0 ? patients[Random.Shared.Next(HotPatients)] : patients[Random.Shared.Next(patients.Count)];
    var roll = Random.Shared.Next(100);
    if (roll < 15 && Pick(openAdverseEvents, patient.Id, remove: false) is { } adverseEventId)
    {
        await FollowUpAsync(patient, adverseEventId);
    }
    else if (roll < 35 && Pick(uncorrectedScores, patient.Id, remove: true) is { } scoreId)
    {
        await CorrectAsync(patient, scoreId);
    }
    else
    {
        await VisitAsync(patient);
    }
}

async Task VisitAsync(Patient patient)
{
    var visitId = Guid.NewGuid();
    var withDose = Random.Shared.Next(3) == 0;
    Guid? adverseEventId = Random.Shared.Next(5) == 0 ? Guid.NewGuid() : null;
    var body = new JsonObject
    {
        ["visitId"] = visitId,
        ["visitDate"] = todayText,
        // 4 to 7, so that the correction to 3 always changes the value.
        ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = todayText, ["instrument"] = "cgi-s", ["value"] = 4 + Random.Shared.Next(4) }),
    };
    if (withDose)
    {
        body["doses"] = new JsonArray(new JsonObject
        {
            ["givenOn"] = todayText,
            ["doseIu"] = 1_000_000,
            ["route"] = "subcutaneous",
            ["product"] = "aldesleukin",
            ["lot"] = "LT-1",
            ["phase"] = "maintenance",
        });
    }

    if (adverseEventId is { } aeId)
    {
        body["adverseEvents"] = new JsonArray(new JsonObject
        {
            ["adverseEventId"] = aeId,
            ["onsetOn"] = todayText,
            ["awareOn"] = todayText,
            ["term"] = "injection site erythema",
            ["meddraPtCode"] = "10022061",
            ["meddraSocCode"] = "10018065",
            ["grade"] = 1,
            ["seriousCriteria"] = new JsonArray(),
            ["causality"] = "probable",
            ["expected"] = true,
            ["outcome"] = "recovering",
            ["actionTaken"] = "none",
        });
    }

    var url = $"/api/patients/{patient.Id}/visits";
    var first = await SendAsync("POST visits", HttpMethod.Post, url, nurses[patient.SiteId], body);
    if (first is not { Ok: true })
    {
        return;
    }

    var entryIds = EntryIds(first.Body);
    acknowledged.Enqueue(new Write("visit", patient.Id, entryIds, visitId));
    // The answer lists the entries in the order the visit names its lists: doses, Tregs, scores, adverse events.
    var scoreIndex = withDose ? 1 : 0;
    Remember(patient.Id, scoreIndex < entryIds.Count ? entryIds[scoreIndex] : null, adverseEventId);

    if (Random.Shared.Next(50) == 0)
    {
        // The same visit again, as a client that lost the answer would send it: the first answer, nothing written.
        var again = await SendAsync("POST visits (replay)", HttpMethod.Post, url, nurses[patient.SiteId], body);
        if (again is not null)
        {
            Interlocked.Increment(ref replaysChecked);
            if (again.Status != first.Status || again.Body != first.Body)
            {
                Interlocked.Increment(ref replaysMismatched);
                Note($"replay of visit {visitId}: {Status(first)} {first.Body} then {Status(again)} {again.Body}");
            }
        }
    }
}

async Task FollowUpAsync(Patient patient, Guid adverseEventId)
{
    var reply = await SendAsync("POST follow-ups", HttpMethod.Post, $"/api/patients/{patient.Id}/adverse-events/{adverseEventId}/follow-ups",
        nurses[patient.SiteId], new JsonObject { ["reportedOn"] = todayText, ["grade"] = 2 });
    if (reply is { Ok: true })
    {
        acknowledged.Enqueue(new Write("follow-up", patient.Id, EntryIds(reply.Body), null));
    }
}

async Task CorrectAsync(Patient patient, Guid scoreId)
{
    var reply = await SendAsync("POST corrections", HttpMethod.Post, $"/api/patients/{patient.Id}/corrections", nurses[patient.SiteId], new JsonObject
    {
        ["entryId"] = scoreId,
        ["changes"] = new JsonObject { ["value"] = 3 },
        ["reasonCode"] = "transcription-error",
        ["reason"] = "load test",
    });
    if (reply is { Ok: true })
    {
        acknowledged.Enqueue(new Write("correction", patient.Id, EntryIds(reply.Body), null));
    }
}

// Kept out of the async methods: a lock never spans an await.
void Remember(Guid patientId, Guid? scoreId, Guid? adverseEventId)
{
    lock (gate)
    {
        if (scoreId is { } score)
        {
            uncorrectedScores[patientId].Add(score);
        }

        if (adverseEventId is { } adverseEvent)
        {
            openAdverseEvents[patientId].Add(adverseEvent);
        }
    }
}

Guid? Pick(Dictionary<Guid, List<Guid>> pool, Guid patientId, bool remove)
{
    lock (gate)
    {
        var ids = pool[patientId];
        if (ids.Count == 0)
        {
            return null;
        }

        var index = Random.Shared.Next(ids.Count);
        var id = ids[index];
        if (remove)
        {
            ids[index] = ids[^1];
            ids.RemoveAt(ids.Count - 1);
        }

        return id;
    }
}

// Whether an acknowledged write is in the patient's record: a visit's entries, a follow-up entry, the
// corrected score with its new value (a correction answers with the id of the entry it corrected).
bool Found(Write write)
{
    if (write.EntryIds.Count == 0 || !write.EntryIds.All(id => found.ContainsKey((write.PatientId, id))))
    {
        return false;
    }

    var entry = found[(write.PatientId, write.EntryIds[0])][0];
    return write.Kind switch
    {
        "follow-up" => entry["kind"]?.GetValue<string>() == "ae-follow-up",
        "correction" => entry["status"]?.GetValue<string>() == "corrected" && entry["data"]?["value"]?.GetValue<decimal>() == 3m,
        _ => true,
    };
}

// The audit entries of one user, following the Link header from page to page: (entries with the
// expected action, entries with another), or null when the audit could not be read.
async Task<(int? Entries, int OtherActions)> AuditAsync(string userId, string action)
{
    string? url = $"/api/audit?userId={Uri.EscapeDataString(userId)}&limit=10000";
    var entries = 0;
    var others = 0;
    for (var pages = 0; url is not null; pages++)
    {
        if (pages > 10_000)
        {
            Note($"the audit of {userId} kept naming a next page");
            return (null, others);
        }

        Reply? page = null;
        for (var attempt = 0; attempt < 3 && page is not { Status: 200 }; attempt++)
        {
            page = await SendAsync("GET audit", HttpMethod.Get, url, admin);
        }

        if (page is not { Status: 200 })
        {
            Note($"the audit of {userId} answered {Status(page)}: {page?.Body}");
            return (null, others);
        }

        foreach (var node in JsonNode.Parse(page.Body)!.AsArray())
        {
            if (node?["action"]?.GetValue<string>() == action)
            {
                entries++;
            }
            else
            {
                others++;
            }
        }

        url = NextPage(page.Link);
    }

    return (entries, others);
}

async Task<Reply?> SendAsync(string endpoint, HttpMethod method, string url, string token, JsonNode? body = null)
{
    using var request = new HttpRequestMessage(method, url);
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    if (body is not null)
    {
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
    }

    var started = Stopwatch.GetTimestamp();
    try
    {
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        samples.Enqueue(new Sample(endpoint, phase, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        if (status >= 500)
        {
            Note($"{endpoint} {url} answered {Status(status)}: {Shorten(text)}");
        }

        return new Reply(status, text, response.Headers.TryGetValues("Link", out var links) ? links.FirstOrDefault() : null);
    }
    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
    {
        // No answer (connection error or the 30 s timeout): the write may or may not have happened.
        samples.Enqueue(new Sample(endpoint, phase, NoAnswer, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        Note($"{endpoint} {url}: no answer, {e.GetType().Name}: {e.Message}");
        return null;
    }
}

void Note(string note)
{
    // Enough to see what went wrong without flooding the console.
    if (notes.Count < 200)
    {
        notes.Enqueue(note);
    }
}

static Reply Expect(Reply? reply, int status, string what) =>
    reply is { } r && r.Status == status
        ? r
        : throw new InvalidOperationException($"Setup failed when {what}: answer {Status(reply)}: {reply?.Body}");

// A visit answers with entryIds; a follow-up and a correction with the one entryId they wrote or changed.
static List<Guid> EntryIds(string body)
{
    var answer = JsonNode.Parse(body)!;
    if (answer["entryIds"] is JsonArray ids)
    {
        return ids.Select(id => id!.GetValue<Guid>()).ToList();
    }

    return [answer["entryId"]!.GetValue<Guid>()];
}

// The target of `Link: <url>; rel="next"`, or null on the last page.
static string? NextPage(string? link)
{
    if (link is null || !link.Contains("rel=\"next\"", StringComparison.Ordinal))
    {
        return null;
    }

    var open = link.IndexOf('<', StringComparison.Ordinal);
    var close = link.IndexOf('>', StringComparison.Ordinal);
    return open >= 0 && close > open ? link[(open + 1)..close] : null;
}

static string Status(object? answer) => answer switch
{
    Reply r => r.Status.ToString(CultureInfo.InvariantCulture),
    int status => status.ToString(CultureInfo.InvariantCulture),
    _ => "none",
};

static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

// Nearest rank over sorted latencies.
static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

int Arg(string name, int fallback) =>
    int.TryParse(ArgText(name, ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

// The last occurrence wins, so that arguments given to ops/load.sh override its defaults.
string ArgText(string name, string fallback)
{
    var i = Array.LastIndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

internal sealed record Patient(Guid Id, string SiteId);

internal sealed record Sample(string Endpoint, string Phase, int Status, double Milliseconds);

internal sealed record Reply(int Status, string Body, string? Link)
{
    public bool Ok => Status is >= 200 and < 300;
}

/// <summary>A write answered 2xx: what its answer named.</summary>
internal sealed record Write(string Kind, Guid PatientId, IReadOnlyList<Guid> EntryIds, Guid? VisitId);

internal sealed record AuditCheck(string UserId, string Action, int Answered, int Unknown, int? Entries, int OtherActions)
{
    /// <summary>Exactly one entry per read answered 200, give or take reads whose answer never arrived.</summary>
    public bool Matches => Entries is { } n && OtherActions == 0 && n >= Answered && n <= Answered + Unknown;
}
