using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Worklist;

/// <summary>
/// <c>GET /api/worklist</c>: what a site has to do, from its patients' records. Today is 2026-11-29
/// (the fixture's clock); the sites are in UTC.
/// </summary>
public sealed class WorklistApiTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01", "UTC");
        await App.Admin.RegisterSiteAsync("DE01", "UTC");
    }

    private async Task<Guid> EnrolAsync(string site = "FR01", string code = "FR01-0001", string enrolledOn = "2026-11-01")
    {
        var enrolment = Requests.Enrolment(site, code);
        enrolment["enrolledOn"] = enrolledOn;
        return await App.AsUser("nurse1", Roles.Site, site).EnrolAsync(enrolment);
    }

    private Task VisitAsync(Guid patientId, string date, JsonObject entries, string site = "FR01")
    {
        entries["visitId"] = Guid.NewGuid();
        entries["visitDate"] = date;
        return App.AsUser("nurse1", Roles.Site, site).PostAsync($"/api/patients/{patientId}/visits", entries, 201);
    }

    private static JsonObject Doses(params string[] dates) => new()
    {
        ["doses"] = new JsonArray(dates.Select(d => (JsonNode)new JsonObject
        {
            ["givenOn"] = d,
            ["doseIu"] = 1_000_000,
            ["product"] = "aldesleukin",
            ["phase"] = "induction",
        }).ToArray()),
    };

    private static JsonObject NotDone(string item, string dueOn, string reason = "dose held for fever") => new()
    {
        ["notDone"] = new JsonArray(new JsonObject { ["item"] = item, ["dueOn"] = dueOn, ["reason"] = reason }),
    };

    private async Task<JsonObject> PatientAsync(Guid patientId)
    {
        var worklist = await Nurse.GetJsonAsync("/api/worklist");
        return worklist["patients"]!.AsArray().Single(p => p!["patientId"]!.GetValue<Guid>() == patientId)!.AsObject();
    }

    /// <summary>The item due of this kind (a Treg sample: the day-8 one, unless another target day is named).</summary>
    private static JsonObject? Due(JsonObject patient, string item, int sampleDay = 8) =>
        patient["due"]!.AsArray().SingleOrDefault(d => d!["item"]!.GetValue<string>() == item
            && (item != "treg-sample" || d["studyDay"]!.GetValue<int>() == sampleDay))?.AsObject();

    [Fact]
    public async Task a_patient_without_a_dose_is_due_the_first_dose_from_enrolment()
    {
        var patientId = await EnrolAsync(enrolledOn: "2026-11-29");

        var patient = await PatientAsync(patientId);

        var dose = Due(patient, "dose")!;
        Assert.Equal("2026-11-29", dose["dueOn"]!.GetValue<string>());
        Assert.Equal("due", dose["state"]!.GetValue<string>());
        Assert.Equal("induction", dose["phase"]!.GetValue<string>());
        Assert.Null(Due(patient, "treg-sample"));
    }

    [Fact]
    public async Task after_five_induction_days_the_next_dose_is_due_fourteen_days_after_the_last_and_is_overdue_when_missed()
    {
        var patientId = await EnrolAsync();
        await VisitAsync(patientId, "2026-11-06", Doses("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"));

        var dose = Due(await PatientAsync(patientId), "dose")!;

        Assert.Equal("2026-11-20", dose["dueOn"]!.GetValue<string>());
        Assert.Equal(19, dose["studyDay"]!.GetValue<int>());
        Assert.Equal("maintenance", dose["phase"]!.GetValue<string>());
        Assert.Equal("overdue", dose["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task during_induction_the_next_dose_is_due_the_next_day()
    {
        var patientId = await EnrolAsync(enrolledOn: "2026-11-26");
        await VisitAsync(patientId, "2026-11-27", Doses("2026-11-26", "2026-11-27"));

        var dose = Due(await PatientAsync(patientId), "dose")!;

        Assert.Equal("2026-11-28", dose["dueOn"]!.GetValue<string>());
        Assert.Equal(3, dose["studyDay"]!.GetValue<int>());
        Assert.Equal("overdue", dose["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_dose_marked_not_done_stops_being_asked_for_and_the_schedule_moves_on_from_it()
    {
        var patientId = await EnrolAsync();
        await VisitAsync(patientId, "2026-11-06", Doses("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"));

        await VisitAsync(patientId, "2026-11-29", NotDone("dose", "2026-11-20"));

        var dose = Due(await PatientAsync(patientId), "dose")!;
        Assert.Equal("2026-12-04", dose["dueOn"]!.GetValue<string>());
        Assert.Equal("upcoming", dose["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task the_day_8_treg_sample_is_asked_for_until_a_sample_in_its_window_is_recorded()
    {
        var patientId = await EnrolAsync(enrolledOn: "2026-11-20");
        await VisitAsync(patientId, "2026-11-24", Doses("2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"));

        var missing = Due(await PatientAsync(patientId), "treg-sample")!;
        Assert.Equal("2026-11-27", missing["dueOn"]!.GetValue<string>());
        Assert.Equal("2026-11-25", missing["windowFrom"]!.GetValue<string>());
        Assert.Equal("2026-11-29", missing["windowTo"]!.GetValue<string>());
        Assert.Equal("due", missing["state"]!.GetValue<string>());

        await VisitAsync(patientId, "2026-11-28", new JsonObject
        {
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = "2026-11-28", ["tregPercentOfCd4"] = 9.1, ["gating"] = "cd4-cd25-foxp3" }),
        });
        Assert.Null(Due(await PatientAsync(patientId), "treg-sample"));
    }

    [Fact]
    public async Task a_missed_day_8_sample_is_overdue_until_marked_not_done()
    {
        var patientId = await EnrolAsync();
        await VisitAsync(patientId, "2026-11-02", Doses("2026-11-02"));
        Assert.Equal("overdue", Due(await PatientAsync(patientId), "treg-sample")!["state"]!.GetValue<string>());

        await VisitAsync(patientId, "2026-11-29", NotDone("treg-sample", "2026-11-09", "patient did not come"));

        Assert.Null(Due(await PatientAsync(patientId), "treg-sample"));

        // The later target days: day 15 (16 November, window 13 to 19) overdue; day 29 (30 November, window 24 November to
        // 6 December) due; day 85 not yet asked for.
        var patient = await PatientAsync(patientId);
        Assert.Equal("overdue", Due(patient, "treg-sample", 15)!["state"]!.GetValue<string>());
        Assert.Equal("due", Due(patient, "treg-sample", 29)!["state"]!.GetValue<string>());
        Assert.Null(Due(patient, "treg-sample", 85));
    }

    [Fact]
    public async Task a_withdrawn_patient_has_nothing_due()
    {
        var patientId = await EnrolAsync();
        await VisitAsync(patientId, "2026-11-02", Doses("2026-11-02"));
        await Nurse.PostAsync($"/api/patients/{patientId}/withdrawal",
            new JsonObject { ["withdrawnOn"] = "2026-11-10", ["reasonCode"] = "patient-decision", ["reason"] = "moved away" }, 201);

        var patient = await PatientAsync(patientId);

        Assert.Equal("withdrawn", patient["status"]!.GetValue<string>());
        Assert.Empty(patient["due"]!.AsArray());
    }

    [Fact]
    public async Task serious_adverse_events_show_whether_the_site_clock_was_met()
    {
        var patientId = await EnrolAsync();
        var late = Requests.AdverseEvent(Guid.NewGuid(), "2026-11-24", "2026-11-25");
        late["seriousCriteria"] = new JsonArray("hospitalisation");
        late["term"] = "pneumonia";
        var mild = Requests.AdverseEvent(Guid.NewGuid(), "2026-11-27", "2026-11-27");
        await VisitAsync(patientId, "2026-11-29", new JsonObject { ["adverseEvents"] = new JsonArray(late, mild) });
        // The mild event becomes serious through a follow-up: its reportedOn starts the site clock.
        await Nurse.PostAsync($"/api/patients/{patientId}/adverse-events/{mild["adverseEventId"]!.GetValue<Guid>()}/follow-ups",
            new JsonObject { ["reportedOn"] = "2026-11-28", ["seriousCriteria"] = new JsonArray("medically-important") }, 201);

        var saes = (await Nurse.GetJsonAsync("/api/worklist"))["seriousAdverseEvents"]!.AsArray().Select(e => e!.AsObject()).ToList();

        Assert.Equal(2, saes.Count);
        var pneumonia = saes.Single(e => e["term"]!.GetValue<string>() == "pneumonia");
        Assert.Equal("2026-11-25", pneumonia["awareOn"]!.GetValue<string>());
        Assert.Equal(DateTimeOffset.Parse("2026-11-26T23:59:59Z"), pneumonia["siteDueAt"]!.GetValue<DateTimeOffset>());
        Assert.True(pneumonia["siteLate"]!.GetValue<bool>());
        var upgraded = saes.Single(e => e["adverseEventId"]!.GetValue<Guid>() == mild["adverseEventId"]!.GetValue<Guid>());
        Assert.Equal("2026-11-28", upgraded["awareOn"]!.GetValue<string>());
        Assert.False(upgraded["siteLate"]!.GetValue<bool>());
        Assert.Equal(["medically-important"], upgraded["seriousCriteria"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    /// <summary>
    /// Follow-ups owed: an unresolved adverse event whose last news is 30 days old (14 for a serious one; the
    /// <c>Worklist</c> settings' defaults) is asked for, the longest owed first, until a follow-up brings news or resolves it.
    /// </summary>
    [Fact]
    public async Task an_unresolved_adverse_event_without_news_for_a_while_asks_for_a_follow_up_until_one_comes()
    {
        var patientId = await EnrolAsync(enrolledOn: "2026-09-01");
        var old = Requests.AdverseEvent(Guid.NewGuid(), "2026-10-20", "2026-10-29");
        old["term"] = "arthralgia";
        var serious = Requests.AdverseEvent(Guid.NewGuid(), "2026-11-14", "2026-11-15");
        serious["seriousCriteria"] = new JsonArray("hospitalisation");
        serious["outcome"] = "not-recovered";
        serious["term"] = "pneumonia";
        var recent = Requests.AdverseEvent(Guid.NewGuid(), "2026-11-19", "2026-11-20");
        var resolved = Requests.AdverseEvent(Guid.NewGuid(), "2026-09-10", "2026-09-11");
        resolved["outcome"] = "recovered";
        resolved["resolvedOn"] = "2026-09-20";
        var justInside = Requests.AdverseEvent(Guid.NewGuid(), "2026-10-30", "2026-10-30");
        await VisitAsync(patientId, "2026-11-28",
            new JsonObject { ["adverseEvents"] = new JsonArray(old, serious, recent, resolved, justInside) });

        var owed = (await Nurse.GetJsonAsync("/api/worklist"))["followUpsOwed"]!.AsArray().Select(e => e!.AsObject()).ToList();

        // arthralgia: news 2026-10-29, owed from 2026-11-28; pneumonia (serious): 2026-11-15 + 14 = 2026-11-29 (today).
        // 2026-10-30 + 30 = 2026-11-29 is owed today too; the recent one (2026-11-20) and the resolved one are not.
        Assert.Equal(
            new[] { (old, "2026-11-28"), (serious, "2026-11-29"), (justInside, "2026-11-29") }
                .Select(x => (x.Item1["adverseEventId"]!.GetValue<Guid>(), x.Item2)).OrderBy(x => x.Item2).ThenBy(x => x.Item1),
            owed.Select(e => (e["adverseEventId"]!.GetValue<Guid>(), e["dueOn"]!.GetValue<string>())));
        Assert.Equal("2026-11-28", owed[0]["dueOn"]!.GetValue<string>());
        var pneumonia = owed.Single(e => e["term"]!.GetValue<string>() == "pneumonia");
        Assert.True(pneumonia["serious"]!.GetValue<bool>());
        Assert.Equal("not-recovered", pneumonia["outcome"]!.GetValue<string>());
        Assert.Equal("2026-11-15", pneumonia["lastNewsOn"]!.GetValue<string>());

        // News of the arthralgia (still recovering) moves its next follow-up a month on; the pneumonia resolves.
        await Nurse.PostAsync($"/api/patients/{patientId}/adverse-events/{old["adverseEventId"]!.GetValue<Guid>()}/follow-ups",
            new JsonObject { ["reportedOn"] = "2026-11-29", ["grade"] = 1 }, 201);
        await Nurse.PostAsync($"/api/patients/{patientId}/adverse-events/{serious["adverseEventId"]!.GetValue<Guid>()}/follow-ups",
            new JsonObject { ["reportedOn"] = "2026-11-29", ["outcome"] = "recovered", ["resolvedOn"] = "2026-11-27" }, 201);

        var after = (await Nurse.GetJsonAsync("/api/worklist"))["followUpsOwed"]!.AsArray();
        Assert.Equal([justInside["adverseEventId"]!.GetValue<Guid>()], after.Select(e => e!["adverseEventId"]!.GetValue<Guid>()));
        Assert.Empty((await App.AsUser("nurse2", Roles.Site, "DE01").GetJsonAsync("/api/worklist"))["followUpsOwed"]!.AsArray());
    }

    [Fact]
    public async Task a_voided_sae_leaves_the_list()
    {
        var patientId = await EnrolAsync();
        var sae = Requests.AdverseEvent(Guid.NewGuid(), "2026-11-28", "2026-11-28");
        sae["seriousCriteria"] = new JsonArray("hospitalisation");
        await VisitAsync(patientId, "2026-11-29", new JsonObject { ["adverseEvents"] = new JsonArray(sae) });
        Assert.Single((await Nurse.GetJsonAsync("/api/worklist"))["seriousAdverseEvents"]!.AsArray());

        await Nurse.PostAsync($"/api/patients/{patientId}/voids", new JsonObject { ["entryId"] = sae["adverseEventId"]!.DeepClone(), ["reason"] = "wrong patient" }, 201);

        Assert.Empty((await Nurse.GetJsonAsync("/api/worklist"))["seriousAdverseEvents"]!.AsArray());
    }

    [Fact]
    public async Task a_site_sees_only_its_own_patients_and_sites_and_cannot_name_another_site()
    {
        var own = await EnrolAsync("FR01", "FR01-0001");
        await EnrolAsync("DE01", "DE01-0001");

        var worklist = await Nurse.GetJsonAsync("/api/worklist");

        Assert.Equal([own], worklist["patients"]!.AsArray().Select(p => p!["patientId"]!.GetValue<Guid>()));
        var site = Assert.Single(worklist["sites"]!.AsArray())!;
        Assert.Equal("FR01", site["siteId"]!.GetValue<string>());
        Assert.Equal("2026-11-29", site["today"]!.GetValue<string>());
        await Nurse.GetAsync("/api/worklist?siteId=DE01", 403);
    }

    [Fact]
    public async Task patients_come_most_urgent_first_a_page_at_a_time_each_once()
    {
        // Due first: the overdue dose (enrolled on 11-01, never dosed), then 11-20's, then today's; nothing pending last.
        var late = await EnrolAsync(code: "FR01-0009", enrolledOn: "2026-11-01");
        var today = await EnrolAsync(code: "FR01-0001", enrolledOn: "2026-11-29");
        var middle = await EnrolAsync(code: "FR01-0005", enrolledOn: "2026-11-20");
        var withdrawn = await EnrolAsync(code: "FR01-0002", enrolledOn: "2026-11-02");
        await App.AsUser("nurse1", Roles.Site, "FR01").PostAsync($"/api/patients/{withdrawn}/withdrawal",
            new JsonObject { ["withdrawnOn"] = "2026-11-03", ["reasonCode"] = "patient-decision", ["reason"] = "moved away" }, 201);

        var seen = new List<Guid>();
        var url = "/api/worklist?limit=1";
        var pages = 0;
        while (url is not null && pages++ < 10)
        {
            var result = await Nurse.GetAsync(url);
            var body = JsonNode.Parse(await result.ReadAsTextAsync())!.AsObject();
            seen.AddRange(body["patients"]!.AsArray().Select(p => p!["patientId"]!.GetValue<Guid>()));
            var link = result.Context.Response.Headers.Link.ToString();
            url = link.Length == 0 ? null : link[1..link.IndexOf('>', StringComparison.Ordinal)];
            if (url is not null)
            {
                Assert.Contains("limit=1", url, StringComparison.Ordinal);
                Assert.Equal(result.Context.Response.Headers["X-Next-Page"].ToString(),
                    Uri.UnescapeDataString(url[(url.IndexOf("after=", StringComparison.Ordinal) + 6)..]));
            }
        }

        Assert.Equal([late, middle, today, withdrawn], seen);
    }

    [Fact]
    public async Task find_keeps_the_subject_codes_containing_it_and_wildcards_are_plain_characters()
    {
        var wanted = await EnrolAsync(code: "FR01-0042");
        await EnrolAsync(code: "FR01-0043");

        var found = (await Nurse.GetJsonAsync("/api/worklist?find=0042"))["patients"]!.AsArray();
        Assert.Equal([wanted], found.Select(p => p!["patientId"]!.GetValue<Guid>()));
        Assert.Empty((await Nurse.GetJsonAsync("/api/worklist?find=%25"))["patients"]!.AsArray());
        Assert.Empty((await Nurse.GetJsonAsync("/api/worklist?find=_"))["patients"]!.AsArray());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("after=not-a-cursor!", "after")]
    [InlineData("after=YWJj", "after")]
    public async Task a_bad_page_request_is_refused_naming_the_parameter(string query, string field)
    {
        var result = await Nurse.GetAsync($"/api/worklist?{query}", 400);

        Assert.Contains(field, (await result.ValidationErrorsAsync()).Keys);
    }

    [Fact]
    public async Task a_find_longer_than_any_subject_code_is_refused()
    {
        var result = await Nurse.GetAsync($"/api/worklist?find={new string('x', 65)}", 400);

        Assert.Contains("find", (await result.ValidationErrorsAsync()).Keys);
    }

    /// <summary>
    /// A record written before the worklist's columns (no pending work kept) still shows what is due, worked out from
    /// the whole record, until PatientRecord is rebuilt.
    /// </summary>
    [Fact]
    public async Task a_record_from_before_the_worklist_columns_still_shows_what_is_due()
    {
        var patientId = await EnrolAsync(enrolledOn: "2026-11-29");
        var expected = Due(await PatientAsync(patientId), "dose")!.ToJsonString();
        await using (var session = App.Store.LightweightSession())
        {
            session.QueueSqlCommand(
                $"update {Registry.Infrastructure.RegistrySchema.Name}.mt_doc_patientrecord set data = data - 'pending' - 'nextDueOn', "
                + "next_due_on = null where id = ?", patientId);
            await session.SaveChangesAsync();
        }

        Assert.Equal(expected, Due(await PatientAsync(patientId), "dose")!.ToJsonString());
    }
}
