using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using Hl7.Fhir.Serialization;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;
using Wolverine.Tracking;

namespace Registry.IntegrationTests.Exports;

/// <summary>De-identified exports, rebuilt from the event log as of one point, byte for byte reproducible.</summary>
public sealed class ExportTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    private ApiClient Researcher => App.AsUser("researcher1", Roles.Researcher);

    private Guid _patientId;
    private Guid _doseId;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01");
        var enrolment = Requests.Enrolment("FR01", "FR01-SECRET-7");
        enrolment["birthYear"] = 1930;
        enrolment["enrolledOn"] = "2026-03-01";
        _patientId = await Nurse.EnrolAsync(enrolment);
        var ae = Requests.AdverseEvent(Guid.NewGuid(), "2026-03-03", "2026-03-03");
        ae["term"] = "itchy red patch on left arm";
        var visit = new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-03-02",
            ["doses"] = new JsonArray(new JsonObject { ["givenOn"] = "2026-03-02", ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "induction" }),
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = "2026-03-01", ["tregPercentOfCd4"] = 5.5, ["gating"] = "cd4-cd25-foxp3", ["cd4PerUl"] = 600 }),
            ["adverseEvents"] = new JsonArray(ae),
            ["conmeds"] = new JsonArray(new JsonObject { ["drug"] = "Dr Smith's prednisone", ["drugClass"] = "corticosteroid", ["dose"] = 5, ["unit"] = "mg/day", ["startedOn"] = "2025-12-01" }),
        };
        var result = await Nurse.PostAsync($"/api/patients/{_patientId}/visits", visit, 201);
        _doseId = JsonNode.Parse(await result.ReadAsTextAsync())!["entryIds"]![0]!.GetValue<Guid>();
        await App.WaitForProjectionsAsync();
    }

    private async Task<JsonObject> ExportAsync(JsonObject request, ApiClient? researcher = null)
    {
        researcher ??= Researcher;
        Guid exportId = default;
        await Host.ExecuteAndWaitAsync(async () =>
        {
            var accepted = await researcher.PostAsync("/api/exports", request, 202);
            exportId = JsonNode.Parse(await accepted.ReadAsTextAsync())!["exportId"]!.GetValue<Guid>();
        }, 60_000);
        var status = await researcher.GetJsonAsync($"/api/exports/{exportId}");
        Assert.Equal("done", status["status"]!.GetValue<string>());
        return status;
    }

    private static JsonObject Request(string format = "csv", long? sequence = null, bool freeText = false, string scope = "registry") => new()
    {
        ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("sle") },
        ["asOf"] = new JsonObject { ["sequence"] = sequence, ["at"] = null },
        ["format"] = format,
        ["dates"] = "study-day",
        ["pseudonymScope"] = scope,
        ["includeFreeText"] = freeText,
    };

    private async Task<string> FileAsync(JsonObject status, string name, ApiClient? researcher = null) =>
        await (await (researcher ?? Researcher).GetAsync($"/api/exports/{status["exportId"]}/files/{name}")).ReadAsTextAsync();

    [Fact]
    public async Task the_same_request_at_the_same_point_gives_byte_identical_files_and_later_entries_stay_out()
    {
        var first = await ExportAsync(Request());
        var sequence = first["manifest"]!["asOf"]!["sequence"]!.GetValue<long>();

        await Nurse.PostAsync($"/api/patients/{_patientId}/corrections", new JsonObject
        {
            ["entryId"] = _doseId,
            ["changes"] = new JsonObject { ["doseIu"] = 1_500_000 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "x",
        }, 201);
        await Nurse.PostAsync($"/api/patients/{_patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-03-09",
            ["doses"] = new JsonArray(new JsonObject { ["givenOn"] = "2026-03-09", ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "maintenance" }),
        }, 201);
        await App.WaitForProjectionsAsync();

        var again = await ExportAsync(Request(sequence: sequence));
        var now = await ExportAsync(Request());

        Assert.Equal(Hashes(first), Hashes(again));
        var exThen = await FileAsync(again, "ex.csv");
        var exNow = await FileAsync(now, "ex.csv");
        Assert.Single(exThen.Trim().Split('\n').Skip(1));
        Assert.Contains(",1000000,", exThen);
        Assert.Equal(2, exNow.Trim().Split('\n').Skip(1).Count());
        Assert.Contains(",1500000,", exNow);
    }

    [Fact]
    public async Task an_export_as_of_a_time_resolves_it_to_a_sequence_and_leaves_out_what_came_after()
    {
        var before = await ExportAsync(Request());
        var at = before["manifest"]!["asOf"]!["at"]!.GetValue<DateTimeOffset>();
        App.Clock.Advance(TimeSpan.FromMinutes(5));
        await Nurse.PostAsync($"/api/patients/{_patientId}/voids", new JsonObject { ["entryId"] = _doseId, ["reason"] = "wrong patient" }, 201);
        await App.WaitForProjectionsAsync();

        var request = Request();
        request["asOf"] = new JsonObject { ["sequence"] = null, ["at"] = at.ToString("O") };
        var asOfTime = await ExportAsync(request);
        var yesterday = Request();
        yesterday["asOf"] = new JsonObject { ["sequence"] = null, ["at"] = App.Clock.GetUtcNow().AddDays(-1).ToString("O") };
        var empty = await ExportAsync(yesterday);

        // The void came after that time: the dose is still there, exactly as in the first export.
        Assert.Equal(Hashes(before), Hashes(asOfTime));
        Assert.Equal(before["manifest"]!["asOf"]!["sequence"]!.GetValue<long>(), asOfTime["manifest"]!["asOf"]!["sequence"]!.GetValue<long>());
        // Everything here was recorded today: as of yesterday the cohort is empty.
        Assert.Equal(0, empty["manifest"]!["files"]![0]!["rows"]!.GetValue<long>());
    }

    [Fact]
    public async Task no_subject_code_birth_year_stream_id_or_free_text_by_default_and_ages_and_days_are_right()
    {
        var status = await ExportAsync(Request());
        var files = status["manifest"]!["files"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["dm.csv", "ex.csv", "lb.csv", "rs.csv", "ae.csv", "cm.csv", "ds.csv", "sg.csv", "dictionary.csv"], files);

        foreach (var name in files)
        {
            var text = await FileAsync(status, name);
            Assert.DoesNotContain("FR01-SECRET-7", text);
            Assert.DoesNotContain("1930", text);
            Assert.DoesNotContain(_patientId.ToString(), text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(_patientId.ToString("N"), text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("itchy", text);
            Assert.DoesNotContain("Smith", text);
            Assert.DoesNotContain("aldesleukin", text); // the product as typed
            Assert.DoesNotContain("mg/day", text);      // a unit as typed
        }

        var dm = (await FileAsync(status, "dm.csv")).Trim().Split('\n');
        Assert.StartsWith("usubjid,siteid,disease,sex,age,therapyline,setting,rfendy,treated", dm[0]);
        // Born 1930, enrolled 2026: 96, given as 90. Enrolled the day before the first dose: day −1.
        Assert.EndsWith(",FR01,sle,female,90,standalone,routine,-1,Y", dm[1].TrimEnd('\r'));
        var lb = await FileAsync(status, "lb.csv");
        Assert.Contains("TREGPCD4,,5.5,%,-1,cd4-cd25-foxp3", lb);
        Assert.Contains("CD4CNT,24467-3,600,/uL,-1,cd4-cd25-foxp3", lb);
        Assert.Contains(",1,", (await FileAsync(status, "ex.csv")).Trim().Split('\n')[1]);
        Assert.Contains("no free text", status["manifest"]!["deIdentification"]!.GetValue<string>());
    }

    [Fact]
    public async Task free_text_only_for_a_researcher_an_admin_allowed_it_when_asked_and_the_manifest_says_so()
    {
        await App.Admin.PostAsync("/api/users", new JsonObject
        {
            ["username"] = "r.allowed",
            ["displayName"] = "R",
            ["role"] = Roles.Researcher,
            ["sites"] = new JsonArray(),
            ["reason"] = "joins",
        }, 201);
        var researcher = App.AsUser("r.allowed", Roles.Researcher);

        // Not allowed yet: 403 naming the field, and nothing is written (no export, no audit entry).
        var refused = await researcher.PostAsync("/api/exports", Request(freeText: true), 403);
        Assert.Contains("includeFreeText", await refused.ReadAsTextAsync());
        // A token that claims free text is not believed for a directory user: the directory decides.
        var claiming = new ApiClient(Host, App.Tokens.Issue("r.allowed", Roles.Researcher, [], freeText: true));
        await claiming.PostAsync("/api/exports", Request(freeText: true), 403);
        Assert.Empty(await App.Admin.GetJsonArrayAsync("/api/audit?userId=r.allowed"));

        var allowed = await App.Admin.PostAsync("/api/users/r.allowed/free-text", new JsonObject { ["allowed"] = true, ["reason"] = "ethics approval 2026-114" }, 200);
        var user = JsonNode.Parse(await allowed.ReadAsTextAsync())!;
        Assert.True(user["freeText"]!.GetValue<bool>());
        Assert.Equal("free-text-allowed", user["history"]!.AsArray()[^1]!["change"]!.GetValue<string>());
        var status = await ExportAsync(Request(freeText: true), researcher);

        Assert.Contains("itchy red patch on left arm", await FileAsync(status, "ae.csv", researcher));
        Assert.Contains("aldesleukin", await FileAsync(status, "ex.csv", researcher));
        var cm = await FileAsync(status, "cm.csv", researcher);
        Assert.StartsWith("usubjid,cmclass,cmdose,cmstdy,cmstdtf,cmendy,cmendtf,cmtrt,cmdosu", cm);
        Assert.Contains("Dr Smith's prednisone,mg/day", cm);
        Assert.Contains("INCLUDED", status["manifest"]!["deIdentification"]!.GetValue<string>());
        Assert.True(status["manifest"]!["includeFreeText"]!.GetValue<bool>());
        // Without asking, the same researcher gets none.
        Assert.DoesNotContain("aldesleukin", await FileAsync(await ExportAsync(Request(), researcher), "ex.csv", researcher));

        // Withdrawn: refused again on the next request; a role change away from researcher would withdraw it too.
        await App.Admin.PostAsync("/api/users/r.allowed/free-text", new JsonObject { ["allowed"] = false, ["reason"] = "study closed" }, 200);
        await researcher.PostAsync("/api/exports", Request(freeText: true), 403);
        await App.Admin.PostAsync("/api/users/r.allowed/free-text", new JsonObject { ["allowed"] = false, ["reason"] = "again" }, 400);
    }

    [Fact]
    public async Task free_text_is_for_researchers_only_and_leaves_with_the_role()
    {
        await App.Admin.PostAsync("/api/users", new JsonObject
        {
            ["username"] = "m.one",
            ["displayName"] = "M",
            ["role"] = Roles.Monitor,
            ["sites"] = new JsonArray(),
            ["reason"] = "joins",
        }, 201);
        var refused = await App.Admin.PostAsync("/api/users/m.one/free-text", new JsonObject { ["allowed"] = true, ["reason"] = "why not" }, 400);
        Assert.Contains("Only researchers", await refused.ReadAsTextAsync());
        await App.Admin.PostAsync("/api/users/m.one/free-text", new JsonObject { ["reason"] = "no value" }, 400);

        await App.Admin.PostAsync("/api/users/m.one/access", new JsonObject { ["role"] = Roles.Researcher, ["sites"] = new JsonArray(), ["reason"] = "moves" }, 200);
        await App.Admin.PostAsync("/api/users/m.one/free-text", new JsonObject { ["allowed"] = true, ["reason"] = "approved" }, 200);
        var moved = await App.Admin.PostAsync("/api/users/m.one/access", new JsonObject { ["role"] = Roles.Monitor, ["sites"] = new JsonArray(), ["reason"] = "back" }, 200);
        Assert.False(JsonNode.Parse(await moved.ReadAsTextAsync())!["freeText"]!.GetValue<bool>());
    }

    [Fact]
    public async Task pseudonyms_are_stable_within_a_scope_and_unlinkable_across_scopes()
    {
        var a = await FileAsync(await ExportAsync(Request(scope: "study-a")), "dm.csv");
        var b = await FileAsync(await ExportAsync(Request(scope: "study-a")), "dm.csv");
        var c = await FileAsync(await ExportAsync(Request(scope: "study-b")), "dm.csv");

        Assert.Equal(a, b);
        Assert.NotEqual(a.Split('\n')[1].Split(',')[0], c.Split('\n')[1].Split(',')[0]);
    }

    [Fact]
    public async Task two_researchers_choosing_the_same_scope_cannot_link_their_datasets()
    {
        var mine = await FileAsync(await ExportAsync(Request(scope: "shared-name")), "dm.csv");
        var other = App.AsUser("researcher2", Roles.Researcher);
        Guid exportId = default;
        await Host.ExecuteAndWaitAsync(async () =>
        {
            var accepted = await other.PostAsync("/api/exports", Request(scope: "shared-name"), 202);
            exportId = JsonNode.Parse(await accepted.ReadAsTextAsync())!["exportId"]!.GetValue<Guid>();
        }, 60_000);
        var status = await other.GetJsonAsync($"/api/exports/{exportId}");
        Assert.Equal("researcher2:shared-name", status["manifest"]!["pseudonymScope"]!.GetValue<string>());
        var theirs = await (await other.GetAsync($"/api/exports/{exportId}/files/dm.csv")).ReadAsTextAsync();

        var mineKeys = mine.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0]).ToHashSet();
        var theirKeys = theirs.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0]).ToHashSet();
        Assert.NotEmpty(mineKeys);
        Assert.Equal(mineKeys.Count, theirKeys.Count);
        Assert.Empty(mineKeys.Intersect(theirKeys));
    }

    [Fact]
    public async Task parquet_files_are_read_back_by_an_independent_reader_with_the_manifests_row_counts()
    {
        var status = await ExportAsync(Request(format: "parquet"));
        // Downloaded as a user does (the files live in the database), into a folder DuckDB reads.
        var folder = Directory.CreateTempSubdirectory("registry-parquet-").FullName;
        foreach (var name in status["manifest"]!["files"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()))
        {
            var download = await Researcher.GetAsync($"/api/exports/{status["exportId"]}/files/{name}");
            await using var file = File.Create(Path.Combine(folder, name));
            await download.Context.Response.Body.CopyToAsync(file);
        }

        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        foreach (var file in status["manifest"]!["files"]!.AsArray().Where(f => f!["name"]!.GetValue<string>().EndsWith(".parquet", StringComparison.Ordinal)))
        {
            using var command = duck.CreateCommand();
            command.CommandText = $"select count(*) from read_parquet('{Path.Combine(folder, file!["name"]!.GetValue<string>())}')";
            Assert.Equal(file["rows"]!.GetValue<long>(), Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        }

        using var ages = duck.CreateCommand();
        ages.CommandText = $"select age from read_parquet('{Path.Combine(folder, "dm.parquet")}')";
        Assert.Equal(90L, Convert.ToInt64(ages.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        Directory.Delete(folder, recursive: true);

        // The node's scratch folder is gone once the files are in the database.
        Assert.False(Directory.Exists(Path.Combine(App.ExportsDirectory, status["exportId"]!.GetValue<Guid>().ToString("N"))));
    }

    [Fact]
    public async Task fhir_output_passes_the_firely_validator_one_ndjson_file_per_resource_type()
    {
        var status = await ExportAsync(Request(format: "fhir-ndjson"));
        var files = status["manifest"]!["files"]!.AsArray();
        Assert.Equal(["Patient.ndjson", "ResearchSubject.ndjson", "MedicationAdministration.ndjson", "Observation.ndjson", "AdverseEvent.ndjson", "dictionary.csv"],
            files.Select(f => f!["name"]!.GetValue<string>()));

        // The SDK's strict deserializer checks every element against the R4 model and throws on any error;
        // then Firely's validator checks each resource against its R4 StructureDefinition.
        var fhir = new System.Text.Json.JsonSerializerOptions().ForFhir(Hl7.Fhir.Model.ModelInfo.ModelInspector);
        var specification = new Hl7.Fhir.Specification.Source.CachedResolver(Hl7.Fhir.Specification.Source.ZipSource.CreateValidationSource());
        var validator = new Firely.Fhir.Validation.Validator(specification, new Hl7.Fhir.Specification.Terminology.LocalTerminologyService(specification));
        foreach (var file in files.Where(f => f!["name"]!.GetValue<string>().EndsWith(".ndjson", StringComparison.Ordinal)))
        {
            var text = await FileAsync(status, file!["name"]!.GetValue<string>());
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(file["rows"]!.GetValue<long>(), lines.Length);
            foreach (var line in lines)
            {
                var resource = System.Text.Json.JsonSerializer.Deserialize<Hl7.Fhir.Model.Resource>(line, fhir)!;
                Assert.Equal(file["name"]!.GetValue<string>().Replace(".ndjson", ""), resource.TypeName);
                var outcome = validator.Validate(resource);
                var problems = outcome.Issue.Where(i => i.Severity is Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Error or Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Fatal).ToList();
                Assert.True(problems.Count == 0, $"{resource.TypeName}/{resource.Id}: {string.Join("; ", problems.Select(p => p.Details?.Text ?? p.Diagnostics))}");
            }

            Assert.DoesNotContain("FR01-SECRET-7", text);
            Assert.DoesNotContain("itchy", text);
        }

        var medication = await FileAsync(status, "MedicationAdministration.ndjson");
        Assert.Contains("\"effectiveDateTime\":\"2000-01-01\"", medication);
        Assert.Contains("shifted", status["manifest"]!["deIdentification"]!.GetValue<string>());
    }

    [Fact]
    public async Task bad_requests_are_400_and_another_researchers_export_is_404()
    {
        var errors = await (await Researcher.PostAsync("/api/exports", Request(format: "xlsx"), 400)).ValidationErrorsAsync();
        Assert.Contains("format", errors.Keys);
        errors = await (await Researcher.PostAsync("/api/exports", Request(sequence: 10_000_000), 400)).ValidationErrorsAsync();
        Assert.Contains("asOf.sequence", errors.Keys);
        var unknown = Request();
        unknown["cohort"]!["diseaseCodes"] = new JsonArray("flu");
        Assert.Contains("cohort.diseaseCodes[0]", (await (await Researcher.PostAsync("/api/exports", unknown, 400)).ValidationErrorsAsync()).Keys);

        var status = await ExportAsync(Request());
        await App.AsUser("researcher2", Roles.Researcher).GetAsync($"/api/exports/{status["exportId"]}", 404);
        await App.AsUser("researcher2", Roles.Researcher).GetAsync($"/api/exports/{status["exportId"]}/files/dm.csv", 404);
    }

    [Fact]
    public async Task every_export_and_download_is_on_record()
    {
        var status = await ExportAsync(Request());
        await FileAsync(status, "dm.csv");

        // Newest first.
        var audit = await App.Admin.GetJsonArrayAsync("/api/audit?userId=researcher1");
        Assert.Equal(["download", "export"], audit.Select(e => e!["action"]!.GetValue<string>()));
        Assert.All(audit, e => Assert.Equal(status["exportId"]!.GetValue<Guid>(), e!["exportId"]!.GetValue<Guid>()));
    }

    private static List<string> Hashes(JsonObject status) =>
        status["manifest"]!["files"]!.AsArray().Select(f => $"{f!["name"]}:{f["sha256"]}").ToList();

    /// <summary>
    /// A saved cohort definition: named, shared among researchers, versioned (an earlier version stays as it was); an export
    /// that names a version takes that version's cohort, and its manifest and the researcher's export list say which.
    /// </summary>
    [Fact]
    public async Task an_export_of_a_saved_definitions_version_says_which_in_its_manifest()
    {
        var enrolment = Requests.Enrolment("FR01", "FR01-OTHER-8");
        enrolment["diseaseCode"] = "ra";
        await Nurse.EnrolAsync(enrolment);
        await App.WaitForProjectionsAsync();

        var saved = JsonNode.Parse(await (await Researcher.PostAsync("/api/cohort-definitions", new JsonObject
        {
            ["name"] = "Lupus, all sites",
            ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("sle") },
            ["note"] = "first cut",
        }, 201)).ReadAsTextAsync())!;
        var id = saved["definitionId"]!.GetValue<Guid>();
        Assert.Equal(1, saved["version"]!.GetValue<int>());
        // Another researcher sees it and saves version 2: lupus and RA.
        var colleague = App.AsUser("researcher2", Roles.Researcher);
        Assert.Contains((await colleague.GetJsonArrayAsync("/api/cohort-definitions")), d => d!["definitionId"]!.GetValue<Guid>() == id);
        await colleague.PostAsync($"/api/cohort-definitions/{id}/versions", new JsonObject
        {
            ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("sle", "ra") },
        }, 201);
        // The same name in another case or spacing is taken; a name is required, and visible; a version of no definition is a 404.
        await colleague.PostAsync("/api/cohort-definitions", new JsonObject { ["name"] = " LUPUS,\u00A0ALL   SITES" }, 409);
        Assert.Contains("name", (await (await colleague.PostAsync("/api/cohort-definitions",
            new JsonObject { ["name"] = "Lupus\u200B" }, 400)).ValidationErrorsAsync()).Keys);
        Assert.Contains("name", (await (await colleague.PostAsync("/api/cohort-definitions", new JsonObject(), 400)).ValidationErrorsAsync()).Keys);
        Assert.Contains("cohort.diseaseCodes[0]", (await (await colleague.PostAsync($"/api/cohort-definitions/{id}/versions",
            new JsonObject { ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("nope") } }, 400)).ValidationErrorsAsync()).Keys);
        await colleague.PostAsync($"/api/cohort-definitions/{Guid.NewGuid()}/versions", new JsonObject(), 404);

        var detail = await Researcher.GetJsonAsync($"/api/cohort-definitions/{id}");
        Assert.Equal([1, 2], detail["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal(["researcher1", "researcher2"], detail["versions"]!.AsArray().Select(v => v!["savedBy"]!.GetValue<string>()));
        Assert.Equal("first cut", detail["versions"]![0]!["note"]!.GetValue<string>());

        JsonObject FromDefinition(int? version)
        {
            var request = Request();
            request.Remove("cohort");
            request["cohortDefinition"] = new JsonObject { ["definitionId"] = id, ["version"] = version };
            return request;
        }

        var first = await ExportAsync(FromDefinition(1));
        var latest = await ExportAsync(FromDefinition(null));
        Assert.Equal((id, "Lupus, all sites", 1), Reference(first["manifest"]!["cohortDefinition"]!));
        Assert.Equal((id, "Lupus, all sites", 2), Reference(latest["manifest"]!["cohortDefinition"]!));
        Assert.Equal(1, first["manifest"]!["locks"]!["records"]!.GetValue<int>());
        Assert.Equal(2, latest["manifest"]!["locks"]!["records"]!.GetValue<int>());
        // The run's progress, kept on the export: every patient of the cohort written.
        Assert.Equal((2, 2), (latest["progress"]!["patients"]!.GetValue<int>(), latest["progress"]!["of"]!.GetValue<int>()));

        var errors = await (await Researcher.PostAsync("/api/exports", FromDefinition(3), 400)).ValidationErrorsAsync();
        Assert.Contains("cohortDefinition.version", errors.Keys);
        var both = FromDefinition(1);
        both["cohort"] = new JsonObject();
        Assert.Contains("cohortDefinition", (await (await Researcher.PostAsync("/api/exports", both, 400)).ValidationErrorsAsync()).Keys);

        // The researcher's exports, newest first, each saying what it was; a colleague's list does not have them.
        var mine = await Researcher.GetJsonArrayAsync("/api/exports");
        Assert.Equal([latest["exportId"]!.GetValue<Guid>(), first["exportId"]!.GetValue<Guid>()],
            mine.Take(2).Select(e => e!["exportId"]!.GetValue<Guid>()));
        Assert.Equal(1, mine[1]!["cohortDefinition"]!["version"]!.GetValue<int>());
        Assert.Equal("done", mine[1]!["status"]!.GetValue<string>());
        Assert.Empty(await colleague.GetJsonArrayAsync("/api/exports"));
    }

    private static (Guid, string, int) Reference(JsonNode node) =>
        (node["definitionId"]!.GetValue<Guid>(), node["name"]!.GetValue<string>(), node["version"]!.GetValue<int>());
}
