using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Patients;

/// <summary>
/// One invalid visit per rule of DOMAIN.md: each must be a 400 naming the JSON path of the bad value,
/// and must write nothing (the patient's version does not move), not even the visit's valid parts.
/// The patient (SLE) was enrolled on 2026-03-02; the site's today is 2026-11-29.
/// </summary>
public sealed class VisitValidationTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.As(Roles.Site, "FR01");

    public static JsonObject ValidVisit() => new()
    {
        ["visitId"] = Guid.NewGuid(),
        ["visitDate"] = "2026-11-20",
        ["doses"] = new JsonArray(new JsonObject
        {
            ["givenOn"] = "2026-11-20",
            ["doseIu"] = 1_000_000,
            ["route"] = "subcutaneous",
            ["product"] = "aldesleukin",
            ["lot"] = "A123",
            ["phase"] = "induction",
            ["confirmUnusualDose"] = false,
        }),
        ["tregs"] = new JsonArray(new JsonObject
        {
            ["sampledOn"] = "2026-11-20",
            ["tregPercentOfCd4"] = 7.9,
            ["gating"] = "cd4-cd25-foxp3",
            ["tregPerUl"] = 41,
            ["cd4PerUl"] = 520,
            ["tconvPercentOfCd4"] = 92.1,
            ["lab"] = "central",
        }),
        ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = "2026-11-20", ["instrument"] = "sledai-2k", ["value"] = 6 }),
        ["adverseEvents"] = new JsonArray(Requests.AdverseEvent(Guid.NewGuid())),
        ["conmeds"] = new JsonArray(new JsonObject
        {
            ["drug"] = "prednisone",
            ["drugClass"] = "corticosteroid",
            ["dose"] = 10,
            ["unit"] = "mg/day",
            ["startedOn"] = "2025-11-01",
            ["stoppedOn"] = null,
        }),
        ["doseHolds"] = new JsonArray(new JsonObject { ["heldOn"] = "2026-11-20", ["reasonCode"] = "adverse-event", ["reason"] = "fever" }),
        ["notDone"] = new JsonArray(new JsonObject { ["item"] = "treg-sample", ["dueOn"] = "2026-11-20", ["reason"] = "sample haemolysed" }),
    };

    private static Action<JsonObject> Set(string list, string field, JsonNode? value) => v => v[list]![0]![field] = value;

    private static Action<JsonObject> Remove(string list, string field) => v => v[list]![0]!.AsObject().Remove(field);

    public static TheoryData<string, Action<JsonObject>, string> InvalidVisits() => new()
    {
        // The visit itself
        { "visit id missing", v => v.Remove("visitId"), "visitId" },
        { "visit id empty", v => v["visitId"] = Guid.Empty, "visitId" },
        { "visit date missing", v => v.Remove("visitDate"), "visitDate" },
        { "visit date after today", v => v["visitDate"] = "2026-11-30", "visitDate" },
        { "visit date long before enrolment", v => v["visitDate"] = "2026-01-01", "visitDate" },
        { "no entry at all", v => { foreach (var l in new[] { "doses", "tregs", "scores", "adverseEvents", "conmeds", "doseHolds", "notDone" }) { v.Remove(l); } }, "$" },
        { "visit id not a uuid", v => v["visitId"] = "visit-1", "visitId" },

        // Doses
        { "dose date missing", Remove("doses", "givenOn"), "doses[0].givenOn" },
        { "dose date after today", Set("doses", "givenOn", "2026-11-30"), "doses[0].givenOn" },
        { "dose before enrolment", Set("doses", "givenOn", "2026-03-01"), "doses[0].givenOn" },
        { "dose missing", Remove("doses", "doseIu"), "doses[0].doseIu" },
        { "dose zero", Set("doses", "doseIu", 0), "doses[0].doseIu" },
        { "dose negative", Set("doses", "doseIu", -1_000_000), "doses[0].doseIu" },
        { "dose of 10 MIU unconfirmed", Set("doses", "doseIu", 10_000_000), "doses[0].doseIu" },
        { "dose of 0.05 MIU unconfirmed", Set("doses", "doseIu", 50_000), "doses[0].doseIu" },
        { "dose of 1 IU (MIU typed as IU) unconfirmed", Set("doses", "doseIu", 1), "doses[0].doseIu" },
        { "dose of 200 MIU even confirmed", v => { v["doses"]![0]!["doseIu"] = 200_000_000; v["doses"]![0]!["confirmUnusualDose"] = true; }, "doses[0].doseIu" },
        { "route unknown", Set("doses", "route", "oral"), "doses[0].route" },
        { "product missing", Remove("doses", "product"), "doses[0].product" },
        { "phase missing", Remove("doses", "phase"), "doses[0].phase" },
        { "phase unknown", Set("doses", "phase", "loading"), "doses[0].phase" },
        { "dose not a number", Set("doses", "doseIu", "1 MIU"), "doses[0].doseIu" },
        { "second dose invalid", v => v["doses"]!.AsArray().Add(new JsonObject { ["givenOn"] = "2026-11-21", ["doseIu"] = -5, ["product"] = "aldesleukin", ["phase"] = "induction" }), "doses[1].doseIu" },

        // Treg measurements
        { "sample date missing", Remove("tregs", "sampledOn"), "tregs[0].sampledOn" },
        { "sample date after today", Set("tregs", "sampledOn", "2026-12-01"), "tregs[0].sampledOn" },
        { "sample more than 30 days before enrolment", Set("tregs", "sampledOn", "2026-01-30"), "tregs[0].sampledOn" },
        { "treg percentage missing", Remove("tregs", "tregPercentOfCd4"), "tregs[0].tregPercentOfCd4" },
        { "treg percentage above 100", Set("tregs", "tregPercentOfCd4", 100.5), "tregs[0].tregPercentOfCd4" },
        { "treg percentage negative", Set("tregs", "tregPercentOfCd4", -0.1), "tregs[0].tregPercentOfCd4" },
        { "gating missing", Remove("tregs", "gating"), "tregs[0].gating" },
        { "gating unknown", Set("tregs", "gating", "cd4-cd25"), "tregs[0].gating" },
        { "treg count above its cd4 parent", Set("tregs", "tregPerUl", 600), "tregs[0].tregPerUl" },
        { "treg count negative", Set("tregs", "tregPerUl", -1), "tregs[0].tregPerUl" },
        { "cd4 count negative", v => { v["tregs"]![0]!["cd4PerUl"] = -5; v["tregs"]![0]!.AsObject().Remove("tregPerUl"); }, "tregs[0].cd4PerUl" },
        { "tconv percentage above 100", Set("tregs", "tconvPercentOfCd4", 120), "tregs[0].tconvPercentOfCd4" },
        { "treg and tconv above 100 % together", Set("tregs", "tconvPercentOfCd4", 95), "tregs[0].tconvPercentOfCd4" },

        // Disease activity scores
        { "assessment date missing", Remove("scores", "assessedOn"), "scores[0].assessedOn" },
        { "score before enrolment", Set("scores", "assessedOn", "2026-02-28"), "scores[0].assessedOn" },
        { "instrument missing", Remove("scores", "instrument"), "scores[0].instrument" },
        { "instrument of another disease", Set("scores", "instrument", "das28-crp"), "scores[0].instrument" },
        { "instrument unknown", Set("scores", "instrument", "sledai"), "scores[0].instrument" },
        { "score missing", Remove("scores", "value"), "scores[0].value" },
        { "score above its range", Set("scores", "value", 106), "scores[0].value" },
        { "score below its range", Set("scores", "value", -1), "scores[0].value" },
        { "score not a whole number on an integer instrument", Set("scores", "value", 4.5), "scores[0].value" },
        { "cgi severity of 0", v => { v["scores"]![0]!["instrument"] = "cgi-s"; v["scores"]![0]!["value"] = 0; }, "scores[0].value" },

        // Adverse events
        { "adverse event id missing", Remove("adverseEvents", "adverseEventId"), "adverseEvents[0].adverseEventId" },
        { "two adverse events with one id", v => v["adverseEvents"]!.AsArray().Add(v["adverseEvents"]![0]!.DeepClone()), "adverseEvents[1].adverseEventId" },
        { "onset missing", Remove("adverseEvents", "onsetOn"), "adverseEvents[0].onsetOn" },
        { "onset after today", v => { v["adverseEvents"]![0]!["onsetOn"] = "2026-11-30"; v["adverseEvents"]![0]!["awareOn"] = "2026-11-30"; }, "adverseEvents[0].onsetOn" },
        { "aware before onset", Set("adverseEvents", "awareOn", "2026-11-18"), "adverseEvents[0].awareOn" },
        { "awareness missing", Remove("adverseEvents", "awareOn"), "adverseEvents[0].awareOn" },
        { "verbatim term missing", Set("adverseEvents", "term", " "), "adverseEvents[0].term" },
        { "meddra preferred term not 8 digits", Set("adverseEvents", "meddraPtCode", "2002206"), "adverseEvents[0].meddraPtCode" },
        { "meddra soc not a code", Set("adverseEvents", "meddraSocCode", "skin"), "adverseEvents[0].meddraSocCode" },
        { "grade 0", Set("adverseEvents", "grade", 0), "adverseEvents[0].grade" },
        { "grade 6", Set("adverseEvents", "grade", 6), "adverseEvents[0].grade" },
        { "grade missing", Remove("adverseEvents", "grade"), "adverseEvents[0].grade" },
        { "seriousness criterion unknown", Set("adverseEvents", "seriousCriteria", new JsonArray("serious")), "adverseEvents[0].seriousCriteria[0]" },
        { "grade 5 without the death criterion", v => { v["adverseEvents"]![0]!["grade"] = 5; v["adverseEvents"]![0]!["outcome"] = "fatal"; }, "adverseEvents[0].seriousCriteria" },
        { "grade 5 not fatal", v => { v["adverseEvents"]![0]!["grade"] = 5; v["adverseEvents"]![0]!["seriousCriteria"] = new JsonArray("death"); }, "adverseEvents[0].outcome" },
        { "death criterion with grade 3", v => { v["adverseEvents"]![0]!["grade"] = 3; v["adverseEvents"]![0]!["seriousCriteria"] = new JsonArray("death"); }, "adverseEvents[0].grade" },
        { "fatal outcome with grade 2", v => { v["adverseEvents"]![0]!["grade"] = 2; v["adverseEvents"]![0]!["outcome"] = "fatal"; }, "adverseEvents[0].grade" },
        { "causality unknown", Set("adverseEvents", "causality", "likely"), "adverseEvents[0].causality" },
        { "outcome missing", Remove("adverseEvents", "outcome"), "adverseEvents[0].outcome" },
        { "action taken unknown", Set("adverseEvents", "actionTaken", "stopped"), "adverseEvents[0].actionTaken" },
        { "resolved before onset", v => { v["adverseEvents"]![0]!["resolvedOn"] = "2026-11-18"; v["adverseEvents"]![0]!["outcome"] = "recovered"; }, "adverseEvents[0].resolvedOn" },
        { "resolved yet still recovering", Set("adverseEvents", "resolvedOn", "2026-11-20"), "adverseEvents[0].resolvedOn" },
        { "seriousness criterion listed twice", Set("adverseEvents", "seriousCriteria", new JsonArray("hospitalisation", "hospitalisation")), "adverseEvents[0].seriousCriteria[1]" },

        // Concomitant medications
        { "drug missing", Remove("conmeds", "drug"), "conmeds[0].drug" },
        { "drug class unknown", Set("conmeds", "drugClass", "nsaid"), "conmeds[0].drugClass" },
        { "medication stopped before it started", Set("conmeds", "stoppedOn", "2025-10-01"), "conmeds[0].stoppedOn" },
        { "medication dose negative", Set("conmeds", "dose", -10), "conmeds[0].dose" },
        { "medication dose without a unit", Remove("conmeds", "unit"), "conmeds[0].unit" },
        { "medication started after today", Set("conmeds", "startedOn", "2026-12-01"), "conmeds[0].startedOn" },

        // Held doses and items not done
        { "held dose date missing", Remove("doseHolds", "heldOn"), "doseHolds[0].heldOn" },
        { "held dose reason unknown", Set("doseHolds", "reasonCode", "holiday"), "doseHolds[0].reasonCode" },
        { "item not done unknown", Set("notDone", "item", "biopsy"), "notDone[0].item" },
        { "item not done without a reason", Remove("notDone", "reason"), "notDone[0].reason" },
        { "item not done without its due date", Remove("notDone", "dueOn"), "notDone[0].dueOn" },
    };

    [Theory]
    [MemberData(nameof(InvalidVisits))]
    public async Task rejects_an_invalid_visit_naming_the_field_and_writes_nothing(string rule, Action<JsonObject> spoil, string path)
    {
        var patientId = await EnrolAsync();
        var visit = ValidVisit();
        spoil(visit);

        var result = await Nurse.PostAsync($"/api/patients/{patientId}/visits", visit, 400);

        var errors = await result.ValidationErrorsAsync();
        Assert.True(errors.ContainsKey(path), $"{rule}: expected an error at '{path}', got {string.Join(", ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
        Assert.All(errors[path], m => Assert.False(string.IsNullOrWhiteSpace(m)));
        var patient = await Nurse.GetAsync($"/api/patients/{patientId}");
        Assert.Equal("\"1\"", patient.Context.Response.Headers.ETag.ToString());
    }

    [Fact]
    public async Task the_valid_visit_of_these_tests_is_accepted_whole()
    {
        var patientId = await EnrolAsync();

        var result = await Nurse.PostAsync($"/api/patients/{patientId}/visits", ValidVisit(), 201);

        var body = JsonNode.Parse(await result.ReadAsTextAsync())!;
        Assert.Equal(7, body["entryIds"]!.AsArray().Count);
        Assert.Equal(8, body["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task an_unusual_dose_is_accepted_when_confirmed()
    {
        var patientId = await EnrolAsync();
        var visit = ValidVisit();
        visit["doses"]![0]!["doseIu"] = 9_000_000;
        visit["doses"]![0]!["confirmUnusualDose"] = true;

        await Nurse.PostAsync($"/api/patients/{patientId}/visits", visit, 201);
    }

    [Fact]
    public async Task cgi_belongs_to_every_disease()
    {
        var patientId = await EnrolAsync();
        var visit = new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-20",
            ["scores"] = new JsonArray(
                new JsonObject { ["assessedOn"] = "2026-11-20", ["instrument"] = "cgi-s", ["value"] = 4 },
                new JsonObject { ["assessedOn"] = "2026-11-20", ["instrument"] = "cgi-i", ["value"] = 2 },
                new JsonObject { ["assessedOn"] = "2026-11-20", ["instrument"] = "pga", ["value"] = 1.5 }),
        };

        await Nurse.PostAsync($"/api/patients/{patientId}/visits", visit, 201);
    }

    private async Task<Guid> EnrolAsync()
    {
        await App.Admin.RegisterSiteAsync("FR01", "Europe/Paris");
        return await Nurse.EnrolAsync(Requests.Enrolment());
    }
}
