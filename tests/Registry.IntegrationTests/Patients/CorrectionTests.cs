using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Patients;

/// <summary>Corrections, voids, follow-ups, withdrawal and completion, as the timeline and the history show them.</summary>
public sealed class CorrectionTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    private Guid _patientId;
    private Guid _doseId;
    private Guid _aeId;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01", "Europe/Paris");
        _patientId = await Nurse.EnrolAsync(Requests.Enrolment());
        _aeId = Guid.NewGuid();
        var visit = new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-20",
            ["doses"] = new JsonArray(new JsonObject { ["givenOn"] = "2026-11-20", ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "induction" }),
            ["adverseEvents"] = new JsonArray(Requests.AdverseEvent(_aeId)),
        };
        var result = await Nurse.PostAsync($"/api/patients/{_patientId}/visits", visit, 201);
        _doseId = JsonNode.Parse(await result.ReadAsTextAsync())!["entryIds"]![0]!.GetValue<Guid>();
    }

    private string Url(string what) => $"/api/patients/{_patientId}/{what}";

    private static JsonObject Correction(Guid entryId, JsonObject changes, string reasonCode = "transcription-error", string reason = "copied from the wrong line") => new()
    {
        ["entryId"] = entryId,
        ["changes"] = changes,
        ["reasonCode"] = reasonCode,
        ["reason"] = reason,
    };

    [Fact]
    public async Task a_corrected_value_is_what_later_reads_return_and_the_history_keeps_the_old_one()
    {
        await App.AsUser("nurse2", Roles.Site, "FR01").PostAsync(Url("corrections"), Correction(_doseId, new JsonObject { ["doseIu"] = 1_500_000 }), 201);

        var entry = (await Nurse.GetJsonAsync(Url("")))["entries"]!.AsArray().Single(e => e!["entryId"]!.GetValue<Guid>() == _doseId)!;
        Assert.Equal(1_500_000, entry["data"]!["doseIu"]!.GetValue<long>());
        Assert.Equal("corrected", entry["status"]!.GetValue<string>());

        var history = await Nurse.GetJsonAsync(Url($"entries/{_doseId}/history"));
        var versions = history["versions"]!.AsArray();
        Assert.Equal(2, versions.Count);
        Assert.Equal("recorded", versions[0]!["action"]!.GetValue<string>());
        Assert.Equal(1_000_000, versions[0]!["data"]!["doseIu"]!.GetValue<long>());
        Assert.Equal("nurse1", versions[0]!["by"]!.GetValue<string>());
        Assert.Equal("corrected", versions[1]!["action"]!.GetValue<string>());
        Assert.Equal(1_500_000, versions[1]!["data"]!["doseIu"]!.GetValue<long>());
        Assert.Equal("nurse2", versions[1]!["by"]!.GetValue<string>());
        Assert.Equal("transcription-error", versions[1]!["reasonCode"]!.GetValue<string>());
        Assert.Equal("copied from the wrong line", versions[1]!["reason"]!.GetValue<string>());
        Assert.Equal(1_500_000, versions[1]!["changes"]!["doseIu"]!.GetValue<long>());
    }

    [Fact]
    public async Task a_correction_is_validated_as_a_whole_entry_and_a_bad_one_writes_nothing()
    {
        var errors = await (await Nurse.PostAsync(Url("corrections"), Correction(_doseId, new JsonObject { ["doseIu"] = 0 }), 400)).ValidationErrorsAsync();
        Assert.Contains("changes.doseIu", errors.Keys);

        errors = await (await Nurse.PostAsync(Url("corrections"), Correction(_doseId, new JsonObject { ["givenOn"] = "2026-02-01" }), 400)).ValidationErrorsAsync();
        Assert.Contains("changes.givenOn", errors.Keys);

        errors = await (await Nurse.PostAsync(Url("corrections"), Correction(_doseId, new JsonObject { ["dosage"] = 5 }), 400)).ValidationErrorsAsync();
        Assert.Contains("changes.dosage", errors.Keys);

        errors = await (await Nurse.PostAsync(Url("corrections"), Correction(_doseId, new JsonObject { ["doseIu"] = "lots" }), 400)).ValidationErrorsAsync();
        Assert.Contains("changes.doseIu", errors.Keys);

        errors = await (await Nurse.PostAsync(Url("corrections"), Correction(_doseId, new JsonObject { ["doseIu"] = 1_000_000 }), 400)).ValidationErrorsAsync();
        Assert.Contains("changes", errors.Keys);

        errors = await (await Nurse.PostAsync(Url("corrections"), Correction(_doseId, new JsonObject { ["doseIu"] = 2_000_000 }, reasonCode: "typo", reason: ""), 400)).ValidationErrorsAsync();
        Assert.Contains("reasonCode", errors.Keys);
        Assert.Contains("reason", errors.Keys);

        errors = await (await Nurse.PostAsync(Url("corrections"), Correction(Guid.NewGuid(), new JsonObject { ["doseIu"] = 2_000_000 }), 400)).ValidationErrorsAsync();
        Assert.Contains("entryId", errors.Keys);

        Assert.Equal(3, (await Nurse.GetJsonAsync(Url("")))["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task a_correction_can_remove_a_seriousness_criterion()
    {
        await Nurse.PostAsync(Url("corrections"), Correction(_aeId, new JsonObject { ["seriousCriteria"] = new JsonArray("hospitalisation") }, "source-updated", "discharge letter"), 201);
        await Nurse.PostAsync(Url("corrections"), Correction(_aeId, new JsonObject { ["seriousCriteria"] = new JsonArray() }, "source-updated", "was an outpatient visit"), 201);

        var history = await Nurse.GetJsonAsync(Url($"entries/{_aeId}/history"));
        var criteria = history["versions"]!.AsArray().Select(v => v!["data"]!["seriousCriteria"]!.AsArray().Count);
        Assert.Equal([0, 1, 0], criteria);
    }

    [Fact]
    public async Task a_voided_entry_counts_nowhere_stays_in_the_history_and_cannot_be_changed()
    {
        await Nurse.PostAsync(Url("voids"), new JsonObject { ["entryId"] = _doseId, ["reason"] = "entered for the wrong patient" }, 201);

        var detail = await Nurse.GetJsonAsync(Url(""));
        Assert.Equal("voided", detail["entries"]!.AsArray().Single(e => e!["entryId"]!.GetValue<Guid>() == _doseId)!["status"]!.GetValue<string>());
        Assert.Equal("enrolled", detail["status"]!.GetValue<string>());
        Assert.Null(detail["firstDoseOn"]);
        var history = await Nurse.GetJsonAsync(Url($"entries/{_doseId}/history"));
        Assert.Equal(["recorded", "voided"], history["versions"]!.AsArray().Select(v => v!["action"]!.GetValue<string>()));

        Assert.Contains("entryId", (await (await Nurse.PostAsync(Url("voids"), new JsonObject { ["entryId"] = _doseId, ["reason"] = "again" }, 400)).ValidationErrorsAsync()).Keys);
        Assert.Contains("entryId", (await (await Nurse.PostAsync(Url("corrections"), Correction(_doseId, new JsonObject { ["doseIu"] = 2_000_000 }), 400)).ValidationErrorsAsync()).Keys);
        Assert.Contains("reason", (await (await Nurse.PostAsync(Url("voids"), new JsonObject { ["entryId"] = _aeId }, 400)).ValidationErrorsAsync()).Keys);
    }

    [Fact]
    public async Task follow_ups_are_recorded_against_their_adverse_event()
    {
        var followUp = new JsonObject { ["reportedOn"] = "2026-11-22", ["grade"] = 3, ["seriousCriteria"] = new JsonArray("hospitalisation"), ["outcome"] = "not-recovered" };
        var result = await Nurse.PostAsync(Url($"adverse-events/{_aeId}/follow-ups"), followUp, 201);
        var entryId = JsonNode.Parse(await result.ReadAsTextAsync())!["entryId"]!.GetValue<Guid>();

        var entry = (await Nurse.GetJsonAsync(Url("")))["entries"]!.AsArray().Single(e => e!["entryId"]!.GetValue<Guid>() == entryId)!;
        Assert.Equal("ae-follow-up", entry["kind"]!.GetValue<string>());
        Assert.Equal(_aeId, entry["data"]!["adverseEventId"]!.GetValue<Guid>());
        Assert.Equal("2026-11-22", entry["date"]!.GetValue<string>());

        await Nurse.PostAsync(Url($"adverse-events/{Guid.NewGuid()}/follow-ups"), followUp, 404);
        var early = new JsonObject { ["reportedOn"] = "2026-11-19", ["grade"] = 2 };
        Assert.Contains("reportedOn", (await (await Nurse.PostAsync(Url($"adverse-events/{_aeId}/follow-ups"), early, 400)).ValidationErrorsAsync()).Keys);
        var empty = new JsonObject { ["reportedOn"] = "2026-11-23" };
        Assert.Contains("$", (await (await Nurse.PostAsync(Url($"adverse-events/{_aeId}/follow-ups"), empty, 400)).ValidationErrorsAsync()).Keys);
        var fatalWithoutDeath = new JsonObject { ["reportedOn"] = "2026-11-23", ["grade"] = 5, ["outcome"] = "fatal" };
        Assert.Contains("seriousCriteria", (await (await Nurse.PostAsync(Url($"adverse-events/{_aeId}/follow-ups"), fatalWithoutDeath, 400)).ValidationErrorsAsync()).Keys);
    }

    [Fact]
    public async Task after_withdrawal_no_doses_samples_or_scores_but_adverse_events_still()
    {
        await Nurse.PostAsync(Url("withdrawal"), new JsonObject { ["withdrawnOn"] = "2026-11-22", ["reasonCode"] = "adverse-event", ["reason"] = "rash" }, 201);
        Assert.Equal("withdrawn", (await Nurse.GetJsonAsync(Url("")))["status"]!.GetValue<string>());

        var dose = new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-25",
            ["doses"] = new JsonArray(new JsonObject { ["givenOn"] = "2026-11-25", ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "maintenance" }),
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = "2026-11-25", ["tregPercentOfCd4"] = 6, ["gating"] = "cd4-cd25-foxp3" }),
        };
        var errors = await (await Nurse.PostAsync(Url("visits"), dose, 400)).ValidationErrorsAsync();
        Assert.Contains("doses[0].givenOn", errors.Keys);
        Assert.Contains("tregs[0].sampledOn", errors.Keys);

        var lateSample = new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-25",
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = "2026-11-21", ["tregPercentOfCd4"] = 6, ["gating"] = "cd4-cd25-foxp3" }),
            ["adverseEvents"] = new JsonArray(Requests.AdverseEvent(Guid.NewGuid(), "2026-11-24", "2026-11-25")),
        };
        await Nurse.PostAsync(Url("visits"), lateSample, 201);
        await Nurse.PostAsync(Url($"adverse-events/{_aeId}/follow-ups"), new JsonObject { ["reportedOn"] = "2026-11-26", ["outcome"] = "recovered", ["resolvedOn"] = "2026-11-26" }, 201);

        var twice = await (await Nurse.PostAsync(Url("completion"), new JsonObject { ["completedOn"] = "2026-11-26" }, 400)).ValidationErrorsAsync();
        Assert.Contains("completedOn", twice.Keys);
    }

    [Fact]
    public async Task a_withdrawal_cannot_predate_doses_already_given_and_voiding_it_resumes_treatment()
    {
        var early = await (await Nurse.PostAsync(Url("withdrawal"), new JsonObject { ["withdrawnOn"] = "2026-11-10", ["reasonCode"] = "lost-to-follow-up" }, 400)).ValidationErrorsAsync();
        Assert.Contains("withdrawnOn", early.Keys);

        var result = await Nurse.PostAsync(Url("withdrawal"), new JsonObject { ["withdrawnOn"] = "2026-11-21", ["reasonCode"] = "lost-to-follow-up" }, 201);
        var withdrawalId = JsonNode.Parse(await result.ReadAsTextAsync())!["entryId"]!.GetValue<Guid>();
        await Nurse.PostAsync(Url("voids"), new JsonObject { ["entryId"] = withdrawalId, ["reason"] = "patient came back; recorded in error" }, 201);

        Assert.Equal("on-treatment", (await Nurse.GetJsonAsync(Url("")))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task completion_ends_participation()
    {
        await Nurse.PostAsync(Url("completion"), new JsonObject { ["completedOn"] = "2026-11-28" }, 201);

        var detail = await Nurse.GetJsonAsync(Url(""));
        Assert.Equal("completed", detail["status"]!.GetValue<string>());
        Assert.Contains("completedOn", (await (await Nurse.PostAsync(Url("completion"), new JsonObject { ["completedOn"] = "2026-12-28" }, 400)).ValidationErrorsAsync()).Keys);
    }
}
