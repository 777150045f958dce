using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Patients;

/// <summary>
/// Amendments of the enrolment: a transfer seen from both sites (the old one loses access; figures, worklist and export
/// follow the patient), a corrected therapy line moving the patient between the stand-alone and add-on figures, a
/// duplicate enrolment voided out of every figure, a regimen change and a medication stopped as events of their own.
/// Today is 2026-11-29.
/// </summary>
public sealed class AmendmentTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Paris => App.AsUser("nurse1", Roles.Site, "FR01");

    private ApiClient Berlin => App.AsUser("nurse2", Roles.Site, "DE01");

    private ApiClient Monitor => App.AsUser("monitor1", Roles.Monitor);

    private Guid _patientId;
    private Guid _medication;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.RegisterSiteAsync("DE01", "Europe/Berlin");
        _patientId = await Paris.EnrolAsync(Requests.Enrolment());
        var visit = await Paris.PostAsync($"/api/patients/{_patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-03-09",
            ["doses"] = new JsonArray(new JsonObject { ["givenOn"] = "2026-03-09", ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "induction" }),
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = "2026-03-09", ["tregPercentOfCd4"] = 4.0, ["gating"] = "cd4-cd25-foxp3" }),
            ["conmeds"] = new JsonArray(new JsonObject { ["drug"] = "prednisone", ["drugClass"] = "corticosteroid", ["dose"] = 10, ["unit"] = "mg/day", ["startedOn"] = "2026-01-10" }),
        }, 201);
        _medication = JsonNode.Parse(await visit.ReadAsTextAsync())!["entryIds"]![2]!.GetValue<Guid>();
    }

    private async Task<JsonObject> CohortAsync(string query = "")
    {
        await App.WaitForProjectionsAsync();
        return await App.As(Roles.Researcher).GetJsonAsync("/api/cohorts/sle" + query);
    }

    [Fact]
    public async Task a_transfer_moves_the_patient_and_its_figures_and_the_old_site_loses_access()
    {
        Assert.Equal(1, (await CohortAsync("?siteId=FR01"))["enrolled"]!.GetValue<int>());
        var transfer = new JsonObject
        {
            ["toSiteId"] = "DE01",
            ["subjectCode"] = "DE01-0042",
            ["transferredOn"] = "2026-11-20",
            ["reason"] = "moved to Berlin",
        };
        // Sites cannot move patients; a monitor can.
        await Paris.PostAsync($"/api/patients/{_patientId}/transfer", transfer, 403);
        await Monitor.PostAsync($"/api/patients/{_patientId}/transfer", transfer, 201);

        // The old site: no record, no write, no list entry, no worklist row.
        await Paris.GetAsync($"/api/patients/{_patientId}", 404);
        await Paris.PostAsync($"/api/patients/{_patientId}/visits", new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = "2026-11-25" }, 404);
        Assert.Empty(await Paris.GetJsonArrayAsync("/api/patients"));
        Assert.Empty((await Paris.GetJsonAsync("/api/worklist"))["patients"]!.AsArray());

        // The new site: the record with its whole history, under its own subject code.
        var record = await Berlin.GetJsonAsync($"/api/patients/{_patientId}");
        Assert.Equal("DE01", record["siteId"]!.GetValue<string>());
        Assert.Equal("DE01-0042", record["subjectCode"]!.GetValue<string>());
        Assert.Equal(3, record["entries"]!.AsArray().Count);
        var amendment = record["amendments"]!.AsArray().Single()!;
        Assert.Equal("transferred", amendment["kind"]!.GetValue<string>());
        Assert.Equal("FR01", amendment["changes"]!["fromSiteId"]!.GetValue<string>());
        Assert.Equal(_patientId, (await Berlin.GetJsonAsync("/api/worklist"))["patients"]![0]!["patientId"]!.GetValue<Guid>());
        await Berlin.PostAsync($"/api/patients/{_patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-25",
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = "2026-11-25", ["tregPercentOfCd4"] = 6.0, ["gating"] = "cd4-cd25-foxp3" }),
        }, 201);

        // The figures follow the patient.
        Assert.Equal(0, (await CohortAsync("?siteId=FR01"))["enrolled"]!.GetValue<int>());
        Assert.Equal(1, (await CohortAsync("?siteId=DE01"))["enrolled"]!.GetValue<int>());
        var dm = (await App.ExportFileAsync("dm.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(",DE01,", dm[1][dm[1].IndexOf(',', StringComparison.Ordinal)..(dm[1].IndexOf(",sle", StringComparison.Ordinal) + 1)]);

        // Back to Paris under its old code (the claim is still the patient's).
        await Monitor.PostAsync($"/api/patients/{_patientId}/transfer", new JsonObject
        {
            ["toSiteId"] = "FR01",
            ["subjectCode"] = "FR01-0007",
            ["transferredOn"] = "2026-11-26",
            ["reason"] = "came back",
        }, 201);
        Assert.Equal("FR01-0007", (await Paris.GetJsonAsync($"/api/patients/{_patientId}"))["subjectCode"]!.GetValue<string>());
        await Berlin.GetAsync($"/api/patients/{_patientId}", 404);

        // The subject code is taken at the new site; a second transfer to where it is, or to a site that does not exist, is 400.
        var second = await Paris.EnrolAsync(Requests.Enrolment("FR01", "FR01-0008"));
        var refused = await Monitor.PostAsync($"/api/patients/{second}/transfer", new JsonObject
        {
            ["toSiteId"] = "DE01",
            ["subjectCode"] = "DE01-0042",
            ["transferredOn"] = "2026-11-20",
            ["reason"] = "x",
        }, 400);
        Assert.Contains("subjectCode", (await refused.ValidationErrorsAsync()).Keys);
        var nowhere = await Monitor.PostAsync($"/api/patients/{second}/transfer", new JsonObject
        {
            ["toSiteId"] = "XX\u0000",
            ["subjectCode"] = "X",
            ["transferredOn"] = "2099-01-01",
            ["reason"] = "x",
        }, 400);
        Assert.Contains("toSiteId", (await nowhere.ValidationErrorsAsync()).Keys);
    }

    [Fact]
    public async Task a_corrected_therapy_line_moves_the_patient_between_the_standalone_and_addon_figures()
    {
        Assert.Equal(1, (await CohortAsync("?therapyLine=standalone"))["enrolled"]!.GetValue<int>());
        await Paris.PostAsync($"/api/patients/{_patientId}/enrolment/corrections", new JsonObject
        {
            ["changes"] = new JsonObject { ["therapyLine"] = "addon", ["birthYear"] = 1948 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "the referral letter says add-on to methotrexate; born 1948",
        }, 201);
        Assert.Equal(0, (await CohortAsync("?therapyLine=standalone"))["enrolled"]!.GetValue<int>());
        Assert.Equal(1, (await CohortAsync("?therapyLine=addon"))["enrolled"]!.GetValue<int>());
        var record = await Paris.GetJsonAsync($"/api/patients/{_patientId}");
        Assert.Equal("addon", record["therapyLine"]!.GetValue<string>());
        Assert.Equal(1948, record["birthYear"]!.GetValue<int>());
        var amendment = record["amendments"]!.AsArray().Single()!;
        Assert.Equal("transcription-error", amendment["reasonCode"]!.GetValue<string>());

        // Hostile or wrong changes: 400 naming each, nothing written.
        var errors = await (await Paris.PostAsync($"/api/patients/{_patientId}/enrolment/corrections", new JsonObject
        {
            ["changes"] = new JsonObject
            {
                ["siteId"] = "DE01",
                ["birthYear"] = "1950",
                ["enrolledOn"] = "2026-13-01",
                ["colour"] = "blue",
                ["sex"] = 3,
            },
            ["reasonCode"] = "whim",
            ["reason"] = "",
        }, 400)).ValidationErrorsAsync();
        Assert.Equal(
            ["changes.birthYear", "changes.colour", "changes.enrolledOn", "changes.sex", "changes.siteId", "reason", "reasonCode"],
            errors.Keys.Order());
        var later = await (await Paris.PostAsync($"/api/patients/{_patientId}/enrolment/corrections", new JsonObject
        {
            ["changes"] = new JsonObject { ["enrolledOn"] = "2026-03-20", ["diseaseCode"] = "nope" },
            ["reasonCode"] = "other",
            ["reason"] = "x",
        }, 400)).ValidationErrorsAsync();
        Assert.Contains("changes.enrolledOn", later.Keys); // after the first dose
        Assert.Contains("changes.diseaseCode", later.Keys);
        Assert.Single((await Paris.GetJsonAsync($"/api/patients/{_patientId}"))["amendments"]!.AsArray());
    }

    [Fact]
    public async Task a_voided_duplicate_leaves_every_figure_list_and_export_and_takes_no_more_writes()
    {
        var duplicate = await Paris.EnrolAsync(Requests.Enrolment("FR01", "FR01-0099"));
        Assert.Equal(2, (await CohortAsync())["enrolled"]!.GetValue<int>());
        var errors = await (await Paris.PostAsync($"/api/patients/{duplicate}/enrolment/void",
            new JsonObject { ["duplicateOf"] = duplicate, ["reason"] = "" }, 400)).ValidationErrorsAsync();
        Assert.Equal(["duplicateOf", "reason"], errors.Keys.Order());

        // An SAE in force moves first: the void is refused until its entry is voided here.
        var sae = Requests.AdverseEvent(Guid.NewGuid());
        sae["seriousCriteria"] = new JsonArray("hospitalisation");
        var visit = await Paris.PostAsync($"/api/patients/{duplicate}/visits",
            new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = "2026-11-20", ["adverseEvents"] = new JsonArray(sae) }, 201);
        var saeEntry = JsonNode.Parse(await visit.ReadAsTextAsync())!["entryIds"]![0]!.GetValue<Guid>();
        var voidBody = new JsonObject { ["duplicateOf"] = _patientId, ["reason"] = "the same patient as FR01-0007" };
        await Paris.PostAsync($"/api/patients/{duplicate}/enrolment/void", voidBody, 409);
        await Paris.PostAsync($"/api/patients/{duplicate}/voids", new JsonObject { ["entryId"] = saeEntry, ["reason"] = "recorded on FR01-0007" }, 201);
        await Paris.PostAsync($"/api/patients/{duplicate}/enrolment/void", voidBody, 201);

        Assert.Equal(1, (await CohortAsync())["enrolled"]!.GetValue<int>());
        var record = await Paris.GetJsonAsync($"/api/patients/{duplicate}");
        Assert.Equal("voided", record["status"]!.GetValue<string>());
        Assert.DoesNotContain((await Paris.GetJsonAsync("/api/worklist"))["patients"]!.AsArray(),
            p => p!["patientId"]!.GetValue<Guid>() == duplicate && p["due"]!.AsArray().Count > 0);
        var refused = await Paris.PostAsync($"/api/patients/{duplicate}/visits",
            new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = "2026-11-25" }, 409);
        Assert.Contains("voided", await refused.ReadAsTextAsync());
        await Paris.PostAsync($"/api/patients/{duplicate}/enrolment/void", voidBody, 409);
        Assert.Equal(2, (await App.ExportFileAsync("dm.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task a_regimen_change_and_a_medication_stop_are_events_of_their_own()
    {
        await Paris.PostAsync($"/api/patients/{_patientId}/regimen", new JsonObject
        {
            ["inductionDays"] = 5,
            ["maintenanceIntervalDays"] = 28,
            ["changedOn"] = "2026-06-01",
            ["reason"] = "stable remission",
        }, 201);
        await Paris.PostAsync($"/api/patients/{_patientId}/regimen", new JsonObject
        {
            ["inductionDays"] = 5,
            ["maintenanceIntervalDays"] = 28,
            ["changedOn"] = "2026-06-02",
            ["reason"] = "again",
        }, 400);
        var errors = await (await Paris.PostAsync($"/api/patients/{_patientId}/regimen", new JsonObject
        {
            ["inductionDays"] = 99,
            ["maintenanceIntervalDays"] = 0,
            ["changedOn"] = "2027-01-01",
            ["reason"] = "x",
        }, 400)).ValidationErrorsAsync();
        Assert.Equal(["changedOn", "inductionDays", "maintenanceIntervalDays"], errors.Keys.Order());

        await Paris.PostAsync($"/api/patients/{_patientId}/medication-stops", new JsonObject
        {
            ["entryId"] = _medication,
            ["stoppedOn"] = "2025-12-01",
            ["reason"] = "remission",
        }, 400); // before it started
        await Paris.PostAsync($"/api/patients/{_patientId}/medication-stops", new JsonObject
        {
            ["entryId"] = _medication,
            ["stoppedOn"] = "2026-07-01",
            ["reason"] = "remission",
        }, 201);
        await Paris.PostAsync($"/api/patients/{_patientId}/medication-stops", new JsonObject
        {
            ["entryId"] = _medication,
            ["stoppedOn"] = "2026-07-02",
            ["reason"] = "again",
        }, 400);

        var record = await Paris.GetJsonAsync($"/api/patients/{_patientId}");
        Assert.Equal(28, record["regimen"]!["maintenanceIntervalDays"]!.GetValue<int>());
        Assert.Equal("2026-07-01", record["entries"]!.AsArray().Single(e => e!["kind"]!.GetValue<string>() == "conmed")!["data"]!["stoppedOn"]!.GetValue<string>());
        var history = await Paris.GetJsonAsync($"/api/patients/{_patientId}/entries/{_medication}/history");
        Assert.Equal(["recorded", "stopped"], history["versions"]!.AsArray().Select(v => v!["action"]!.GetValue<string>()));
        Assert.Equal(["regimen-changed"], record["amendments"]!.AsArray().Select(a => a!["kind"]!.GetValue<string>()));
    }
}
