using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Patients;

/// <summary>
/// The monitor's work on a record: data queries (open, answer with or without a correction, close, re-open), source
/// data verification and its coverage, and the record lock that refuses the site's writes. Today is 2026-11-29.
/// </summary>
public sealed class MonitoringTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    private ApiClient Monitor => App.AsUser("monitor1", Roles.Monitor);

    private Guid _patientId;
    private Guid _day8Sample;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.RegisterSiteAsync("DE01");
        _patientId = await Nurse.EnrolAsync(Requests.Enrolment());
        await Nurse.PostAsync($"/api/patients/{_patientId}/visits", Visit("2026-03-09", 4.0m, dose: true), 201);
        // Day 8: 5.0 % against a baseline of 4.0 %, a fold change of 1.25: not a responder.
        var day8 = await Nurse.PostAsync($"/api/patients/{_patientId}/visits", Visit("2026-03-16", 5.0m), 201);
        _day8Sample = JsonNode.Parse(await day8.ReadAsTextAsync())!["entryIds"]![0]!.GetValue<Guid>();
    }

    private static JsonObject Visit(string date, decimal treg, bool dose = false)
    {
        var visit = new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = date,
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = date, ["tregPercentOfCd4"] = treg, ["gating"] = "cd4-cd25-foxp3" }),
        };
        if (dose)
        {
            visit["doses"] = new JsonArray(new JsonObject { ["givenOn"] = date, ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "induction" });
        }

        return visit;
    }

    private async Task<Guid> OpenQueryAsync(string field = "$.tregPercentOfCd4", string text = "5.0 % looks low against the lab report")
    {
        var opened = await Monitor.PostAsync($"/api/patients/{_patientId}/queries",
            new JsonObject { ["entryId"] = _day8Sample, ["field"] = field, ["text"] = text }, 201);
        return JsonNode.Parse(await opened.ReadAsTextAsync())!["queryId"]!.GetValue<Guid>();
    }

    [Fact]
    public async Task a_query_answered_with_a_correction_changes_the_cohort_figure_in_the_same_step()
    {
        await App.WaitForProjectionsAsync();
        var before = await App.As(Roles.Researcher).GetJsonAsync("/api/cohorts/sle");
        Assert.Equal(0, before["treg"]!["responders"]!.GetValue<int>());

        var queryId = await OpenQueryAsync();
        var answer = await Nurse.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/answers", new JsonObject
        {
            ["text"] = "Checked against the lab report: 8.0 %, a transcription error.",
            ["correction"] = new JsonObject
            {
                ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 8.0 },
                ["reasonCode"] = "transcription-error",
                ["reason"] = "lab report of 16 March",
            },
        }, 201);
        Assert.Equal("answered", JsonNode.Parse(await answer.ReadAsTextAsync())!["status"]!.GetValue<string>());

        // 8.0 / 4.0 = 2.0: a responder now.
        await App.WaitForProjectionsAsync();
        var after = await App.As(Roles.Researcher).GetJsonAsync("/api/cohorts/sle");
        Assert.Equal(1, after["treg"]!["responders"]!.GetValue<int>());

        var record = await Monitor.GetJsonAsync($"/api/patients/{_patientId}");
        var query = record["queries"]!.AsArray().Single()!;
        Assert.Equal(["opened", "answered"], query["thread"]!.AsArray().Select(s => s!["step"]!.GetValue<string>()));
        Assert.True(query["thread"]![1]!["corrected"]!.GetValue<bool>());
        Assert.Equal("nurse1", query["thread"]![1]!["by"]!.GetValue<string>());
        Assert.Equal(8.0m, record["entries"]!.AsArray().Single(e => e!["entryId"]!.GetValue<Guid>() == _day8Sample)!["data"]!["tregPercentOfCd4"]!.GetValue<decimal>());

        // A correction that does not hold: nothing is written, the problem is named under correction.
        var second = await OpenQueryAsync("sampledOn", "date?");
        var refused = await Nurse.PostAsync($"/api/patients/{_patientId}/queries/{second}/answers", new JsonObject
        {
            ["text"] = "moved",
            ["correction"] = new JsonObject { ["changes"] = new JsonObject { ["sampledOn"] = "1850-01-01" }, ["reasonCode"] = "transcription-error", ["reason"] = "x" },
        }, 400);
        Assert.Contains("correction.changes.sampledOn", (await refused.ValidationErrorsAsync()).Keys);
    }

    [Fact]
    public async Task a_query_goes_open_answered_reopened_answered_closed_and_the_lists_follow_it()
    {
        var queryId = await OpenQueryAsync();
        App.Clock.Advance(TimeSpan.FromDays(3));

        // The site's list: what waits on the site, oldest first, with its age; another site's nurse sees none of it.
        var waiting = await Nurse.GetJsonArrayAsync("/api/queries");
        var item = Assert.Single(waiting)!;
        Assert.Equal(queryId, item["queryId"]!.GetValue<Guid>());
        Assert.Equal(3, item["ageDays"]!.GetValue<int>());
        Assert.Equal("$.tregPercentOfCd4", item["field"]!.GetValue<string>());
        Assert.Equal("treg", item["entryKind"]!.GetValue<string>());
        Assert.Empty(await App.AsUser("nurse2", Roles.Site, "DE01").GetJsonArrayAsync("/api/queries"));
        var worklist = await Nurse.GetJsonAsync("/api/worklist");
        Assert.Equal(queryId, worklist["openQueries"]!.AsArray().Single()!["queryId"]!.GetValue<Guid>());
        await App.AsUser("nurse2", Roles.Site, "DE01").GetAsync("/api/queries?siteId=FR01", 403);
        await App.AsUser("nurse2", Roles.Site, "DE01").PostAsync(
            $"/api/patients/{_patientId}/queries/{queryId}/answers", new JsonObject { ["text"] = "x" }, 404);

        await Nurse.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/answers", new JsonObject { ["text"] = "5.0 % is right." }, 201);
        await Nurse.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/answers", new JsonObject { ["text"] = "again" }, 409);
        Assert.Equal("answered", (await Monitor.GetJsonArrayAsync("/api/queries?status=answered")).Single()!["status"]!.GetValue<string>());

        await Monitor.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/reopening", new JsonObject { ["text"] = "The lab report says 8.0 %." }, 201);
        await Nurse.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/answers", new JsonObject { ["text"] = "Indeed: see the correction." }, 201);
        await Monitor.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/closure", new JsonObject(), 201);
        await Monitor.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/closure", new JsonObject(), 409);

        Assert.Empty(await Monitor.GetJsonArrayAsync("/api/queries"));
        var closed = Assert.Single(await Monitor.GetJsonArrayAsync("/api/queries?status=all"))!;
        Assert.Equal("closed", closed["status"]!.GetValue<string>());
        Assert.Equal("closed", closed["last"]!["step"]!.GetValue<string>());
        await Monitor.GetAsync("/api/queries?status=whatever", 400);
    }

    [Fact]
    public async Task queries_are_refused_when_they_name_no_field_of_the_entry_or_come_from_the_wrong_role()
    {
        var errors = await (await Monitor.PostAsync($"/api/patients/{_patientId}/queries",
            new JsonObject { ["entryId"] = _day8Sample, ["field"] = "$.colour", ["text"] = "?" }, 400)).ValidationErrorsAsync();
        Assert.Contains("field", errors.Keys);
        await Monitor.PostAsync($"/api/patients/{_patientId}/queries",
            new JsonObject { ["entryId"] = _day8Sample, ["field"] = "$.tregPercentOfCd4[3].a", ["text"] = "?" }, 400);
        await Monitor.PostAsync($"/api/patients/{_patientId}/queries",
            new JsonObject { ["entryId"] = _day8Sample, ["field"] = "x'); drop table", ["text"] = "?" }, 400);
        await Monitor.PostAsync($"/api/patients/{_patientId}/queries",
            new JsonObject { ["entryId"] = Guid.NewGuid(), ["field"] = "$.tregPercentOfCd4", ["text"] = "?" }, 400);
        await Monitor.PostAsync($"/api/patients/{_patientId}/queries",
            new JsonObject { ["entryId"] = _day8Sample, ["field"] = "$.tregPercentOfCd4", ["text"] = new string('x', 2_001) }, 400);
        await Nurse.PostAsync($"/api/patients/{_patientId}/queries",
            new JsonObject { ["entryId"] = _day8Sample, ["field"] = "$.tregPercentOfCd4", ["text"] = "?" }, 403);
        await Monitor.PostAsync($"/api/patients/{_patientId}/queries/{Guid.NewGuid()}/answers", new JsonObject { ["text"] = "?" }, 403);
        await Nurse.PostAsync($"/api/patients/{_patientId}/queries/{Guid.NewGuid()}/answers", new JsonObject { ["text"] = "?" }, 404);
        Assert.Empty((await Monitor.GetJsonAsync($"/api/patients/{_patientId}"))["queries"]!.AsArray());
    }

    [Fact]
    public async Task a_verified_entry_is_cleared_by_a_correction_and_the_coverage_follows()
    {
        await Monitor.PostAsync($"/api/patients/{_patientId}/verifications", new JsonObject { ["entryId"] = _day8Sample, ["revision"] = 1 }, 201);
        await Monitor.PostAsync($"/api/patients/{_patientId}/verifications", new JsonObject { ["entryId"] = _day8Sample, ["revision"] = 1 }, 409);
        await Monitor.PostAsync($"/api/patients/{_patientId}/verifications", new JsonObject { ["entryId"] = _day8Sample }, 400);
        var coverage = await Monitor.GetJsonAsync("/api/verification");
        var site = coverage["sites"]!.AsArray().Single()!;
        // Three entries in force (a dose and two samples), one verified.
        Assert.Equal(3, site["entries"]!.GetValue<int>());
        Assert.Equal(1, site["verified"]!.GetValue<int>());
        Assert.Equal(0.3333, site["share"]!.GetValue<double>());

        await Nurse.PostAsync($"/api/patients/{_patientId}/corrections", new JsonObject
        {
            ["entryId"] = _day8Sample,
            ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 5.5 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "lab report",
        }, 201);
        Assert.Equal(0, (await Monitor.GetJsonAsync("/api/verification"))["patients"]![0]!["verified"]!.GetValue<int>());
        // The monitor had checked revision 1; the entry is at 2 now.
        var stale = await Monitor.PostAsync($"/api/patients/{_patientId}/verifications", new JsonObject { ["entryId"] = _day8Sample, ["revision"] = 1 }, 409);
        Assert.Contains("revision 2", await stale.ReadAsTextAsync());
        await Monitor.PostAsync($"/api/patients/{_patientId}/verifications", new JsonObject { ["entryId"] = _day8Sample, ["revision"] = 2 }, 201);
        var verified = (await Monitor.GetJsonAsync($"/api/patients/{_patientId}"))["verified"]![_day8Sample.ToString()]!;
        Assert.Equal(2, verified["revision"]!.GetValue<int>());
        Assert.Equal("monitor1", verified["by"]!.GetValue<string>());
        await Nurse.GetAsync("/api/verification", 403);
    }

    [Fact]
    public async Task a_locked_record_refuses_the_sites_writes_with_409_naming_the_lock_until_it_is_unlocked_with_a_reason()
    {
        await Monitor.PostAsync($"/api/patients/{_patientId}/lock", new JsonObject(), 400);
        await Monitor.PostAsync($"/api/patients/{_patientId}/lock", new JsonObject { ["reason"] = "cleaned for the interim analysis" }, 201);
        await Monitor.PostAsync($"/api/patients/{_patientId}/lock", new JsonObject { ["reason"] = "again" }, 409);

        var refused = await Nurse.PostAsync($"/api/patients/{_patientId}/visits", Visit("2026-03-23", 6.0m), 409);
        var problem = JsonNode.Parse(await refused.ReadAsTextAsync())!;
        Assert.Equal("This patient's record is locked.", problem["title"]!.GetValue<string>());
        Assert.Contains("monitor1", problem["detail"]!.GetValue<string>());
        Assert.Contains("cleaned for the interim analysis", problem["detail"]!.GetValue<string>());
        await Nurse.PostAsync($"/api/patients/{_patientId}/corrections", new JsonObject
        {
            ["entryId"] = _day8Sample,
            ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 5.5 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "x",
        }, 409);
        // The monitor's own steps go on (a query can be opened), and the site may answer it, but not with a correction.
        var queryId = await OpenQueryAsync();
        await Nurse.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/answers", new JsonObject
        {
            ["text"] = "8.0 %",
            ["correction"] = new JsonObject { ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 8.0 }, ["reasonCode"] = "transcription-error", ["reason"] = "x" },
        }, 409);
        await Nurse.PostAsync($"/api/patients/{_patientId}/queries/{queryId}/answers", new JsonObject { ["text"] = "5.0 % is right." }, 201);
        var record = await Monitor.GetJsonAsync($"/api/patients/{_patientId}");
        Assert.Equal("monitor1", record["lock"]!["by"]!.GetValue<string>());

        await Nurse.PostAsync($"/api/patients/{_patientId}/unlock", new JsonObject { ["reason"] = "late result" }, 403);
        await Monitor.PostAsync($"/api/patients/{_patientId}/unlock", new JsonObject(), 400);
        await Monitor.PostAsync($"/api/patients/{_patientId}/unlock", new JsonObject { ["reason"] = "a late lab result to enter" }, 201);
        await Monitor.PostAsync($"/api/patients/{_patientId}/unlock", new JsonObject { ["reason"] = "again" }, 409);
        await Nurse.PostAsync($"/api/patients/{_patientId}/visits", Visit("2026-03-23", 6.0m), 201);

        // An admin may lock too (a cohort frozen for an analysis); a pv officer may not.
        await App.Admin.PostAsync($"/api/patients/{_patientId}/lock", new JsonObject { ["reason"] = "frozen" }, 201);
        await App.AsUser("pv1", Roles.Pv).PostAsync($"/api/patients/{_patientId}/unlock", new JsonObject { ["reason"] = "x" }, 403);
    }

    [Fact]
    public async Task a_cohort_locked_up_to_a_date_refuses_its_visits_and_the_export_manifest_names_its_locked_records()
    {
        // A second SLE patient enrolled later, outside the lock's date.
        var later = await Nurse.EnrolAsync(Requests.Enrolment("FR01", "FR01-0500", "2026-10-01"));
        var body = new JsonObject
        {
            ["diseaseCode"] = "sle",
            ["siteId"] = "FR01",
            ["enrolledTo"] = "2026-06-30",
            ["reason"] = "2026 interim analysis",
        };
        await Nurse.PostAsync("/api/cohort-locks", body, 403);
        var errors = await (await Monitor.PostAsync("/api/cohort-locks", new JsonObject
        {
            ["diseaseCode"] = "nope",
            ["siteId"] = "XX",
            ["therapyLine"] = "sideways",
            ["reason"] = "",
        }, 400)).ValidationErrorsAsync();
        Assert.Equal(["diseaseCode", "enrolledTo", "reason", "siteId", "therapyLine"], errors.Keys.Order());

        var locked = JsonNode.Parse(await (await Monitor.PostAsync("/api/cohort-locks", body, 201)).ReadAsTextAsync())!;
        Assert.Equal(1, locked["locked"]!.GetValue<int>());
        await Nurse.PostAsync($"/api/patients/{_patientId}/visits", Visit("2026-11-20", 6.0m), 409);
        await Nurse.PostAsync($"/api/patients/{later}/visits", Visit("2026-11-20", 6.0m), 201);

        // Again: nothing more to lock.
        var again = JsonNode.Parse(await (await Monitor.PostAsync("/api/cohort-locks", body, 201)).ReadAsTextAsync())!;
        Assert.Equal(0, again["locked"]!.GetValue<int>());
        Assert.Equal(1, again["alreadyLocked"]!.GetValue<int>());

        var manifest = (await App.ExportAsync())["manifest"]!["locks"]!;
        Assert.Equal(2, manifest["records"]!.GetValue<int>());
        Assert.Equal(1, manifest["locked"]!.GetValue<int>());
        var dm = (await App.ExportFileAsync("dm.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0]);
        Assert.Contains(manifest["lockedKeys"]![0]!.GetValue<string>(), dm);
    }

    [Fact]
    public async Task the_catalogue_s_rules_open_queries_on_a_treg_result_without_baseline_and_a_score_beyond_its_usual_change()
    {
        // A second patient dosed first, sampled only after: no baseline.
        var other = await Nurse.EnrolAsync(Requests.Enrolment("FR01", "FR01-0600"));
        await Nurse.PostAsync($"/api/patients/{other}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-03-09",
            ["doses"] = new JsonArray(new JsonObject { ["givenOn"] = "2026-03-09", ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "induction" }),
            ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = "2026-03-09", ["instrument"] = "cgi-s", ["value"] = 6 }),
        }, 201);
        await Nurse.PostAsync($"/api/patients/{other}/visits", Visit("2026-03-16", 5.0m), 201);
        // CGI-S runs 1 to 7: the usual change is half its range, 3; 6 to 2 is a change of 4.
        await Nurse.PostAsync($"/api/patients/{other}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-04-06",
            ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = "2026-04-06", ["instrument"] = "cgi-s", ["value"] = 2 }),
        }, 201);

        var queries = (await Nurse.GetJsonArrayAsync("/api/queries")).Where(q => q!["patientId"]!.GetValue<Guid>() == other).ToList();
        Assert.Equal(["$.tregPercentOfCd4", "$.value"], queries.Select(q => q!["field"]!.GetValue<string>()));
        Assert.All(queries, q => Assert.StartsWith("registry (", q!["openedBy"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Contains("changed by -4 since the previous one (6 on 2026-03-09), more than the usual change of 3",
            queries[1]!["last"]!["text"]!.GetValue<string>());

        // The first patient had its baseline: its day-8 result raised nothing.
        Assert.DoesNotContain(await Monitor.GetJsonArrayAsync("/api/queries"), q => q!["patientId"]!.GetValue<Guid>() == _patientId);
    }
}
