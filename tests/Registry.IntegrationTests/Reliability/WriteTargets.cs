using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Reliability;

/// <summary>One write endpoint made ready to call: who may call it, its URL, and a body it accepts.</summary>
/// <summary>
/// A write to try; <see cref="Idempotent"/> false for the one write whose answer is never kept (it holds a secret);
/// <see cref="User"/> the directory user who must make it (a signature), else any token user of the role.
/// </summary>
public sealed record WriteTarget(
    string Route, string Role, string[] Sites, string Url, Func<JsonObject> ValidBody, bool Idempotent = true, string? User = null)
{
    public string UserOr(string suffix) => User ?? $"{Role}-{suffix}";
}

/// <summary>
/// Every POST endpoint of the API with a caller allowed to use it and a patient, an adverse event and a
/// serious adverse event to use it on. <see cref="AllRoutesAsync"/> lets a test fail when an endpoint
/// is added without being listed here.
/// </summary>
public sealed class WriteTargets
{
    private WriteTargets(
        Guid patient, Guid adverseEvent, Guid seriousEvent, Guid query, Guid medication, Guid duplicate, Guid mover, Guid downgraded)
    {
        Downgraded = downgraded;
        Medication = medication;
        Duplicate = duplicate;
        Mover = mover;
        Patient = patient;
        AdverseEvent = adverseEvent;
        SeriousEvent = seriousEvent;
        Query = query;
    }

    /// <summary>A data query on the adverse event, open (the answer, closure and re-opening targets take it in turn).</summary>
    public Guid Query { get; }

    public Guid Patient { get; }

    /// <summary>A medication of <see cref="Patient"/>, in force (the stop target stops it).</summary>
    public Guid Medication { get; }

    /// <summary>A second enrolment, the void target's (a voided enrolment takes no more writes).</summary>
    public Guid Duplicate { get; }

    /// <summary>A third enrolment, the transfer target's (the site user loses it).</summary>
    public Guid Mover { get; }

    public Guid AdverseEvent { get; }

    public Guid SeriousEvent { get; }

    /// <summary>A SUSAR submitted, then corrected to non-serious (downgraded): the nullification target's.</summary>
    public Guid Downgraded { get; }

    /// <summary>The name of a saved cohort definition (the new-version target's).</summary>
    public const string SavedDefinition = "Fuzz definition";

