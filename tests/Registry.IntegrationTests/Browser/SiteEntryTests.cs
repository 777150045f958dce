using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// Site data entry in real headless Chromium: a study nurse enrols, enters visits, corrects entries and
/// works the worklist. Each test uses sites of its own (the fixture's database is shared by the class).
/// The sites are in UTC, the browser too, so "today" is the same for both.
/// </summary>
public sealed class SiteEntryTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private static readonly string Today = DateTime.UtcNow.ToString("yyyy-MM-dd");

    private static string DaysAgo(int days) => DateTime.UtcNow.AddDays(-days).ToString("yyyy-MM-dd");

    private async Task<HttpClient> SiteAsync(string siteId)
    {
        using var admin = browser.Api("admin1", Roles.Admin);
        (await admin.PostAsJsonAsync("/api/sites", new { siteId, name = $"Hôpital {siteId}", country = "FR", timeZone = "UTC" })).EnsureSuccessStatusCode();
        return browser.Api("nurse-" + siteId, Roles.Site, siteId);
    }

    private static async Task<Guid> EnrolAsync(HttpClient nurse, string siteId, string subjectCode, string enrolledOn)
    {
        var enrolment = Requests.Enrolment(siteId, subjectCode);
        enrolment["enrolledOn"] = enrolledOn;
        var response = await nurse.PostAsync("/api/patients", Json(enrolment));
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();
    }

    private static async Task VisitAsync(HttpClient nurse, Guid patientId, string date, JsonObject entries)
    {
        entries["visitId"] = Guid.NewGuid();
        entries["visitDate"] = date;
        var response = await nurse.PostAsync($"/api/patients/{patientId}/visits", Json(entries));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static JsonObject Dose(string date) => new() { ["givenOn"] = date, ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "induction" };

    private Task<IPage> NurseAsync(string siteId, string path, int width = 1280) =>
        browser.SignedInPageAsync("nurse-" + siteId, Roles.Site, [siteId], path, width);

    /// <summary>The form field (label, control, hint, errors) around the control a label names.</summary>
    private static ILocator Field(ILocator scope, string label) =>
        scope.Locator(".field").Filter(new() { Has = scope.Page.GetByLabel(label, new() { Exact = true }) });

    [Fact]
    public async Task a_nurse_enrols_a_patient_enters_a_visit_and_sees_every_entry_on_the_timeline()
    {
        await SiteAsync("A1");
        var page = await NurseAsync("A1", "/");
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/site");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Worklist", Level = 1 })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Enrol a patient" }).First.ClickAsync();
        await Assertions.Expect(page.GetByLabel("Site", new() { Exact = true })).ToHaveValueAsync("A1");
        await page.GetByLabel("Subject code").FillAsync("A1-0001");
        await page.GetByLabel("Disease").SelectOptionAsync("sle");
        await page.GetByLabel("Year of birth").FillAsync("1984");
        await page.GetByLabel("Sex").SelectOptionAsync("female");
        await Assertions.Expect(page.GetByLabel("Enrolment date")).ToHaveValueAsync(Today);
        await page.GetByLabel("Consent form version").FillAsync("v2");
        await page.GetByLabel("IL-2 given").SelectOptionAsync("standalone");
        await page.GetByLabel("Care setting").SelectOptionAsync("routine");
        await page.GetByRole(AriaRole.Button, new() { Name = "Enrol" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Patient A1-0001" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Enter a visit" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New visit for A1-0001" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Add a dose" }).ClickAsync();
        var dose = page.GetByRole(AriaRole.Group, new() { Name = "Dose 1" });
        await Assertions.Expect(dose.GetByLabel("Dose (IU)", new() { Exact = true })).ToHaveValueAsync("1000000");
        await dose.GetByLabel("Lot (optional)").FillAsync("LOT-42");

        await page.GetByRole(AriaRole.Button, new() { Name = "Add a Treg result" }).ClickAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Treg result 1" }).GetByLabel("Tregs, % of CD4+ T cells").FillAsync("6.2");

        await page.GetByRole(AriaRole.Button, new() { Name = "Add a score" }).ClickAsync();
        var score = page.GetByRole(AriaRole.Group, new() { Name = "Score 1" });
        await score.GetByLabel("Instrument").SelectOptionAsync("sledai-2k");
        await Assertions.Expect(score).ToContainTextAsync("Range 0–105 points, whole numbers; higher is worse");
        await score.GetByLabel("Total score").FillAsync("8");

        await page.GetByRole(AriaRole.Button, new() { Name = "Add an adverse event" }).ClickAsync();
        var ae = page.GetByRole(AriaRole.Group, new() { Name = "Adverse event 1" });
        await ae.GetByLabel("Event (verbatim term)").FillAsync("injection site erythema");
        await ae.GetByLabel("CTCAE grade").SelectOptionAsync("1");
        await Assertions.Expect(ae.GetByLabel("CTCAE grade")).ToContainTextAsync("Mild");
        await ae.GetByLabel("Causality (WHO-UMC) (optional)").SelectOptionAsync("probable");
        await ae.GetByLabel("Outcome").SelectOptionAsync("recovering");

        Directory.CreateDirectory(DashboardTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardTests.Screenshots, "visit-form.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the visit" }).ClickAsync();

        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Visit saved: 4 entries recorded.");
        var timeline = page.Locator("#timeline tbody");
        await Assertions.Expect(timeline.Locator("tr")).ToHaveCountAsync(4);
        await Assertions.Expect(timeline).ToContainTextAsync("1,000,000 IU (1 MIU) subcutaneous, aldesleukin lot LOT-42 (induction)");
        await Assertions.Expect(timeline).ToContainTextAsync("Tregs 6.2 % of CD4");
        await Assertions.Expect(timeline).ToContainTextAsync("sledai-2k: 8");
        await Assertions.Expect(timeline).ToContainTextAsync("injection site erythema, grade 1");
        // The directory's username, lower case (the registry's users compare without case).
        await Assertions.Expect(timeline).ToContainTextAsync("nurse-a1");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("on-treatment");
    }

    [Fact]
    public async Task an_invalid_visit_shows_each_error_beside_its_field_keeps_what_was_typed_and_saves_nothing()
    {
        var nurse = await SiteAsync("B1");
        var patientId = await EnrolAsync(nurse, "B1", "B1-0001", DaysAgo(3));
        var page = await NurseAsync("B1", $"/site/patients/{patientId}/visit");

        await page.GetByRole(AriaRole.Button, new() { Name = "Add a dose" }).ClickAsync();
        var dose = page.GetByRole(AriaRole.Group, new() { Name = "Dose 1" });
        await dose.GetByLabel("Dose (IU)", new() { Exact = true }).FillAsync("1000");
        await dose.GetByLabel("Lot (optional)").FillAsync("LOT-9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a score" }).ClickAsync();
        var score = page.GetByRole(AriaRole.Group, new() { Name = "Score 1" });
        await score.GetByLabel("Instrument").SelectOptionAsync("sledai-2k");
        await score.GetByLabel("Total score").FillAsync("200");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the visit" }).ClickAsync();

        var doseField = Field(dose, "Dose (IU)");
        await Assertions.Expect(doseField.Locator(".field-error")).ToContainTextAsync("outside the usual 0.1 to 6 MIU");
        await Assertions.Expect(dose.GetByLabel("Dose (IU)", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(Field(score, "Total score").Locator(".field-error")).ToContainTextAsync("105");
        await Assertions.Expect(Field(dose, "Lot (optional)").Locator(".field-error")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("Nothing was saved");
        await Assertions.Expect(page.Locator(".error-summary a").First).ToContainTextAsync("Dose 1 – Dose (IU)");

        await Assertions.Expect(dose.GetByLabel("Dose (IU)", new() { Exact = true })).ToHaveValueAsync("1000");
        await Assertions.Expect(dose.GetByLabel("Lot (optional)")).ToHaveValueAsync("LOT-9");
        await Assertions.Expect(score.GetByLabel("Total score")).ToHaveValueAsync("200");
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/site/patients/{patientId}/visit");
        var record = JsonNode.Parse(await nurse.GetStringAsync($"/api/patients/{patientId}"))!;
        Assert.Empty(record["entries"]!.AsArray());

        // Fixed in place, the same form saves.
        await dose.GetByLabel("Dose (IU)", new() { Exact = true }).FillAsync("1000000");
        await score.GetByLabel("Total score").FillAsync("20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the visit" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Visit saved: 2 entries recorded.");
    }

    [Fact]
    public async Task when_the_sign_in_has_ended_a_save_keeps_the_form_and_says_what_to_do()
    {
        var nurse = await SiteAsync("S1");
        var patientId = await EnrolAsync(nurse, "S1", "S1-0001", DaysAgo(1));
        var page = await NurseAsync("S1", $"/site/patients/{patientId}/visit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a Treg result" }).ClickAsync();
        await page.GetByLabel("Tregs, % of CD4+ T cells").FillAsync("6.4");

        // The registry now refuses the page's token and the cookie, as it does once a sign-in has expired.
        await page.RouteAsync("**/api/**", route => route.FulfillAsync(new() { Status = 401 }));
        await page.RouteAsync("**/signin/token", route => route.FulfillAsync(new() { Status = 401 }));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the visit" }).ClickAsync();

        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("Your sign-in has ended, so nothing was saved");
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/site/patients/{patientId}/visit");
        await Assertions.Expect(page.GetByLabel("Tregs, % of CD4+ T cells")).ToHaveValueAsync("6.4");
    }

    [Fact]
    public async Task a_correction_needs_a_reason_and_then_shows_in_the_entry_history()
    {
        var nurse = await SiteAsync("C1");
        var patientId = await EnrolAsync(nurse, "C1", "C1-0001", DaysAgo(3));
        await VisitAsync(nurse, patientId, DaysAgo(2), new JsonObject { ["doses"] = new JsonArray(Dose(DaysAgo(2))) });
        var page = await NurseAsync("C1", $"/site/patients/{patientId}");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Correct the dose of {DaysAgo(2)}" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = $"Correct the dose of {DaysAgo(2)}" });
        await form.GetByLabel("Dose (IU)", new() { Exact = true }).FillAsync("1500000");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save the correction" }).ClickAsync();
        await Assertions.Expect(Field(form, "What was wrong, and where the right value comes from").Locator(".field-error")).ToBeVisibleAsync();
        await Assertions.Expect(form.GetByLabel("Dose (IU)", new() { Exact = true })).ToHaveValueAsync("1500000");

        await form.GetByLabel("Reason for the correction").SelectOptionAsync("transcription-error");
        await form.GetByLabel("What was wrong, and where the right value comes from").FillAsync("1.5 MIU on the nursing chart");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save the correction" }).ClickAsync();

        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Correction saved.");
        var row = page.Locator("#timeline tbody tr").Filter(new() { HasText = "Dose" });
        await Assertions.Expect(row).ToContainTextAsync("1,500,000 IU");
        await Assertions.Expect(row).ToContainTextAsync("corrected");
        await page.GetByRole(AriaRole.Button, new() { Name = $"History of the dose of {DaysAgo(2)}" }).ClickAsync();
        var history = page.GetByRole(AriaRole.Region, new() { Name = $"History of the dose of {DaysAgo(2)}" });
        await Assertions.Expect(history).ToContainTextAsync("Version 1: recorded");
        await Assertions.Expect(history).ToContainTextAsync("1,000,000 IU");
        await Assertions.Expect(history).ToContainTextAsync("Version 2: corrected");
        await Assertions.Expect(history).ToContainTextAsync("transcription error – 1.5 MIU on the nursing chart");
        await Assertions.Expect(history).ToContainTextAsync("Changed: Dose (IU) → 1500000");

        Directory.CreateDirectory(DashboardTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardTests.Screenshots, "timeline.png"), FullPage = true });
    }

    [Fact]
    public async Task a_void_needs_a_reason_and_the_entry_stays_on_the_timeline_as_voided()
    {
        var nurse = await SiteAsync("V1");
        var patientId = await EnrolAsync(nurse, "V1", "V1-0001", DaysAgo(3));
        await VisitAsync(nurse, patientId, DaysAgo(1), new JsonObject { ["doses"] = new JsonArray(Dose(DaysAgo(1))) });
        var page = await NurseAsync("V1", $"/site/patients/{patientId}");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Void the dose of {DaysAgo(1)}" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = $"Void the dose of {DaysAgo(1)}" });
        await form.GetByRole(AriaRole.Button, new() { Name = "Void the entry" }).ClickAsync();
        await Assertions.Expect(Field(form, "Why the entry is void").Locator(".field-error")).ToContainTextAsync("Say why");
        await form.GetByLabel("Why the entry is void").FillAsync("entered for the wrong patient");
        await form.GetByRole(AriaRole.Button, new() { Name = "Void the entry" }).ClickAsync();

        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Entry voided.");
        await Assertions.Expect(page.Locator("#timeline tbody tr.voided")).ToContainTextAsync("voided");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Void the dose of {DaysAgo(1)}" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task a_follow_up_that_makes_an_adverse_event_serious_puts_it_on_the_worklist_and_a_withdrawal_ends_what_is_due()
    {
        var nurse = await SiteAsync("F1");
        var patientId = await EnrolAsync(nurse, "F1", "F1-0001", DaysAgo(4));
        var ae = Requests.AdverseEvent(Guid.NewGuid(), DaysAgo(2), DaysAgo(2));
        ae["term"] = "fever";
        await VisitAsync(nurse, patientId, DaysAgo(2), new JsonObject { ["doses"] = new JsonArray(Dose(DaysAgo(3))), ["adverseEvents"] = new JsonArray(ae) });
        var page = await NurseAsync("F1", $"/site/patients/{patientId}");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Follow-up of the adverse event of {DaysAgo(2)}" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = $"Follow-up of fever (onset {DaysAgo(2)})" });
        await Assertions.Expect(form.GetByLabel("Date the site learnt the new information")).ToHaveValueAsync(Today);
        await form.GetByLabel("Hospitalisation or its prolongation").CheckAsync();
        await form.GetByLabel("New CTCAE grade (optional)").SelectOptionAsync("3");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save the follow-up" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Follow-up saved.");
        await Assertions.Expect(page.Locator("#timeline tbody")).ToContainTextAsync("Follow-up, grade 3, serious: hospitalisation");

        await page.GetByRole(AriaRole.Link, new() { Name = "Worklist" }).ClickAsync();
        var sae = page.Locator("#saes tbody tr").Filter(new() { HasText = "fever" });
        await Assertions.Expect(sae).ToContainTextAsync("grade 3 (hospitalisation)");
        await Assertions.Expect(sae).ToContainTextAsync(Today);
        await Assertions.Expect(sae.Locator(".flag")).ToHaveTextAsync("met");
        await Assertions.Expect(page.Locator("#due tbody")).ToContainTextAsync("F1-0001");

        await page.GotoAsync($"{browser.BaseUrl}/site/patients/{patientId}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record a withdrawal…" }).ClickAsync();
        var withdrawal = page.GetByRole(AriaRole.Form, new() { Name = "Withdrawal" });
        await withdrawal.GetByRole(AriaRole.Button, new() { Name = "Save the withdrawal" }).ClickAsync();
        await Assertions.Expect(Field(withdrawal, "Reason").Locator(".field-error")).ToBeVisibleAsync();
        await withdrawal.GetByLabel("Reason", new() { Exact = true }).SelectOptionAsync("adverse-event");
        await withdrawal.GetByRole(AriaRole.Button, new() { Name = "Save the withdrawal" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Withdrawal saved.");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("withdrawn");

        await page.GetByRole(AriaRole.Link, new() { Name = "Worklist" }).ClickAsync();
        await Assertions.Expect(page.Locator("#patients tbody")).ToContainTextAsync("withdrawn");
        await Assertions.Expect(page.Locator("#due tbody")).Not.ToContainTextAsync("F1-0001");
    }

    [Fact]
    public async Task an_onset_known_to_the_month_is_entered_as_such_and_an_old_unresolved_event_asks_for_a_follow_up()
    {
        var nurse = await SiteAsync("G1");
        var patientId = await EnrolAsync(nurse, "G1", "G1-0001", DaysAgo(70));
        var old = Requests.AdverseEvent(Guid.NewGuid(), DaysAgo(45), DaysAgo(45));
        old["term"] = "arthralgia";
        await VisitAsync(nurse, patientId, DaysAgo(45), new JsonObject
        {
            ["doses"] = new JsonArray(Dose(DaysAgo(60))),
            ["adverseEvents"] = new JsonArray(old),
        });
        var page = await NurseAsync("G1", $"/site/patients/{patientId}/visit");

        await page.GetByRole(AriaRole.Button, new() { Name = "Add an adverse event" }).ClickAsync();
        var ae = page.GetByRole(AriaRole.Group, new() { Name = "Adverse event 1" });
        await ae.GetByLabel("Event (verbatim term)").FillAsync("headache");
        await ae.GetByLabel("CTCAE grade").SelectOptionAsync("1");
        await ae.GetByLabel("Outcome").SelectOptionAsync("recovering");
        await ae.GetByLabel("Onset date").FillAsync("last month");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the visit" }).ClickAsync();
        await Assertions.Expect(Field(ae, "Onset date").Locator(".field-error")).ToContainTextAsync("yyyy-MM");
        Assert.Single(JsonNode.Parse(await nurse.GetStringAsync($"/api/patients/{patientId}"))!["entries"]!.AsArray(),
            e => e!["kind"]!.GetValue<string>() == "adverse-event");

        var month = DaysAgo(10)[..7];
        await ae.GetByLabel("Onset date").FillAsync(month);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the visit" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Visit saved: 1 entry recorded.");
        var headache = JsonNode.Parse(await nurse.GetStringAsync($"/api/patients/{patientId}"))!["entries"]!.AsArray()
            .Single(e => e!["data"]!["term"]?.GetValue<string>() == "headache")!;
        Assert.Equal(month, headache["data"]!["onsetOn"]!.GetValue<string>());

        // The worklist asks for news of the arthralgia (45 days without any), not of today's headache.
        await page.GotoAsync($"{browser.BaseUrl}/site");
        var owed = page.Locator("#follow-ups-owed tbody");
        await Assertions.Expect(owed.Locator("tr").Filter(new() { HasText = "arthralgia" })).ToContainTextAsync("G1-0001");
        await Assertions.Expect(owed.Locator("tr").Filter(new() { HasText = "arthralgia" })).ToContainTextAsync(DaysAgo(15));
        await Assertions.Expect(owed).Not.ToContainTextAsync("headache");
    }

    [Fact]
    public async Task a_user_of_site_a_cannot_open_a_patient_of_site_b()
    {
        await SiteAsync("D1");
        var otherNurse = await SiteAsync("D2");
        var other = await EnrolAsync(otherNurse, "D2", "D2-SECRET", DaysAgo(1));
        var page = await NurseAsync("D1", "/site");

        foreach (var path in new[] { $"/site/patients/{other}", $"/site/patients/{other}/visit" })
        {
            await page.GotoAsync(browser.BaseUrl + path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Patient not found" })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("no such patient");
            Assert.DoesNotContain("D2-SECRET", await page.ContentAsync());
        }

        await page.GotoAsync(browser.BaseUrl + "/site");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("today is");
        Assert.DoesNotContain("D2-SECRET", await page.ContentAsync());
    }

    [Fact]
    public async Task the_worklist_shows_what_is_due_and_the_sites_saes_and_an_item_marked_not_done_leaves_it()
    {
        var nurse = await SiteAsync("E1");
        // Day 10 today, the last day of the day-8 window: induction days 1 to 5 given, baseline Treg on day 1, no day-8 sample.
        var started = await EnrolAsync(nurse, "E1", "E1-0001", DaysAgo(9));
        await VisitAsync(nurse, started, DaysAgo(5), new JsonObject
        {
            ["doses"] = new JsonArray(Dose(DaysAgo(9)), Dose(DaysAgo(8)), Dose(DaysAgo(7)), Dose(DaysAgo(6)), Dose(DaysAgo(5))),
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = DaysAgo(9), ["tregPercentOfCd4"] = 5.1, ["gating"] = "cd4-cd25-foxp3" }),
        });
        var late = Requests.AdverseEvent(Guid.NewGuid(), DaysAgo(4), DaysAgo(3));
        late["term"] = "pneumonia";
        late["grade"] = 3;
        late["seriousCriteria"] = new JsonArray("hospitalisation");
        await VisitAsync(nurse, started, Today, new JsonObject { ["adverseEvents"] = new JsonArray(late) });
        var fresh = await EnrolAsync(nurse, "E1", "E1-0002", Today);
        var onTime = Requests.AdverseEvent(Guid.NewGuid(), Today, Today);
        onTime["term"] = "cellulitis";
        onTime["grade"] = 3;
        onTime["seriousCriteria"] = new JsonArray("hospitalisation");
        await VisitAsync(nurse, fresh, Today, new JsonObject { ["adverseEvents"] = new JsonArray(onTime) });

        var page = await NurseAsync("E1", "/site");

        var due = page.Locator("#due tbody");
        var treg = due.Locator("tr").Filter(new() { HasText = "Day-8 Treg sample" });
        await Assertions.Expect(treg).ToContainTextAsync("E1-0001");
        await Assertions.Expect(treg).ToContainTextAsync($"window {DaysAgo(4)} to {Today}");
        await Assertions.Expect(treg.Locator(".flag")).ToHaveTextAsync("due");
        var firstDose = due.Locator("tr").Filter(new() { HasText = "E1-0002" });
        await Assertions.Expect(firstDose).ToContainTextAsync("Dose (induction, study day 1)");
        await Assertions.Expect(firstDose).ToContainTextAsync(Today);
        await Assertions.Expect(page.Locator("#patients tbody")).ToContainTextAsync($"{DateTime.UtcNow.AddDays(-5 + 14):yyyy-MM-dd} (upcoming)");
        var saes = page.Locator("#saes tbody");
        await Assertions.Expect(saes.Locator("tr").Filter(new() { HasText = "pneumonia" })).ToContainTextAsync("late");
        await Assertions.Expect(saes.Locator("tr").Filter(new() { HasText = "cellulitis" })).ToContainTextAsync("met");

        Directory.CreateDirectory(DashboardTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardTests.Screenshots, "worklist.png"), FullPage = true });

        await page.GetByLabel("Find a patient by subject code").FillAsync("0002");
        await Assertions.Expect(page.Locator("#patients tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#patients tbody")).ToContainTextAsync("E1-0002");
        await page.GetByLabel("Find a patient by subject code").FillAsync("");

        await treg.GetByRole(AriaRole.Button, new() { Name = "Mark not done: Day-8 Treg sample" }).ClickAsync();
        await page.GetByLabel("Why it will not happen").FillAsync("patient could not come in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark not done", Exact = true }).ClickAsync();

        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("marked not done");
        await Assertions.Expect(due.Locator("tr").Filter(new() { HasText = "Day-8 Treg sample" })).ToHaveCountAsync(0);
        var record = JsonNode.Parse(await nurse.GetStringAsync($"/api/patients/{started}"))!;
        var notDone = record["entries"]!.AsArray().Single(e => e!["kind"]!.GetValue<string>() == "not-done")!;
        Assert.Equal("treg-sample", notDone["data"]!["item"]!.GetValue<string>());
        Assert.Equal("patient could not come in", notDone["data"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task the_worklist_reads_further_pages_until_every_item_due_this_week_is_in()
    {
        // 101 first doses due today: more than the API's page of 100, so the page must read a second page.
        var nurse = await SiteAsync("P1");
        for (var i = 1; i <= 101; i++)
        {
            await EnrolAsync(nurse, "P1", $"P1-{i:0000}", Today);
        }

        var page = await NurseAsync("P1", "/site");

        var due = page.Locator("#due tbody tr").Filter(new() { HasText = "Dose (induction, study day 1)" });
        await Assertions.Expect(due).ToHaveCountAsync(101);
        await Assertions.Expect(page.Locator("#patients tbody tr")).ToHaveCountAsync(101);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show more patients" })).ToBeHiddenAsync();
        await page.GetByLabel("Find a patient by subject code").FillAsync("0101");
        await Assertions.Expect(page.Locator("#patients tbody tr")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task the_visit_form_works_from_the_keyboard_at_tablet_width_with_every_control_labelled()
    {
        var nurse = await SiteAsync("K1");
        var patientId = await EnrolAsync(nurse, "K1", "K1-0001", DaysAgo(1));
        var page = await NurseAsync("K1", $"/site/patients/{patientId}/visit", width: 768);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New visit for K1-0001" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Add a Treg result" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var group = page.GetByRole(AriaRole.Group, new() { Name = "Treg result 1" });
        await Assertions.Expect(group.GetByLabel("Sample date")).ToBeFocusedAsync();
        var percent = group.GetByLabel("Tregs, % of CD4+ T cells");
        for (var tabs = 0; tabs < 4 && !await percent.EvaluateAsync<bool>("e => e === document.activeElement"); tabs++)
        {
            await page.Keyboard.PressAsync("Tab"); // a date control takes one Tab per part (day, month, year)
        }

        await Assertions.Expect(percent).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("5.5");
        await page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Visit saved: 1 entry recorded.");
        var unlabelled = await page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('main input, main select, main textarea')].filter(c => !c.labels || c.labels.length === 0).length");
        Assert.Equal(0, unlabelled);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The timeline scrolls sideways at tablet width.");

        await page.GotoAsync($"{browser.BaseUrl}/site/patients/{patientId}/visit");
        foreach (var add in new[] { "Add a dose", "Add a Treg result", "Add a score", "Add an adverse event", "Add a medication", "Add a held dose", "Add an item not done" })
        {
            await page.GetByRole(AriaRole.Button, new() { Name = add }).ClickAsync();
        }

        Assert.Equal(0, await page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('main input, main select, main textarea')].filter(c => !c.labels || c.labels.length === 0).length"));
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The visit form scrolls sideways at tablet width.");
    }

    [Fact]
    public async Task a_signed_in_page_gets_a_short_lived_bearer_token_for_its_writes_and_a_bearer_token_cannot_get_one()
    {
        await SiteAsync("T1");
        using var handler = new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false };
        using var browserLike = new HttpClient(handler) { BaseAddress = new Uri(browser.BaseUrl) };
        var signIn = await browser.SignInAsync(browserLike, "nurse-T1", Roles.Site, ["T1"], "/");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/site", signIn.Headers.Location!.OriginalString);

        // The cookie alone never writes.
        var cookieWrite = await browserLike.PostAsync("/api/patients", Json(Requests.Enrolment("T1", "T1-0001", DaysAgo(30))));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, cookieWrite.StatusCode);

        var answer = await browserLike.GetAsync("/signin/token");
        Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("no-store", answer.Headers.CacheControl!.ToString());
        var pageToken = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        Assert.Equal("nurse-t1", pageToken["userId"]!.GetValue<string>());
        Assert.Equal(["T1"], pageToken["sites"]!.AsArray().Select(x => x!.GetValue<string>()));
        var expiresAt = pageToken["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.5));

        using var writer = new HttpClient { BaseAddress = new Uri(browser.BaseUrl) };
        writer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", pageToken["token"]!.GetValue<string>());
        Assert.Equal(System.Net.HttpStatusCode.Created, (await writer.PostAsync("/api/patients", Json(Requests.Enrolment("T1", "T1-0001", DaysAgo(30))))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await writer.GetAsync("/signin/token")).StatusCode);
    }

    /// <summary>
    /// The attack: a sign-in link whose <c>returnUrl</c> sends the user, once signed in, to another host
    /// (<c>/\evil.example</c> is read by browsers as <c>//evil.example</c>). Only a path on this registry is followed.
    /// </summary>
    [Theory]
    [InlineData("/\\evil.example")]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/\t/evil.example")]
    [InlineData("evil.example")]
    [InlineData(" /site")]
    public async Task sign_in_never_redirects_off_the_registry(string returnUrl)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(browser.BaseUrl) };
        var page = await client.GetStringAsync($"/signin?returnUrl={Uri.EscapeDataString(returnUrl)}");
        Assert.DoesNotContain("evil.example", page, StringComparison.Ordinal);

        var signIn = await browser.SignInAsync(client, "nurse-r", Roles.Site, ["R1"], returnUrl);

        Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/site", signIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task every_answer_forbids_framing_sniffing_and_inline_script_and_patient_data_is_never_stored()
    {
        var nurse = await SiteAsync("H1");
        var patientId = await EnrolAsync(nurse, "H1", "H1-0001", Today);
        using var anonymous = new HttpClient { BaseAddress = new Uri(browser.BaseUrl) };

        foreach (var answer in new[]
                 {
                     await nurse.GetAsync($"/api/patients/{patientId}"), await nurse.GetAsync("/api/worklist"),
                     await anonymous.GetAsync("/signin"), await anonymous.GetAsync("/api/catalogue"),
                 })
        {
            var csp = string.Join(";", answer.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", answer.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("no-store", answer.Headers.CacheControl!.ToString());
        }

        // The pages' own scripts and styles may be cached; HSTS only over HTTPS (this test host is plain HTTP).
        var asset = await anonymous.GetAsync("/ui/registry.css");
        Assert.NotEqual("no-store", asset.Headers.CacheControl?.ToString());
        Assert.False(asset.Headers.Contains("Strict-Transport-Security"));
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
