using System.Text.Json.Nodes;
using Marten;
using Registry.IntegrationTests.Infrastructure;
using Registry.Patients;
using Registry.Patients.Timeline;

namespace Registry.IntegrationTests.Patients;

public sealed class EnrolmentTests(RegistryApp app) : ApiTest(app)
{
    // XX99 does not exist: a claim naming it grants nothing, and enrolling there is a validation error.
    private ApiClient Nurse => App.AsUser("nurse1", "site", "FR01", "DE01", "KI01", "XX99");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01", "Europe/Paris");
    }

    /// <summary>One invalid enrolment per rule: the change to a valid request, and the field the error must name.</summary>
    public static TheoryData<string, Action<JsonObject>, string> InvalidEnrolments() => new()
    {
        { "subject code missing", r => r.Remove("subjectCode"), "subjectCode" },
        { "subject code blank", r => r["subjectCode"] = "   ", "subjectCode" },
        { "subject code too long", r => r["subjectCode"] = new string('X', 41), "subjectCode" },
        { "site missing", r => r.Remove("siteId"), "siteId" },
        { "site unknown", r => r["siteId"] = "XX99", "siteId" },
        { "disease missing", r => r.Remove("diseaseCode"), "diseaseCode" },
        { "disease unknown", r => r["diseaseCode"] = "influenza", "diseaseCode" },
        { "birth year missing", r => r.Remove("birthYear"), "birthYear" },
        { "birth year in the future", r => r["birthYear"] = 2027, "birthYear" },
        { "birth year over 120 years ago", r => r["birthYear"] = 1905, "birthYear" },
        { "sex missing", r => r.Remove("sex"), "sex" },
        { "sex not an enumeration value", r => r["sex"] = "F", "sex" },
        { "enrolment date missing", r => r.Remove("enrolledOn"), "enrolledOn" },
        { "enrolment date after the site's today", r => r["enrolledOn"] = "2026-11-30", "enrolledOn" },
        { "enrolment date before the birth year", r => { r["birthYear"] = 2026; r["enrolledOn"] = "2025-12-31"; }, "enrolledOn" },
        { "consent version missing", r => r["consentVersion"] = "", "consentVersion" },
        { "therapy line not an enumeration value", r => r["therapyLine"] = "first-line", "therapyLine" },
        { "therapy line missing", r => r.Remove("therapyLine"), "therapyLine" },
        { "setting not an enumeration value", r => r["setting"] = "hospital", "setting" },
        { "induction days negative", r => r["regimen"]!["inductionDays"] = -1, "regimen.inductionDays" },
        { "maintenance interval zero", r => r["regimen"]!["maintenanceIntervalDays"] = 0, "regimen.maintenanceIntervalDays" },
        { "birth year not a number", r => r["birthYear"] = "nineteen-eighty", "birthYear" },
        { "enrolment date not a date", r => r["enrolledOn"] = "02/03/2026", "enrolledOn" },
    };

    [Theory]
    [MemberData(nameof(InvalidEnrolments))]
    public async Task rejects_an_invalid_enrolment_naming_the_field_and_writes_nothing(string rule, Action<JsonObject> spoil, string path)
    {
        var request = Requests.Enrolment();
        spoil(request);

        var result = await Nurse.PostAsync("/api/patients", request, 400);

        var errors = await result.ValidationErrorsAsync();
        Assert.True(errors.ContainsKey(path), $"{rule}: expected an error at '{path}', got {string.Join(", ", errors.Keys)}");
        Assert.All(errors[path], message => Assert.False(string.IsNullOrWhiteSpace(message)));
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task rejects_malformed_json_and_writes_nothing()
    {
        var result = await Nurse.PostRawAsync("/api/patients", "{\"subjectCode\": \"FR01-0001\", ", 400);

        Assert.Equal("application/problem+json", result.Context.Response.ContentType?.Split(';')[0]);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task reports_every_bad_field_at_once()
    {
        var request = Requests.Enrolment();
        request["sex"] = "x";
        request["diseaseCode"] = "x";
        request["birthYear"] = 1800;

        var errors = await (await Nurse.PostAsync("/api/patients", request, 400)).ValidationErrorsAsync();

        Assert.Equal(["birthYear", "diseaseCode", "sex"], errors.Keys.Order());
    }

    [Fact]
    public async Task today_is_the_sites_own_date()
    {
        // 10:00 UTC on 29 November is already 30 November at 00:00 in Kiritimati (UTC+14).
        await App.Admin.RegisterSiteAsync("KI01", "Pacific/Kiritimati");
        var request = Requests.Enrolment("KI01", "KI01-0001");
        request["enrolledOn"] = "2026-11-30";

        await Nurse.EnrolAsync(request);
    }

    [Fact]
    public async Task enrols_a_patient_and_lists_and_shows_it_with_its_version()
    {
        var result = await Nurse.PostAsync("/api/patients", Requests.Enrolment(), 201);
        var created = JsonNode.Parse(await result.ReadAsTextAsync())!.AsObject();
        var patientId = created["patientId"]!.GetValue<Guid>();

        Assert.Equal(1, created["version"]!.GetValue<long>());
        Assert.Equal($"/api/patients/{patientId}", result.Context.Response.Headers.Location.ToString());

        var list = await Nurse.GetJsonArrayAsync("/api/patients?siteId=FR01&diseaseCode=sle");
        var summary = Assert.Single(list)!.AsObject();
        Assert.Equal(patientId, summary["patientId"]!.GetValue<Guid>());
        Assert.Equal("FR01-0007", summary["subjectCode"]!.GetValue<string>());
        Assert.Equal("FR01", summary["siteId"]!.GetValue<string>());
        Assert.Equal("sle", summary["diseaseCode"]!.GetValue<string>());
        Assert.Equal("enrolled", summary["status"]!.GetValue<string>());
        Assert.Equal("2026-03-02", summary["enrolledOn"]!.GetValue<string>());
        Assert.Null(summary["firstDoseOn"]);
        Assert.Equal(1, summary["version"]!.GetValue<long>());

        var detailResult = await Nurse.GetAsync($"/api/patients/{patientId}");
        Assert.Equal("\"1\"", detailResult.Context.Response.Headers.ETag.ToString());
        var detail = JsonNode.Parse(await detailResult.ReadAsTextAsync())!.AsObject();
        Assert.Equal("FR01-0007", detail["subjectCode"]!.GetValue<string>());
        Assert.Equal(1984, detail["birthYear"]!.GetValue<int>());
        Assert.Equal("female", detail["sex"]!.GetValue<string>());
        Assert.Equal("standalone", detail["therapyLine"]!.GetValue<string>());
        Assert.Equal("routine", detail["setting"]!.GetValue<string>());
        Assert.Equal(14, detail["regimen"]!["maintenanceIntervalDays"]!.GetValue<int>());
        Assert.Empty(detail["entries"]!.AsArray());
    }

    [Fact]
    public async Task the_list_filters_by_site_and_disease()
    {
        await App.Admin.RegisterSiteAsync("DE01", "Europe/Berlin");
        await Nurse.EnrolAsync(Requests.Enrolment("FR01", "FR01-0001"));
        var ra = Requests.Enrolment("FR01", "FR01-0002");
        ra["diseaseCode"] = "ra";
        await Nurse.EnrolAsync(ra);
        await Nurse.EnrolAsync(Requests.Enrolment("DE01", "DE01-0001"));

        Assert.Equal(3, (await Nurse.GetJsonArrayAsync("/api/patients")).Count);
        Assert.Equal(2, (await Nurse.GetJsonArrayAsync("/api/patients?siteId=FR01")).Count);
        Assert.Equal(["FR01-0001", "DE01-0001"], (await Nurse.GetJsonArrayAsync("/api/patients?diseaseCode=sle"))
            .Select(p => p!["subjectCode"]!.GetValue<string>()).OrderDescending());
    }

    [Fact]
    public async Task regimen_defaults_to_five_induction_days_then_every_fourteen_days()
    {
        var request = Requests.Enrolment();
        request.Remove("regimen");
        var patientId = await Nurse.EnrolAsync(request);

        var detail = await Nurse.GetJsonAsync($"/api/patients/{patientId}");
        Assert.Equal(5, detail["regimen"]!["inductionDays"]!.GetValue<int>());
        Assert.Equal(14, detail["regimen"]!["maintenanceIntervalDays"]!.GetValue<int>());
    }

    [Fact]
    public async Task a_subject_code_already_used_at_the_site_is_a_conflict_naming_the_existing_patient()
    {
        var first = await Nurse.EnrolAsync(Requests.Enrolment("FR01", "FR01-0007"));
        var again = Requests.Enrolment("FR01", "fr01-0007");

        var result = await Nurse.PostAsync("/api/patients", again, 409);

        var problem = JsonNode.Parse(await result.ReadAsTextAsync())!;
        Assert.Equal(first, problem["patientId"]!.GetValue<Guid>());
        Assert.Single(await Nurse.GetJsonArrayAsync("/api/patients"));
    }

    [Fact]
    public async Task enrolments_racing_for_one_subject_code_give_one_patient_and_409s_naming_it()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Nurse.SendAsync(HttpMethod.Post, "/api/patients", Requests.Enrolment("FR01", "FR01-RACE"), 0, s => s.IgnoreStatusCode())));

        var created = Assert.Single(results, r => r.Context.Response.StatusCode == 201);
        var winner = JsonNode.Parse(await created.ReadAsTextAsync())!["patientId"]!.GetValue<Guid>();
        foreach (var loser in results.Where(r => r.Context.Response.StatusCode != 201))
        {
            Assert.Equal(409, loser.Context.Response.StatusCode);
            Assert.Equal(winner, JsonNode.Parse(await loser.ReadAsTextAsync())!["patientId"]!.GetValue<Guid>());
        }

        Assert.Single(await Nurse.GetJsonArrayAsync("/api/patients"));
    }

    [Fact]
    public async Task the_same_subject_code_at_another_site_is_another_patient()
    {
        await App.Admin.RegisterSiteAsync("DE01", "Europe/Berlin");
        await Nurse.EnrolAsync(Requests.Enrolment("FR01", "P-0001"));
        await Nurse.EnrolAsync(Requests.Enrolment("DE01", "P-0001"));

        Assert.Equal(2, (await Nurse.GetJsonArrayAsync("/api/patients")).Count);
    }

    [Fact]
    public async Task an_unknown_patient_is_404()
    {
        await Nurse.GetAsync($"/api/patients/{Guid.NewGuid()}", 404);
    }

    private async Task AssertNothingWrittenAsync()
    {
        await using var session = App.Store.QuerySession();
        Assert.Equal(0, await session.Events.QueryAllRawEvents().CountAsync());
        Assert.Equal(0, await session.Query<PatientRecord>().CountAsync());
    }
}