    public static async Task<WriteTargets> SetUpAsync(RegistryApp app)
    {
        await app.Admin.RegisterSiteAsync("FR01");
        await app.Admin.RegisterSiteAsync("DE01", "Europe/Berlin");
        var nurse = app.As(Roles.Site, "FR01");
        var patient = await nurse.EnrolAsync(Requests.Enrolment());
        var duplicate = await nurse.EnrolAsync(Requests.Enrolment("FR01", "FR01-0201"));
        var mover = await nurse.EnrolAsync(Requests.Enrolment("FR01", "FR01-0202"));
        var medicated = await nurse.PostAsync($"/api/patients/{patient}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-19",
            ["conmeds"] = new JsonArray(new JsonObject { ["drug"] = "prednisone", ["drugClass"] = "corticosteroid", ["startedOn"] = "2026-01-10" }),
        }, 201);
        var medication = JsonNode.Parse(await medicated.ReadAsTextAsync())!["entryIds"]![0]!.GetValue<Guid>();
        var adverseEvent = Guid.NewGuid();
        var serious = Guid.NewGuid();
        var seriousReport = Requests.AdverseEvent(serious);
        seriousReport["seriousCriteria"] = new JsonArray("hospitalisation");
        seriousReport["expected"] = false;
        await nurse.PostAsync($"/api/patients/{patient}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-20",
            ["adverseEvents"] = new JsonArray(Requests.AdverseEvent(adverseEvent), seriousReport),
        }, 201);
        foreach (var username in new[] { Member, Gone })
        {
            await app.Admin.PostAsync("/api/users", User(username), 201);
        }

        await app.Admin.PostAsync($"/api/users/{Gone}/deactivation", new JsonObject { ["reason"] = "left" }, 200);
        var reader = User(Reader);
        reader["role"] = Roles.Researcher;
        reader["sites"] = new JsonArray();
        await app.Admin.PostAsync("/api/users", reader, 201);
        await app.Admin.PostAsync("/api/users", User(Signer), 201);
        await using (var session = app.Store.LightweightSession())
        {
            var credentials = app.Host.Services.GetRequiredService<Registry.Identity.Credentials>();
            session.Store(new Registry.Identity.UserCredential
            {
                Id = Registry.Identity.UserAccount.StreamFor(Signer),
                Username = Signer,
                PasswordHash = Registry.Identity.Credentials.HashPassword(SignerPassword),
                ProtectedTotpSecret = credentials.Protect(Registry.Identity.Credentials.NewTotpSecret()),
            });
            await session.SaveChangesAsync();
        }

        await app.Admin.PostAsync($"/api/users/{Signer}/investigator", new JsonObject { ["allowed"] = true, ["reason"] = "PI" }, 200);
        var opened = await app.As(Roles.Monitor).PostAsync($"/api/patients/{patient}/queries",
            new JsonObject { ["entryId"] = adverseEvent, ["field"] = "$.term", ["text"] = "Which term?" }, 201);
        var query = JsonNode.Parse(await opened.ReadAsTextAsync())!["queryId"]!.GetValue<Guid>();
        var downgraded = Guid.NewGuid();
        var downgradedReport = Requests.AdverseEvent(downgraded);
        downgradedReport["seriousCriteria"] = new JsonArray("hospitalisation");
        downgradedReport["expected"] = false;
        await nurse.PostAsync($"/api/patients/{patient}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-20",
            ["adverseEvents"] = new JsonArray(downgradedReport),
        }, 201);
        var pv = app.As(Roles.Pv);
        await pv.PostAsync($"/api/safety/sae/{downgraded}/acknowledgement", new JsonObject(), 201);
        await pv.PostAsync($"/api/safety/sae/{downgraded}/submissions",
            new JsonObject { ["submittedOn"] = "2026-11-25", ["authority"] = "ANSM", ["reference"] = "R-9" }, 201);
        await nurse.PostAsync($"/api/patients/{patient}/corrections", new JsonObject
        {
            ["entryId"] = downgraded,
            ["changes"] = new JsonObject { ["seriousCriteria"] = new JsonArray() },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "not admitted after all",
        }, 201);
        await app.As(Roles.Researcher).PostAsync("/api/cohort-definitions", new JsonObject { ["name"] = SavedDefinition }, 201);
        return new WriteTargets(patient, adverseEvent, serious, query, medication, duplicate, mover, downgraded);
    }

    /// <summary>A user of the directory to change, and one already deactivated.</summary>
    public const string Member = "writes.nurse";
    public const string Gone = "writes.gone";
    public const string Reader = "writes.reader";

    /// <summary>The site's investigator (a directory user with a password: a signature asks for it again).</summary>
    public const string Signer = "writes.pi";
    public const string SignerPassword = "the investigator's passphrase";

    private static JsonObject User(string username) => new()
    {
        ["username"] = username,
        ["displayName"] = "Writes Nurse",
        ["role"] = Roles.Site,
        ["sites"] = new JsonArray("FR01"),
        ["reason"] = "joins",
    };

    public IReadOnlyList<WriteTarget> All =>
    [
        new("/api/users", Roles.Admin, [], "/api/users", () => User("u." + Guid.NewGuid().ToString("N")[..16])),
        new("/api/users/{username}/access", Roles.Admin, [], $"/api/users/{Member}/access",
            () => new JsonObject { ["role"] = Roles.Site, ["sites"] = new JsonArray("FR01"), ["reason"] = "same sites" }),
        new("/api/users/{username}/investigator", Roles.Admin, [], $"/api/users/{Member}/investigator",
            () => new JsonObject { ["allowed"] = true, ["reason"] = "sub-investigator" }),
        new("/api/users/{username}/link", Roles.Admin, [], $"/api/users/{Member}/link",
            () => new JsonObject { ["externalIssuer"] = "https://idp.example.org", ["externalSubject"] = "w1", ["reason"] = "SSO" }),
        new("/api/users/{username}/deactivation", Roles.Admin, [], $"/api/users/{Member}/deactivation",
            () => new JsonObject { ["reason"] = "left" }),
        new("/api/users/{username}/reactivation", Roles.Admin, [], $"/api/users/{Gone}/reactivation",
            () => new JsonObject { ["reason"] = "back" }),
        new("/api/users/{username}/free-text", Roles.Admin, [], $"/api/users/{Reader}/free-text",
            () => new JsonObject { ["allowed"] = true, ["reason"] = "ethics approval" }),
        new("/api/users/{username}/invitation", Roles.Admin, [], $"/api/users/{Gone}/invitation",
            () => new JsonObject { ["reason"] = "first sign-in" }, Idempotent: false),
        new("/api/sites", Roles.Admin, [], "/api/sites", () => Requests.Site("IT01")),
        new("/api/patients", Roles.Site, ["FR01"], "/api/patients", () => Requests.Enrolment("FR01", "FR01-0100")),
        new("/api/patients/{patientId}/visits", Roles.Site, ["FR01"], $"/api/patients/{Patient}/visits", () => new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-21",
            ["doses"] = new JsonArray(new JsonObject
            {
                ["givenOn"] = "2026-11-21", ["doseIu"] = 1_000_000, ["route"] = "subcutaneous", ["product"] = "aldesleukin",
                ["lot"] = "A1", ["phase"] = "induction",
            }),
            ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = "2026-11-21", ["instrument"] = "cgi-s", ["value"] = 4 }),
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = "2026-11-21", ["tregPercentOfCd4"] = 7.5, ["gating"] = "cd4-cd25-foxp3" }),
        }),
        new("/api/patients/{patientId}/adverse-events/{adverseEventId}/follow-ups", Roles.Site, ["FR01"],
            $"/api/patients/{Patient}/adverse-events/{AdverseEvent}/follow-ups", () => new JsonObject { ["reportedOn"] = "2026-11-22", ["grade"] = 2 }),
        new("/api/patients/{patientId}/corrections", Roles.Site, ["FR01"], $"/api/patients/{Patient}/corrections", () => new JsonObject
        {
            ["entryId"] = AdverseEvent, ["changes"] = new JsonObject { ["term"] = "injection site reaction" },
            ["reasonCode"] = "transcription-error", ["reason"] = "source document",
        }),
        new("/api/patients/{patientId}/queries", Roles.Monitor, [], $"/api/patients/{Patient}/queries",
            () => new JsonObject { ["entryId"] = AdverseEvent, ["field"] = "$.grade", ["text"] = "Grade 2 or 3?" }),
        new("/api/patients/{patientId}/queries/{queryId}/answers", Roles.Site, ["FR01"], $"/api/patients/{Patient}/queries/{Query}/answers",
            () => new JsonObject { ["text"] = "Checked against the chart." }),
        new("/api/patients/{patientId}/queries/{queryId}/closure", Roles.Monitor, [], $"/api/patients/{Patient}/queries/{Query}/closure",
            () => new JsonObject { ["text"] = "Thank you." }),
        new("/api/patients/{patientId}/queries/{queryId}/reopening", Roles.Monitor, [],
            $"/api/patients/{Patient}/queries/{Query}/reopening", () => new JsonObject { ["text"] = "One more look, please." }),
        new("/api/patients/{patientId}/verifications", Roles.Monitor, [], $"/api/patients/{Patient}/verifications",
            () => new JsonObject { ["entryId"] = SeriousEvent, ["revision"] = 1 }),
        new("/api/patients/{patientId}/voids", Roles.Site, ["FR01"], $"/api/patients/{Patient}/voids",
            () => new JsonObject { ["entryId"] = AdverseEvent, ["reason"] = "entered in error" }),
        new("/api/patients/{patientId}/withdrawal", Roles.Site, ["FR01"], $"/api/patients/{Patient}/withdrawal",
            () => new JsonObject { ["withdrawnOn"] = "2026-11-25", ["reasonCode"] = "patient-decision", ["reason"] = "moved away" }),
        new("/api/patients/{patientId}/completion", Roles.Site, ["FR01"], $"/api/patients/{Patient}/completion",
            () => new JsonObject { ["completedOn"] = "2026-11-25" }),
        new("/api/patients/{patientId}/enrolment/corrections", Roles.Site, ["FR01"], $"/api/patients/{Patient}/enrolment/corrections",
            () => new JsonObject
            {
                ["changes"] = new JsonObject { ["birthYear"] = 1985, ["setting"] = "trial" }, ["reasonCode"] = "transcription-error",
                ["reason"] = "ID card",
            }),
        new("/api/patients/{patientId}/regimen", Roles.Site, ["FR01"], $"/api/patients/{Patient}/regimen", () => new JsonObject
        {
            ["inductionDays"] = 5, ["maintenanceIntervalDays"] = 21, ["changedOn"] = "2026-11-21", ["reason"] = "remission",
        }),
        new("/api/patients/{patientId}/medication-stops", Roles.Site, ["FR01"], $"/api/patients/{Patient}/medication-stops",
            () => new JsonObject { ["entryId"] = Medication, ["stoppedOn"] = "2026-11-21", ["reason"] = "remission" }),
        new("/api/patients/{patientId}/enrolment/void", Roles.Site, ["FR01"], $"/api/patients/{Duplicate}/enrolment/void",
            () => new JsonObject { ["duplicateOf"] = Patient, ["reason"] = "the same patient as FR01-0007" }),
        new("/api/patients/{patientId}/transfer", Roles.Monitor, [], $"/api/patients/{Mover}/transfer", () => new JsonObject
        {
            ["toSiteId"] = "DE01", ["subjectCode"] = "DE01-0202", ["transferredOn"] = "2026-11-21", ["reason"] = "moved to Berlin",
        }),
        new("/api/patients/{patientId}/signatures", Roles.Site, ["FR01"], $"/api/patients/{Patient}/signatures",
            () => new JsonObject { ["meaning"] = "review", ["password"] = SignerPassword }, User: Signer),
        // Last of the patient's writes: a locked record refuses the site's.
        new("/api/patients/{patientId}/lock", Roles.Monitor, [], $"/api/patients/{Patient}/lock",
            () => new JsonObject { ["reason"] = "cleaned for the analysis" }),
        new("/api/patients/{patientId}/unlock", Roles.Monitor, [], $"/api/patients/{Patient}/unlock",
            () => new JsonObject { ["reason"] = "a late result" }),
        new("/api/cohort-locks", Roles.Monitor, [], "/api/cohort-locks", () => new JsonObject
        {
            ["diseaseCode"] = "sle", ["siteId"] = "FR01", ["enrolledTo"] = "2026-11-29", ["reason"] = "interim analysis",
        }),
        new("/api/safety/sae/{adverseEventId}/acknowledgement", Roles.Pv, [], $"/api/safety/sae/{SeriousEvent}/acknowledgement", () => new JsonObject()),
        new("/api/safety/sae/{adverseEventId}/submissions", Roles.Pv, [], $"/api/safety/sae/{SeriousEvent}/submissions",
            () => new JsonObject { ["submittedOn"] = "2026-11-25", ["authority"] = "ANSM", ["reference"] = "R-1" }),
        new("/api/safety/sae/{adverseEventId}/follow-up-reports", Roles.Pv, [], $"/api/safety/sae/{SeriousEvent}/follow-up-reports",
            () => new JsonObject { ["receivedOn"] = "2026-11-25", ["submittedOn"] = "2026-11-26", ["authority"] = "ANSM", ["reference"] = "R-2" }),
        new("/api/safety/sae/{adverseEventId}/amendments", Roles.Pv, [], $"/api/safety/sae/{SeriousEvent}/amendments",
            () => new JsonObject { ["submittedOn"] = "2026-11-26", ["authority"] = "ANSM", ["reference"] = "R-4", ["reason"] = "PT recoded" }),
        new("/api/safety/sae/{adverseEventId}/narratives", Roles.Pv, [], $"/api/safety/sae/{SeriousEvent}/narratives",
            () => new JsonObject { ["text"] = "A woman in her forties developed pneumonia on day 12." }),
        new("/api/safety/sae/{adverseEventId}/nullifications", Roles.Pv, [], $"/api/safety/sae/{Downgraded}/nullifications",
            () => new JsonObject { ["submittedOn"] = "2026-11-26", ["authority"] = "ANSM", ["reference"] = "R-3", ["reason"] = "not serious" }),
        // A new name each time: a name is taken once.
        new("/api/cohort-definitions", Roles.Researcher, [], "/api/cohort-definitions", () => new JsonObject
        {
            ["name"] = $"Lupus add-on {Guid.NewGuid():N}", ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("sle") },
            ["note"] = "enrolled this year",
        }),
        new("/api/cohort-definitions/{definitionId}/versions", Roles.Researcher, [],
            $"/api/cohort-definitions/{Registry.Exports.SavedCohorts.StreamFor(SavedDefinition)}/versions", () => new JsonObject
            {
                ["note"] = "RA too", ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("sle", "ra") },
            }),
        new("/api/exports", Roles.Researcher, [], "/api/exports", () => new JsonObject
        {
            ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("sle") }, ["format"] = "csv", ["dates"] = "study-day",
            ["pseudonymScope"] = "fuzz", ["asOf"] = new JsonObject { ["sequence"] = null, ["at"] = "2026-11-29T12:00:00+02:00" },
        }),
    ];

    /// <summary>Every POST route under /api the host maps.</summary>
    public static IReadOnlyList<string> AllRoutes(IServiceProvider services) =>
        services.GetServices<EndpointDataSource>()
            .SelectMany(s => s.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(r => r.StartsWith("/api/", StringComparison.Ordinal))
            .Distinct()
            .Order()
            .ToList();
}

/// <summary>
/// Where the database stands: the last event's sequence and the number of documents of every kind but
/// the audit (which records reads) and the cohort facts (the async daemon writes them after the events,
/// which the sequence already counts). The same mark before and after a request: it wrote nothing.
/// </summary>
public sealed class DatabaseMark
{
    private readonly string _connectionString;
    private readonly string _sql;

    private DatabaseMark(string connectionString, string sql)
    {
        _connectionString = connectionString;
        _sql = sql;
    }

    public static async Task<DatabaseMark> CreateAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand(
            "select table_name from information_schema.tables where table_schema = 'registry' and table_name like 'mt_doc_%' and table_name not in ('mt_doc_auditrecord', 'mt_doc_patientfacts') order by 1",
            connection);
        var names = new List<string>();
        await using (var reader = await tables.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        var counts = string.Join(" || ',' || ", names.Select(n => $"(select count(*) from registry.{n})::text"));
        return new DatabaseMark(connectionString, $"select (select coalesce(max(seq_id), 0) from registry.mt_events)::text || ',' || {counts}");
    }

    public async Task<string> ReadAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var mark = new NpgsqlCommand(_sql, connection);
        return (string)(await mark.ExecuteScalarAsync())!;
    }
}
