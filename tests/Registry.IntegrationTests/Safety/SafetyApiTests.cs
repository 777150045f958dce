using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Safety;

/// <summary>The safety profile and signals through the API and the async daemon, with the clock at 2026-11-29.</summary>
public sealed class SafetyApiTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    private async Task<Guid> TreatedPatientAsync(string code, string disease, string doseOn, params JsonObject[] adverseEvents)
    {
        var enrolment = Requests.Enrolment("FR01", code);
        enrolment["diseaseCode"] = disease;
        var id = await Nurse.EnrolAsync(enrolment);
        var visit = new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = doseOn,
            ["doses"] = new JsonArray(new JsonObject { ["givenOn"] = doseOn, ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "induction" }),
        };
        if (adverseEvents.Length > 0)
        {
            visit["adverseEvents"] = new JsonArray(adverseEvents);
        }

        await Nurse.PostAsync($"/api/patients/{id}/visits", visit, 201);
        return id;
    }

    [Fact]
    public async Task a_partial_onset_in_the_first_dose_s_month_is_treatment_emergent_and_one_in_the_month_before_is_not()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        // First dose 10 March; the site knows one onset only as March 2026 (imputed: 10 March, a TEAE) and one as February
        // 2026 (imputed: 1 February, before the first dose: not a TEAE, and still recorded as given).
        var inMonth = Requests.AdverseEvent(Guid.NewGuid(), "2026-03", "2026-03-20");
        var before = Requests.AdverseEvent(Guid.NewGuid(), "2026-02", "2026-03-20");
        before["term"] = "headache";
        before["meddraPtCode"] = "10019211";
        before["meddraSocCode"] = "10029205";
        var patient = await TreatedPatientAsync("P-1", "sle", "2026-03-10");
        await Nurse.PostAsync($"/api/patients/{patient}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-03-20",
            ["adverseEvents"] = new JsonArray(inMonth, before),
        }, 201);
        await App.WaitForProjectionsAsync();

        var profile = await App.As(Roles.Pv).GetJsonAsync("/api/safety/profile?diseaseCode=sle");
        Assert.Equal(1, profile["events"]!.GetValue<int>());
        var record = await Nurse.GetJsonAsync($"/api/patients/{patient}");
        Assert.Equal(["2026-02", "2026-03"], record["entries"]!.AsArray()
            .Where(e => e!["kind"]!.GetValue<string>() == "adverse-event")
            .Select(e => e!["data"]!["onsetOn"]!.GetValue<string>()).Order());

        // The export: the imputed study day (1, the first dose's) and the flag D (day imputed), never a calendar date.
        var ae = (await App.ExportFileAsync("ae.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("aestdy,aestdtf,aeendy,aeendtf", ae[0], StringComparison.Ordinal);
        Assert.Contains(ae.Skip(1), line => line.Contains(",1,D,", StringComparison.Ordinal));
        Assert.Contains(ae.Skip(1), line => line.Contains(",-37,D,", StringComparison.Ordinal));

        // A partial date that is not one is a 400 naming the field.
        var bad = Requests.AdverseEvent(Guid.NewGuid(), "2026-3", "2026-03-20");
        var refused = await Nurse.PostAsync($"/api/patients/{patient}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-03-20",
            ["adverseEvents"] = new JsonArray(bad),
        }, 400);
        var message = await refused.ReadAsTextAsync();
        Assert.Contains("adverseEvents[0].onsetOn", message);
        Assert.Contains("yyyy-MM or yyyy when only the month", message);
    }

    [Fact]
    public async Task a_voided_sae_counts_nowhere_and_a_withdrawal_ends_exposure()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        var sae = Requests.AdverseEvent(Guid.NewGuid(), "2026-11-02", "2026-11-02");
        sae["seriousCriteria"] = new JsonArray("hospitalisation");
        sae["grade"] = 3;
        var patient = await TreatedPatientAsync("P-1", "sle", "2026-11-01", sae, Requests.AdverseEvent(Guid.NewGuid(), "2026-11-03", "2026-11-03"));

        await App.WaitForProjectionsAsync();
        var before = await App.As(Roles.Pv).GetJsonAsync("/api/safety/profile?diseaseCode=sle");
        Assert.Equal(1, before["seriousEvents"]!.GetValue<int>());
        Assert.Equal(2, before["events"]!.GetValue<int>());
        // 1 to 29 November (the cut-off, today): 29 days = 29 / 365.25 = 0.0794 patient-years.
        Assert.Equal(0.0794, before["patientYears"]!.GetValue<double>());

        await Nurse.PostAsync($"/api/patients/{patient}/voids", new JsonObject { ["entryId"] = sae["adverseEventId"]!.GetValue<Guid>(), ["reason"] = "other patient" }, 201);
        await Nurse.PostAsync($"/api/patients/{patient}/withdrawal", new JsonObject { ["withdrawnOn"] = "2026-11-10", ["reasonCode"] = "adverse-event" }, 201);
        await App.WaitForProjectionsAsync();

        var after = await App.As(Roles.Monitor).GetJsonAsync("/api/safety/profile?diseaseCode=sle");
        Assert.Equal(0, after["seriousEvents"]!.GetValue<int>());
        Assert.Equal(1, after["events"]!.GetValue<int>());
        Assert.Equal(1, after["discontinuationsDueToAe"]!.GetValue<int>());
        // 1 to 10 November: 10 days = 0.0274 patient-years.
        Assert.Equal(0.0274, after["patientYears"]!.GetValue<double>());
        var soc = after["bySoc"]!.AsArray().Single()!;
        Assert.Equal("10018065", soc["socCode"]!.GetValue<string>());
        Assert.Equal(2, soc["eairCi95"]!.AsArray().Count);
    }

    [Fact]
    public async Task exposure_of_a_patient_on_treatment_grows_with_the_clock()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        await TreatedPatientAsync("P-1", "ra", "2026-11-20");
        await App.WaitForProjectionsAsync();
        var now = (await App.As(Roles.Pv).GetJsonAsync("/api/safety/profile"))["patientYears"]!.GetValue<double>();

        App.Clock.Advance(TimeSpan.FromDays(10));

        var later = (await App.As(Roles.Pv).GetJsonAsync("/api/safety/profile"))["patientYears"]!.GetValue<double>();
        // 20 to 29 November is 10 days; ten days later, 20 days (last dose + 28 is not reached yet).
        Assert.Equal(Math.Round(10 / 365.25, 4), now);
        Assert.Equal(Math.Round(20 / 365.25, 4), later);
    }

    [Fact]
    public async Task signals_compare_each_cohort_with_the_others()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        for (var i = 0; i < 4; i++)
        {
            await TreatedPatientAsync($"S-{i}", "sle", "2026-11-01", Requests.AdverseEvent(Guid.NewGuid(), "2026-11-02", "2026-11-02"));
        }

        for (var i = 0; i < 6; i++)
        {
            await TreatedPatientAsync($"R-{i}", "ra", "2026-11-01");
        }

        await App.WaitForProjectionsAsync();
        var signals = await App.As(Roles.Pv).GetJsonArrayAsync("/api/safety/signals");

        // sle: a = 4, b = 0, c = 0, d = 6. PRR and ROR have zero denominators: null, interval continuity-corrected.
        var row = signals.Single()!;
        Assert.Equal("sle", row["diseaseCode"]!.GetValue<string>());
        Assert.Equal([4, 0, 0, 6], new[] { "a", "b", "c", "d" }.Select(k => row[k]!.GetValue<int>()));
        Assert.Null(row["prr"]);
        Assert.True(row["continuityCorrected"]!.GetValue<bool>());
        Assert.Equal(10.0, row["chi2"]!.GetValue<double>());
    }

    /// <summary>The safety profile as known at a point of the log: an adverse event voided afterwards still counts then.</summary>
    [Fact]
    public async Task the_profile_as_of_a_point_before_a_void_still_counts_the_event()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        var ae = Requests.AdverseEvent(Guid.NewGuid(), "2026-11-20", "2026-11-21");
        var patient = await TreatedPatientAsync("P-9", "sle", "2026-11-10", ae);
        await App.WaitForProjectionsAsync();
        var pv = App.As(Roles.Pv);
        var before = await pv.GetJsonAsync("/api/safety/profile?diseaseCode=sle");
        Assert.Equal(1, before["events"]!.GetValue<int>());
        var point = before["asOf"]!["sequence"]!.GetValue<long>();

        App.Clock.Advance(TimeSpan.FromHours(2));
        await Nurse.PostAsync($"/api/patients/{patient}/voids",
            new JsonObject { ["entryId"] = ae["adverseEventId"]!.DeepClone(), ["reason"] = "another patient's" }, 201);
        await App.WaitForProjectionsAsync();

        Assert.Equal(0, (await pv.GetJsonAsync("/api/safety/profile?diseaseCode=sle"))["events"]!.GetValue<int>());
        var then = await pv.GetJsonAsync($"/api/safety/profile?diseaseCode=sle&asOf={point}");
        Assert.Equal(1, then["events"]!.GetValue<int>());
        Assert.Equal(before["patientsWithAe"]!.GetValue<int>(), then["patientsWithAe"]!.GetValue<int>());
        Assert.Equal(point, then["asOf"]!["sequence"]!.GetValue<long>());
        var problem = await pv.GetAsync("/api/safety/profile?asOf=someday", 400);
        Assert.Contains("asOf", (await problem.ValidationErrorsAsync()).Keys);
    }
}
