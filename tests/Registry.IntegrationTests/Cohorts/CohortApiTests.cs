using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Cohorts;

/// <summary>
/// A small lupus cohort entered through the API, projected by the async daemon, its figures worked by hand.
/// Five patients, first doses on 2026-03-09 (day 1), baseline Tregs on day 1, day-8 samples on 2026-03-16:
/// fold changes 2.0, 1.2, 1.8, 1.5 and 2.5 → median 1.8, q1 1.5, q3 2.0, responders 4 of 5 (0.8,
/// Wilson [0.3755, 0.9638]); a sixth patient is treated with no day-8 sample: 4 of 6 treated = 0.6667.
/// </summary>
public sealed class CohortApiTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01", "DE01");

    private static JsonObject Visit(string date, decimal? treg = null, long? doseIu = null, (string Instrument, decimal Value)? score = null, string gating = "cd4-cd25-foxp3")
    {
        var visit = new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = date };
        if (doseIu is { } iu)
        {
            visit["doses"] = new JsonArray(new JsonObject { ["givenOn"] = date, ["doseIu"] = iu, ["product"] = "aldesleukin", ["phase"] = "induction" });
        }

        if (treg is { } t)
        {
            visit["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = date, ["tregPercentOfCd4"] = t, ["gating"] = gating, ["tconvPercentOfCd4"] = 100 - t - 10 });
        }

        if (score is { } s)
        {
            visit["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = date, ["instrument"] = s.Instrument, ["value"] = s.Value });
        }

        return visit;
    }

    private async Task<(Guid Patient, Guid? Day8Sample)> PatientAsync(string site, string code, decimal? foldChange, string therapyLine = "standalone")
    {
        var enrolment = Requests.Enrolment(site, code);
        enrolment["therapyLine"] = therapyLine;
        var id = await Nurse.EnrolAsync(enrolment);
        await Nurse.PostAsync($"/api/patients/{id}/visits", Visit("2026-03-09", treg: 4.0m, doseIu: 1_000_000, score: ("sledai-2k", 10)), 201);
        Guid? sample = null;
        if (foldChange is { } fc)
        {
            var result = await Nurse.PostAsync($"/api/patients/{id}/visits", Visit("2026-03-16", treg: 4.0m * fc), 201);
            sample = JsonNode.Parse(await result.ReadAsTextAsync())!["entryIds"]![0]!.GetValue<Guid>();
        }

        return (id, sample);
    }

    private async Task<List<(Guid Patient, Guid? Day8Sample)>> CohortAsync()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.RegisterSiteAsync("DE01");
        var patients = new List<(Guid, Guid?)>();
        var n = 0;
        foreach (var fc in new decimal?[] { 2.0m, 1.2m, 1.8m, 1.5m, 2.5m, null })
        {
            patients.Add(await PatientAsync(n % 2 == 0 ? "FR01" : "DE01", $"P-{n++}", fc));
        }

        await App.WaitForProjectionsAsync();
        return patients;
    }

    [Fact]
    public async Task a_cohorts_treg_response_is_computed_as_domain_md_defines_it()
    {
        await CohortAsync();

        var cohort = await App.As(Roles.Researcher).GetJsonAsync("/api/cohorts/sle");

        Assert.Equal(6, cohort["enrolled"]!.GetValue<int>());
        Assert.Equal(6, cohort["treated"]!.GetValue<int>());
        var treg = cohort["treg"]!;
        Assert.Equal(8, treg["targetDay"]!.GetValue<int>());
        Assert.Equal(5, treg["evaluable"]!.GetValue<int>());
        Assert.Equal(1.8, treg["medianFoldChange"]!.GetValue<double>());
        Assert.Equal(1.5, treg["q1"]!.GetValue<double>());
        Assert.Equal(2.0, treg["q3"]!.GetValue<double>());
        Assert.Equal(4, treg["responders"]!.GetValue<int>());
        Assert.Equal(0.8, treg["responderRate"]!.GetValue<double>());
        Assert.Equal([0.3755, 0.9638], treg["responderRateCi95"]!.AsArray().Select(x => x!.GetValue<double>()));
        Assert.Equal(0.6667, treg["responderRateTreated"]!.GetValue<double>());
        Assert.Equal([8, 15, 29, 85, 183], cohort["byTargetDay"]!.AsArray().Select(x => x!["targetDay"]!.GetValue<int>()));
        Assert.True(cohort["asOf"]!["sequence"]!.GetValue<long>() > 0);
        var sledai = cohort["clinical"]!.AsArray().Single(c => c!["instrument"]!.GetValue<string>() == "sledai-2k")!;
        Assert.Equal(0, sledai["evaluable"]!.GetValue<int>());
        // Treg : Tconv ratio at baseline: 4 / 86 = 0.0465 for everyone.
        Assert.Equal(0.0465, cohort["tregTconv"]!["medianBaselineRatio"]!.GetValue<double>());
    }

    [Fact]
    public async Task a_site_user_sees_figures_of_its_own_sites_only_and_filters_narrow_the_cohort()
    {
        await CohortAsync();

        var own = (await App.As(Roles.Site, "FR01").GetJsonArrayAsync("/api/cohorts")).Single()!;
        Assert.Equal(3, own["enrolled"]!.GetValue<int>());
        Assert.Equal(3, own["treg"]!["evaluable"]!.GetValue<int>());
        Assert.Null(own["treg"]!["responderRate"]);

        Assert.Equal(3, (await App.As(Roles.Monitor).GetJsonArrayAsync("/api/cohorts?siteId=DE01")).Single()!["enrolled"]!.GetValue<int>());
        Assert.Empty(await App.As(Roles.Monitor).GetJsonArrayAsync("/api/cohorts?therapyLine=addon"));
        await App.As(Roles.Monitor).GetAsync("/api/cohorts?therapyLine=first", 400);
        await App.As(Roles.Monitor).GetAsync("/api/cohorts/influenza", 404);
    }

    [Fact]
    public async Task figures_asked_again_after_new_events_include_them_and_each_caller_gets_figures_of_its_own_patients()
    {
        await CohortAsync();
        var monitor = App.As(Roles.Monitor);
        var site = App.As(Roles.Site, "FR01");
        Assert.Equal(6, (await monitor.GetJsonAsync("/api/cohorts/sle"))["enrolled"]!.GetValue<int>());
        Assert.Equal(3, (await site.GetJsonAsync("/api/cohorts/sle"))["enrolled"]!.GetValue<int>());
        Assert.Equal(3, (await site.GetJsonAsync("/api/cohorts/sle"))["enrolled"]!.GetValue<int>());

        await PatientAsync("FR01", "P-late", 3.0m);
        await App.WaitForProjectionsAsync();

        var after = await monitor.GetJsonAsync("/api/cohorts/sle");
        Assert.Equal(7, after["enrolled"]!.GetValue<int>());
        Assert.Equal(5, after["treg"]!["responders"]!.GetValue<int>());
        Assert.Equal(4, (await site.GetJsonAsync("/api/cohorts/sle"))["enrolled"]!.GetValue<int>());
        Assert.Equal(3, (await App.As(Roles.Site, "DE01").GetJsonAsync("/api/cohorts/sle"))["enrolled"]!.GetValue<int>());
    }

    [Fact]
    public async Task a_correction_moves_a_patient_out_of_the_responders_and_a_void_out_of_the_evaluable()
    {
        var patients = await CohortAsync();
        var (patient, sample) = patients[0];   // fold change 2.0

        await Nurse.PostAsync($"/api/patients/{patient}/corrections", new JsonObject
        {
            ["entryId"] = sample,
            ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 4.4 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "lab sheet",
        }, 201);
        await App.WaitForProjectionsAsync();

        // Fold changes now 1.1, 1.2, 1.8, 1.5, 2.5: 3 responders of 5, median 1.5.
        var treg = (await App.As(Roles.Monitor).GetJsonAsync("/api/cohorts/sle"))["treg"]!;
        Assert.Equal(3, treg["responders"]!.GetValue<int>());
        Assert.Equal(1.5, treg["medianFoldChange"]!.GetValue<double>());

        await Nurse.PostAsync($"/api/patients/{patient}/voids", new JsonObject { ["entryId"] = sample, ["reason"] = "sample of another patient" }, 201);
        await App.WaitForProjectionsAsync();
        Assert.Equal(4, (await App.As(Roles.Monitor).GetJsonAsync("/api/cohorts/sle"))["treg"]!["evaluable"]!.GetValue<int>());
    }

    /// <summary>
    /// As known on a date: a correction recorded after a point of the log does not change the figures asked as of that
    /// point (a sequence, or an instant), and the figures asked as of now agree with the live ones.
    /// </summary>
    [Fact]
    public async Task figures_as_of_a_point_before_a_correction_are_what_the_registry_answered_then()
    {
        var patients = await CohortAsync();
        var monitor = App.As(Roles.Monitor);
        var before = (await monitor.GetJsonAsync("/api/cohorts/sle"))["asOf"]!["sequence"]!.GetValue<long>();
        var beforeAt = App.Clock.GetUtcNow();
        App.Clock.Advance(TimeSpan.FromHours(1));
        await Nurse.PostAsync($"/api/patients/{patients[0].Patient}/corrections", new JsonObject
        {
            ["entryId"] = patients[0].Day8Sample,
            ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 4.4 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "lab sheet",
        }, 201);
        await App.WaitForProjectionsAsync();

        var then = await monitor.GetJsonAsync($"/api/cohorts/sle?asOf={before}");
        Assert.Equal(4, then["treg"]!["responders"]!.GetValue<int>());
        Assert.Equal(1.8, then["treg"]!["medianFoldChange"]!.GetValue<double>());
        Assert.Equal(before, then["asOf"]!["sequence"]!.GetValue<long>());
        var list = await monitor.GetJsonArrayAsync($"/api/cohorts?asOf={before}");
        Assert.Equal(4, list.Single(c => c!["diseaseCode"]!.GetValue<string>() == "sle")!["treg"]!["responders"]!.GetValue<int>());
        Assert.Equal(3, (await monitor.GetJsonArrayAsync("/api/cohorts")).Single(c => c!["diseaseCode"]!.GetValue<string>() == "sle")!
            ["treg"]!["responders"]!.GetValue<int>());
        await monitor.GetAsync("/api/cohorts?asOf=yesterday", 400);
        var atInstant = await monitor.GetJsonAsync($"/api/cohorts/sle?asOf={Uri.EscapeDataString(beforeAt.ToString("O"))}");
        Assert.Equal(4, atInstant["treg"]!["responders"]!.GetValue<int>());

        var live = await monitor.GetJsonAsync("/api/cohorts/sle");
        var head = live["asOf"]!["sequence"]!.GetValue<long>();
        var now = await monitor.GetJsonAsync($"/api/cohorts/sle?asOf={head}");
        Assert.Equal(3, now["treg"]!["responders"]!.GetValue<int>());
        Assert.Equal(live["treg"]!.ToJsonString(), now["treg"]!.ToJsonString());

        // An instant with another offset is the same instant.
        var paris = beforeAt.ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-ddTHH:mm:ss.fffffffzzz");
        Assert.Equal(4, (await monitor.GetJsonAsync($"/api/cohorts/sle?asOf={Uri.EscapeDataString(paris)}"))["treg"]!["responders"]!
            .GetValue<int>());

        foreach (var bad in new[] { "yesterday", "-1", $"{head + 1000}", "2999-01-01T00:00:00Z", "2026-11-29T10:00:00" })
        {
            var problem = await monitor.GetAsync($"/api/cohorts/sle?asOf={Uri.EscapeDataString(bad)}", 400);
            Assert.Contains("asOf", (await problem.ValidationErrorsAsync()).Keys);
        }
    }

    /// <summary>
    /// Stand-alone versus add-on: five stand-alone patients (4 responders of 5) and five add-on (2 of 5, one on
    /// methotrexate): the difference 0.8 − 0.4 = 0.4 with its Newcombe interval worked from the two Wilson intervals.
    /// </summary>
    [Fact]
    public async Task stand_alone_and_add_on_are_compared_with_the_newcombe_interval_of_their_difference()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.RegisterSiteAsync("DE01");
        var n = 0;
        foreach (var fc in new[] { 2.0m, 1.6m, 1.8m, 1.5m, 1.2m })
        {
            await PatientAsync("FR01", $"S-{n++}", fc);
        }

        foreach (var fc in new[] { 2.0m, 1.6m, 1.1m, 1.2m, 1.0m })
        {
            var (patient, _) = await PatientAsync("FR01", $"A-{n++}", fc, "addon");
            if (n == 6)
            {
                await Nurse.PostAsync($"/api/patients/{patient}/visits", new JsonObject
                {
                    ["visitId"] = Guid.NewGuid(),
                    ["visitDate"] = "2026-03-09",
                    ["conmeds"] = new JsonArray(new JsonObject { ["drug"] = "methotrexate", ["drugClass"] = "csdmard", ["startedOn"] = "2025" }),
                }, 201);
            }
        }

        var comparison = await App.As(Roles.Researcher).GetJsonAsync("/api/cohorts/sle/comparison");

        Assert.Equal(4, comparison["standalone"]!["treg"]!["responders"]!.GetValue<int>());
        Assert.Equal(2, comparison["addon"]!["treg"]!["responders"]!.GetValue<int>());
        var difference = comparison["tregResponderDifference"]!;
        Assert.Equal(0.4, difference["difference"]!.GetValue<double>());
        // Wilson 4/5 = (0.3755, 0.9638), 2/5 = (0.1176, 0.7693): lower = 0.4 − √(0.4245² + 0.3693²), upper = 0.4 + √(0.1638² + 0.2824²).
        var (l1, u1) = Registry.Cohorts.Statistics.Wilson(4, 5)!.Value;
        var (l2, u2) = Registry.Cohorts.Statistics.Wilson(2, 5)!.Value;
        var low = 0.4 - Math.Sqrt(Math.Pow(0.8 - l1, 2) + Math.Pow(u2 - 0.4, 2));
        var high = 0.4 + Math.Sqrt(Math.Pow(u1 - 0.8, 2) + Math.Pow(0.4 - l2, 2));
        Assert.Equal([Math.Round(low, 4), Math.Round(high, 4)], difference["ci95"]!.AsArray().Select(x => x!.GetValue<double>()));
        Assert.Equal([("csdmard", 1)], comparison["addonConcomitants"]!.AsArray()
            .Select(c => (c!["drugClass"]!.GetValue<string>(), c["patients"]!.GetValue<int>())));

        // Below five evaluable in a group: no difference and no interval.
        var fewer = await App.As(Roles.Researcher).GetJsonAsync("/api/cohorts/sle/comparison?siteId=DE01");
        Assert.Null(fewer["tregResponderDifference"]!["difference"]);
        Assert.Null(fewer["tregResponderDifference"]!["ci95"]);
        await App.As(Roles.Researcher).GetAsync("/api/cohorts/nope/comparison", 404);
    }

    /// <summary>
    /// The cohort of <see cref="CohortAsync"/> with more to count: five patients scored at day 85 (SLEDAI-2K 10 → 10, 8, 6, 4,
    /// 2; CGI-I 1 to 5), three sampled at day 29 (too few for a median there), and an add-on patient at DE01 never dosed
    /// (enrolled, not treated: in no other figure).
    /// </summary>
    private async Task<List<(Guid Patient, Guid? Day8Sample)>> ScoredCohortAsync()
    {
        var patients = await CohortAsync();
        var untreated = Requests.Enrolment("DE01", "P-untreated");
        untreated["therapyLine"] = "addon";
        await Nurse.EnrolAsync(untreated);
        for (var i = 0; i < 5; i++)
        {
            var visit = Visit("2026-06-01", score: ("sledai-2k", 10 - (2 * i)));
            visit["scores"]!.AsArray().Add(new JsonObject { ["assessedOn"] = "2026-06-01", ["instrument"] = "cgi-i", ["value"] = i + 1 });
            await Nurse.PostAsync($"/api/patients/{patients[i].Patient}/visits", visit, 201);
            if (i < 3)
            {
                await Nurse.PostAsync($"/api/patients/{patients[i].Patient}/visits", Visit("2026-04-06", treg: 6m), 201);
            }
        }

        await App.WaitForProjectionsAsync();
        return patients;
    }

    /// <summary>Every figure of the cohort detail, traced: the contributors' sum (or median, or mean) is the figure.</summary>
    [Fact]
    public async Task every_figure_of_the_cohort_detail_is_made_of_its_contributors()
    {
        await ScoredCohortAsync();
        var researcher = App.As(Roles.Researcher);
        var cohort = await researcher.GetJsonAsync("/api/cohorts/sle");
        var traced = 0;

        async Task Trace(string query, JsonNode? figure)
        {
            var answer = await researcher.GetJsonAsync($"/api/cohorts/sle/contributors?{query}");
            var expected = figure?.GetValue<double>();
            Assert.True(expected == answer["value"]?.GetValue<double>(), $"{query}: {expected} in the cohort, {answer["value"]} traced");
            var contributions = answer["contributors"]!.AsArray().Select(c => c!["contribution"]!.GetValue<double>()).ToList();
            double? made = answer["aggregate"]!.GetValue<string>() switch
            {
                "count" => contributions.Sum(),
                "median" when contributions.Count >= 5 => Math.Round(Registry.Cohorts.Statistics.Median(contributions)!.Value, 4, MidpointRounding.AwayFromZero),
                "mean" when contributions.Count >= 5 => Math.Round(contributions.Average(), 4, MidpointRounding.AwayFromZero),
                _ => null,
            };
            Assert.True(expected == made, $"{query}: {expected} in the cohort, {made} from its {contributions.Count} contributors");
            traced++;
        }

        await Trace("figure=enrolled", cohort["enrolled"]);
        await Trace("figure=treated", cohort["treated"]);
        foreach (var treg in cohort["byTargetDay"]!.AsArray().Append(cohort["treg"]))
        {
            var day = treg!["targetDay"]!.GetValue<int>();
            await Trace($"figure=treg-evaluable&targetDay={day}", treg["evaluable"]);
            await Trace($"figure=treg-responders&targetDay={day}", treg["responders"]);
            await Trace($"figure=treg-fold-change&targetDay={day}", treg["medianFoldChange"]);
        }

        await Trace("figure=treg-tconv-baseline", cohort["tregTconv"]!["medianBaselineRatio"]);
        await Trace("figure=treg-tconv-change", cohort["tregTconv"]!["medianRatioFoldChange"]);
        foreach (var clinical in cohort["clinical"]!.AsArray())
        {
            var instrument = clinical!["instrument"]!.GetValue<string>();
            await Trace($"figure=clinical-evaluable&instrument={instrument}", clinical["evaluable"]);
            await Trace($"figure=clinical-responders&instrument={instrument}", clinical["responders"]);
            await Trace($"figure=clinical-with-change&instrument={instrument}", clinical["withChange"]);
            await Trace($"figure=clinical-change&instrument={instrument}", clinical["meanChange"]);
        }

        var cgi = cohort["cgiImprovement"]!;
        await Trace("figure=cgi-i", cgi["n"]);
        await Trace("figure=cgi-i-improved", cgi["improved"]);
        for (var k = 1; k <= 7; k++)
        {
            await Trace($"figure=cgi-i&category={k}", cgi["counts"]![k.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        // Not an empty check: the cohort has responders, a median, a mean change and CGI-I scores to trace, and an untreated patient.
        Assert.Equal((7, 6), (cohort["enrolled"]!.GetValue<int>(), cohort["treated"]!.GetValue<int>()));
        Assert.Equal(4, cohort["treg"]!["responders"]!.GetValue<int>());
        Assert.Equal(-4.0, cohort["clinical"]!.AsArray().Single(c => c!["instrument"]!.GetValue<string>() == "sledai-2k")!["meanChange"]!
            .GetValue<double>());
        Assert.Equal(5, cgi["n"]!.GetValue<int>());
        // Enrolled and treated, 3 per Treg target day (6), Treg : Tconv, 4 per instrument (4), CGI-I's n, improved and 7 counts.
        Assert.Equal(2 + (6 * 3) + 2 + (4 * 4) + 9, traced);
    }

    /// <summary>
    /// A figure's patients and the events it used: pseudonyms and study days for a researcher, subject codes and dates for
    /// a site user (its own sites only); a correction of the value used is among them.
    /// </summary>
    [Fact]
    public async Task a_figures_contributors_name_the_events_used_in_the_callers_scope()
    {
        var patients = await ScoredCohortAsync();
        await Nurse.PostAsync($"/api/patients/{patients[0].Patient}/corrections", new JsonObject
        {
            ["entryId"] = patients[0].Day8Sample,
            ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 8.4 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "lab sheet",
        }, 201);
        await App.WaitForProjectionsAsync();

        var researcher = await App.As(Roles.Researcher).GetJsonAsync("/api/cohorts/sle/contributors?figure=treg-responders");
        Assert.Equal(4, researcher["contributors"]!.AsArray().Count);
        var top = researcher["contributors"]!.AsArray().Single(c => c!["value"]!.GetValue<double>() == 2.1)!;
        Assert.Matches("^R[0-9a-f]{20}$", top["patient"]!.GetValue<string>());
        var events = top["events"]!.AsArray();
        Assert.Equal(["baseline", "first-dose", "target", "target"], events.Select(e => e!["role"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Contains(events, e => e!["kind"]!.GetValue<string>() == "entry-corrected" && e["studyDay"]!.GetValue<int>() == 8);
        // No calendar date for a researcher, and no sequence (the log says when each event was recorded).
        Assert.All(events, e => Assert.Null(e!["date"]));
        Assert.All(events, e => Assert.Null(e!["sequence"]));
        // The same researcher gets the same pseudonym again; another researcher another one.
        var again = await App.As(Roles.Researcher).GetJsonAsync("/api/cohorts/sle/contributors?figure=treg-responders");
        Assert.Contains(again["contributors"]!.AsArray(), c => c!["patient"]!.GetValue<string>() == top["patient"]!.GetValue<string>());
        var other = await App.AsUser("researcher-2", Roles.Researcher).GetJsonAsync("/api/cohorts/sle/contributors?figure=treg-responders");
        Assert.DoesNotContain(other["contributors"]!.AsArray(), c => c!["patient"]!.GetValue<string>() == top["patient"]!.GetValue<string>());

        var site = await App.AsUser("nurse2", Roles.Site, "FR01").GetJsonAsync("/api/cohorts/sle/contributors?figure=enrolled");
        Assert.Equal(["P-0", "P-2", "P-4"], site["contributors"]!.AsArray().Select(c => c!["patient"]!.GetValue<string>()));
        Assert.All(site["contributors"]!.AsArray(), c => Assert.Equal("FR01", c!["siteId"]!.GetValue<string>()));
        var enrolment = site["contributors"]![0]!["events"]!.AsArray().Single()!;
        Assert.Equal(("patient-enrolled", "enrolment"), (enrolment["kind"]!.GetValue<string>(), enrolment["role"]!.GetValue<string>()));
        Assert.NotNull(enrolment["date"]);
        Assert.True(enrolment["sequence"]!.GetValue<long>() > 0);
        // A site user may ask who made a figure at a point of the log; a researcher may not.
        var then = await App.AsUser("nurse2", Roles.Site, "FR01").GetJsonAsync($"/api/cohorts/sle/contributors?figure=enrolled&asOf={site["asOf"]!["sequence"]}");
        Assert.Equal(3, then["contributors"]!.AsArray().Count);
        Assert.Contains("asOf", (await (await App.As(Roles.Researcher).GetAsync("/api/cohorts/sle/contributors?figure=enrolled&asOf=1", 400))
            .ValidationErrorsAsync()).Keys);
        Assert.Contains("asOf", (await (await App.As(Roles.Researcher).GetAsync("/api/cohorts/sle/treg-course?asOf=1", 400))
            .ValidationErrorsAsync()).Keys);
        await App.AsUser("nurse2", Roles.Site, "FR01").GetAsync("/api/cohorts/sle/contributors?figure=enrolled&siteId=DE01", 403);
        // The filters narrow the patients as they narrow the figures.
        var monitor = App.As(Roles.Monitor);
        Assert.Equal(6, (await monitor.GetJsonAsync("/api/cohorts/sle/contributors?figure=enrolled&therapyLine=standalone"))["value"]!
            .GetValue<int>());
        Assert.Equal(["P-untreated"], (await monitor.GetJsonAsync("/api/cohorts/sle/contributors?figure=enrolled&therapyLine=addon"))
            ["contributors"]!.AsArray().Select(c => c!["patient"]!.GetValue<string>()));
        Assert.Empty((await monitor.GetJsonAsync("/api/cohorts/sle/contributors?figure=treated&therapyLine=addon"))["contributors"]!
            .AsArray());
        Assert.Equal(4, (await monitor.GetJsonAsync("/api/cohorts/sle/contributors?figure=enrolled&siteId=DE01"))["contributors"]!
            .AsArray().Count);

        foreach (var (query, field) in new[]
        {
            ("", "figure"), ("figure=median", "figure"), ("figure=clinical-evaluable", "instrument"),
            ("figure=clinical-evaluable&instrument=pasi", "instrument"), ("figure=treated&instrument=pga", "instrument"),
            ("figure=treg-evaluable&targetDay=9", "targetDay"), ("figure=treg-evaluable&targetDay=x", "targetDay"),
            ("figure=clinical-change&instrument=pga&targetDay=8", "targetDay"), ("figure=cgi-i&category=8", "category"),
            ("figure=treated&category=1", "category"),
        })
        {
            var problem = await App.As(Roles.Researcher).GetAsync($"/api/cohorts/sle/contributors?{query}", 400);
            Assert.Contains(field, (await problem.ValidationErrorsAsync()).Keys);
        }

        await App.As(Roles.Researcher).GetAsync("/api/cohorts/nope/contributors?figure=enrolled", 404);
    }

    [Fact]
    public async Task the_treg_course_gives_each_treated_patient_and_the_median_the_figures_use()
    {
        await ScoredCohortAsync();

        var course = await App.As(Roles.Monitor).GetJsonAsync("/api/cohorts/sle/treg-course");
        Assert.Equal("cd4-cd25-foxp3", course["gating"]!.GetValue<string>());
        Assert.Equal(6, course["gatings"]![0]!["patients"]!.GetValue<int>());
        Assert.Contains("gating", (await (await App.As(Roles.Monitor).GetAsync("/api/cohorts/sle/treg-course?gating=other", 400))
            .ValidationErrorsAsync()).Keys);
        Assert.Empty((await App.As(Roles.Monitor).GetJsonAsync("/api/cohorts/sle/treg-course?gating=cd4-cd25hi-cd127lo"))["patients"]!
            .AsArray());

        Assert.Equal(6, course["patients"]!.AsArray().Count);
        var first = course["patients"]!.AsArray().Single(p => p!["patient"]!.GetValue<string>() == "P-0")!;
        Assert.Equal([(1, 4.0), (8, 8.0), (29, 6.0)], first["points"]!.AsArray()
            .Select(p => (p!["studyDay"]!.GetValue<int>(), p["tregPercentOfCd4"]!.GetValue<double>())));
        Assert.Equal(2.0, first["foldChange"]!.GetValue<double>());
        var median = course["median"]!.AsArray().ToDictionary(m => m!["studyDay"]!.GetValue<int>(), m => m!);
        Assert.Equal((6, 4.0), (median[1]["n"]!.GetValue<int>(), median[1]["median"]!.GetValue<double>()));
        Assert.Equal((5, 7.2), (median[8]["n"]!.GetValue<int>(), median[8]["median"]!.GetValue<double>()));
        Assert.Equal(3, median[29]["n"]!.GetValue<int>());
        Assert.Null(median[29]["median"]);
    }

    /// <summary>
    /// 32 clients at once: every drill-down, course, comparison and figure at a point answers, each with the same numbers;
    /// 32 researchers saving one name at once get one definition and 31 conflicts.
    /// </summary>
    [Fact]
    public async Task thirty_two_clients_at_once_get_the_same_figures_and_one_name_is_saved_once()
    {
        await ScoredCohortAsync();
        var monitor = App.As(Roles.Monitor);
        var head = (await monitor.GetJsonAsync("/api/cohorts/sle"))["asOf"]!["sequence"]!.GetValue<long>();
        string[] urls =
        [
            "/api/cohorts/sle/contributors?figure=treg-responders", "/api/cohorts/sle/treg-course", "/api/cohorts/sle/comparison",
            $"/api/cohorts/sle/contributors?figure=treg-responders&asOf={head}", $"/api/cohorts/sle?asOf={head}",
        ];
        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => monitor.GetJsonAsync(urls[i % urls.Length])));
        Assert.All(answers.Where((_, i) => i % urls.Length is 0 or 3), a => Assert.Equal(4, a["contributors"]!.AsArray().Count));
        Assert.All(answers.Where((_, i) => i % urls.Length == 4), a => Assert.Equal(4, a["treg"]!["responders"]!.GetValue<int>()));
        Assert.All(answers.Where((_, i) => i % urls.Length == 1), a => Assert.Equal(6, a["patients"]!.AsArray().Count));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
        {
            using var client = Host.Server.CreateClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", App.Tokens.Issue($"researcher-{i}", Roles.Researcher, []));
            using var response = await client.PostAsync("/api/cohort-definitions", new StringContent(
                "{\"name\":\"Lupus, everyone\",\"cohort\":{\"diseaseCodes\":[\"sle\"]}}", System.Text.Encoding.UTF8, "application/json"));
            return (int)response.StatusCode;
        }));
        Assert.Equal(1, statuses.Count(s => s == 201));
        Assert.Equal(31, statuses.Count(s => s == 409));
        var saved = await App.As(Roles.Researcher).GetJsonArrayAsync("/api/cohort-definitions");
        Assert.Equal(1, Assert.Single(saved)!["latestVersion"]!.GetValue<int>());
    }
}
