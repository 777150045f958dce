using System.Text.Json.Nodes;
using Alba;
using Marten;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Patients;

/// <summary>Visits written exactly once under retries and concurrency; If-Match; the timeline after a visit.</summary>
public sealed class VisitWriteTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    private static JsonObject Visit(string date = "2026-11-20", Guid? visitId = null, long doseIu = 1_000_000) => new()
    {
        ["visitId"] = visitId ?? Guid.NewGuid(),
        ["visitDate"] = date,
        ["doses"] = new JsonArray(new JsonObject
        {
            ["givenOn"] = date,
            ["doseIu"] = doseIu,
            ["product"] = "aldesleukin",
            ["lot"] = "A123",
            ["phase"] = "induction",
        }),
    };

    [Fact]
    public async Task a_visit_is_on_the_timeline_with_who_recorded_it_and_the_patient_is_on_treatment()
    {
        var patientId = await EnrolAsync();
        var visit = VisitValidationTests.ValidVisit();

        var result = await Nurse.PostAsync($"/api/patients/{patientId}/visits", visit, 201);
        var entryIds = JsonNode.Parse(await result.ReadAsTextAsync())!["entryIds"]!.AsArray().Select(e => e!.GetValue<Guid>()).ToList();

        var detail = await Nurse.GetJsonAsync($"/api/patients/{patientId}");
        Assert.Equal("on-treatment", detail["status"]!.GetValue<string>());
        Assert.Equal("2026-11-20", detail["firstDoseOn"]!.GetValue<string>());
        var entries = detail["entries"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Equal(entryIds.Order(), entries.Select(e => e["entryId"]!.GetValue<Guid>()).Order());
        Assert.Equal(["adverse-event", "conmed", "dose", "dose-held", "not-done", "score", "treg"], entries.Select(e => e["kind"]!.GetValue<string>()).Order());
        Assert.All(entries, e =>
        {
            Assert.Equal("nurse1", e["recordedBy"]!.GetValue<string>());
            Assert.Equal("current", e["status"]!.GetValue<string>());
        });
        var treg = entries.Single(e => e["kind"]!.GetValue<string>() == "treg");
        Assert.Equal(7.9m, treg["data"]!["tregPercentOfCd4"]!.GetValue<decimal>());
        Assert.Equal("cd4-cd25-foxp3", treg["data"]!["gating"]!.GetValue<string>());
        var conmed = entries.Single(e => e["kind"]!.GetValue<string>() == "conmed");
        Assert.Equal("2025-11-01", conmed["date"]!.GetValue<string>());
        var ae = entries.Single(e => e["kind"]!.GetValue<string>() == "adverse-event");
        Assert.Equal(visit["adverseEvents"]![0]!["adverseEventId"]!.GetValue<Guid>(), ae["entryId"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task the_same_visit_sent_20_times_in_parallel_is_recorded_once()
    {
        var patientId = await EnrolAsync();
        var visit = Visit();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Nurse.PostAsync($"/api/patients/{patientId}/visits", visit, 201)));

        var bodies = await Task.WhenAll(results.Select(r => r.ReadAsTextAsync()));
        Assert.Single(bodies.Distinct());
        Assert.Equal(19, results.Count(r => r.Context.Response.Headers["Idempotent-Replayed"] == "true"));
        var detail = await Nurse.GetJsonAsync($"/api/patients/{patientId}");
        Assert.Single(detail["entries"]!.AsArray());
        Assert.Equal(2, detail["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task twenty_different_visits_sent_in_parallel_are_all_recorded()
    {
        var patientId = await EnrolAsync();
        var visits = Enumerable.Range(1, 20).Select(day => Visit($"2026-11-{day:00}", doseIu: 1_000_000 + day)).ToList();

        var results = await Task.WhenAll(visits.Select(v => Nurse.PostAsync($"/api/patients/{patientId}/visits", v, 201)));

        var versions = (await Task.WhenAll(results.Select(r => r.ReadAsTextAsync()))).Select(b => JsonNode.Parse(b)!["version"]!.GetValue<long>());
        Assert.Equal(Enumerable.Range(2, 20).Select(v => (long)v), versions.Order());
        var detail = await Nurse.GetJsonAsync($"/api/patients/{patientId}");
        var doses = detail["entries"]!.AsArray().Select(e => e!["data"]!["doseIu"]!.GetValue<long>()).Order();
        Assert.Equal(Enumerable.Range(1, 20).Select(day => 1_000_000L + day), doses);
        Assert.Equal(21, detail["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task a_visit_id_reused_for_a_different_visit_is_409_and_writes_nothing()
    {
        var patientId = await EnrolAsync();
        var visitId = Guid.NewGuid();
        await Nurse.PostAsync($"/api/patients/{patientId}/visits", Visit(visitId: visitId), 201);

        var result = await Nurse.PostAsync($"/api/patients/{patientId}/visits", Visit(visitId: visitId, doseIu: 2_000_000), 409);

        Assert.Contains("visitId", await result.ReadAsTextAsync());
        Assert.Equal(2, (await Nurse.GetJsonAsync($"/api/patients/{patientId}"))["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task an_adverse_event_id_reused_in_another_visit_is_409()
    {
        var patientId = await EnrolAsync();
        var aeId = Guid.NewGuid();
        var first = new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = "2026-11-20", ["adverseEvents"] = new JsonArray(Requests.AdverseEvent(aeId)) };
        var second = new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = "2026-11-21", ["adverseEvents"] = new JsonArray(Requests.AdverseEvent(aeId, "2026-11-21", "2026-11-21")) };
        await Nurse.PostAsync($"/api/patients/{patientId}/visits", first, 201);

        var result = await Nurse.PostAsync($"/api/patients/{patientId}/visits", second, 409);

        Assert.Contains("adverseEventId", await result.ReadAsTextAsync());
    }

    [Fact]
    public async Task if_match_with_a_stale_version_is_412_and_writes_nothing()
    {
        var patientId = await EnrolAsync();
        await Nurse.PostAsync($"/api/patients/{patientId}/visits", Visit("2026-11-20"), 201);

        var result = await Nurse.PostAsync($"/api/patients/{patientId}/visits", Visit("2026-11-21"), 412, s => s.WithRequestHeader("If-Match", "\"1\""));

        Assert.Contains("version 2", await result.ReadAsTextAsync());
        Assert.Equal(2, (await Nurse.GetJsonAsync($"/api/patients/{patientId}"))["version"]!.GetValue<long>());
        await Nurse.PostAsync($"/api/patients/{patientId}/visits", Visit("2026-11-21"), 201, s => s.WithRequestHeader("If-Match", "\"2\""));
    }

    [Fact]
    public async Task a_retry_of_a_write_that_succeeded_gets_its_first_answer_not_412()
    {
        var patientId = await EnrolAsync();
        var visit = Visit();
        var first = await Nurse.PostAsync($"/api/patients/{patientId}/visits", visit, 201, s => s.WithRequestHeader("If-Match", "\"1\""));

        var retry = await Nurse.PostAsync($"/api/patients/{patientId}/visits", visit, 201, s => s.WithRequestHeader("If-Match", "\"1\""));

        Assert.Equal(await first.ReadAsTextAsync(), await retry.ReadAsTextAsync());
    }

    [Fact]
    public async Task a_malformed_if_match_is_400()
    {
        var patientId = await EnrolAsync();
        var errors = await (await Nurse.PostAsync($"/api/patients/{patientId}/visits", Visit(), 400, s => s.WithRequestHeader("If-Match", "\"abc\""))).ValidationErrorsAsync();
        Assert.Contains("If-Match", errors.Keys);
    }

    [Fact]
    public async Task an_idempotency_key_returns_the_first_answer_and_a_different_request_with_it_is_409()
    {
        var patientId = await EnrolAsync();
        await Nurse.PostAsync($"/api/patients/{patientId}/visits", Visit("2026-11-01"), 201);
        var withdrawal = new JsonObject { ["withdrawnOn"] = "2026-11-10", ["reasonCode"] = "patient-decision", ["reason"] = "moved away" };
        void Key(Scenario s) => s.WithRequestHeader("Idempotency-Key", "withdraw-7");

        var first = await Nurse.PostAsync($"/api/patients/{patientId}/withdrawal", withdrawal, 201, Key);
        var again = await Nurse.PostAsync($"/api/patients/{patientId}/withdrawal", withdrawal, 201, Key);
        withdrawal["withdrawnOn"] = "2026-11-11";
        await Nurse.PostAsync($"/api/patients/{patientId}/withdrawal", withdrawal, 409, Key);

        Assert.Equal(await first.ReadAsTextAsync(), await again.ReadAsTextAsync());
        var detail = await Nurse.GetJsonAsync($"/api/patients/{patientId}");
        Assert.Single(detail["entries"]!.AsArray(), e => e!["kind"]!.GetValue<string>() == "withdrawal");
        Assert.Equal("withdrawn", detail["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task every_event_of_a_visit_is_stamped_with_the_nurse_from_the_token()
    {
        var patientId = await EnrolAsync();
        await Nurse.PostAsync($"/api/patients/{patientId}/visits", VisitValidationTests.ValidVisit(), 201);

        await using var session = App.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(patientId);
        Assert.All(events, e => Assert.Equal("nurse1", e.UserName));
        Assert.Equal(8, events.Count);
    }

    private async Task<Guid> EnrolAsync()
    {
        await App.Admin.RegisterSiteAsync("FR01", "Europe/Paris");
        return await Nurse.EnrolAsync(Requests.Enrolment());
    }
}
