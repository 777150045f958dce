using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// The pv officer's case work in Chromium: an overdue SUSAR opened from the dashboard, acknowledged, its E2B(R3) and CIOMS I
/// downloaded, its submission recorded (a missing field named beside it first), and a second officer's dashboard turning
/// to "submitted" without a reload. The SUSAR is recorded twenty days back (the host's clock moved back for that moment).
/// </summary>
public sealed class CasePagesTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private static string DaysAgo(int days) => DateTime.UtcNow.AddDays(-days).ToString("yyyy-MM-dd");

    private async Task<Guid> OverdueSusarAsync(string subjectCode)
    {
        browser.Clock.Offset = TimeSpan.FromDays(-20);
        try
        {
            using var admin = browser.Api("admin-c", Roles.Admin);
            var site = await admin.PostAsJsonAsync("/api/sites", new { siteId = "C1", name = "Hôpital C1", country = "FR", timeZone = "UTC" });
            Assert.True(site.IsSuccessStatusCode || site.StatusCode == System.Net.HttpStatusCode.Conflict);
            using var nurse = browser.Api("nurse-c1", Roles.Site, "C1");
            var enrolled = await nurse.PostAsJsonAsync("/api/patients", Requests.Enrolment("C1", subjectCode, DaysAgo(40)));
            var patientId = JsonNode.Parse(await enrolled.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();
            var aeId = Guid.NewGuid();
            var sae = Requests.AdverseEvent(aeId, DaysAgo(21), DaysAgo(20));
            sae["term"] = "pneumonia";
            sae["grade"] = 3;
            sae["seriousCriteria"] = new JsonArray("hospitalisation");
            sae["expected"] = false;
            sae["causality"] = "possible";
            var visit = await nurse.PostAsJsonAsync($"/api/patients/{patientId}/visits", new JsonObject
            {
                ["visitId"] = Guid.NewGuid(),
                ["visitDate"] = DaysAgo(20),
                ["doses"] = new JsonArray(new JsonObject
                {
                    ["givenOn"] = DaysAgo(25),
                    ["doseIu"] = 1_000_000,
                    ["product"] = "aldesleukin",
                    ["phase"] = "induction",
                }),
                ["adverseEvents"] = new JsonArray(sae),
            });
            Assert.True(visit.IsSuccessStatusCode, await visit.Content.ReadAsStringAsync());
            return aeId;
        }
        finally
        {
            browser.Clock.Offset = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task a_pv_officer_works_an_overdue_susar_from_the_dashboard_and_a_second_dashboard_sees_it_submitted()
    {
        var aeId = await OverdueSusarAsync("C1-0001");
        var watcher = await browser.SignedInPageAsync("pv-watch", Roles.Pv);
        await Assertions.Expect(watcher.Locator("#status")).ToContainTextAsync("Live", new() { Timeout = 15_000 });
        var watched = watcher.Locator("#clocks tbody tr", new() { HasText = "C1-0001" });
        await Assertions.Expect(watched).ToContainTextAsync("OVERDUE", new() { Timeout = 15_000 });

        var page = await browser.SignedInPageAsync("pv-case", Roles.Pv);
        var row = page.Locator("#clocks tbody tr", new() { HasText = "C1-0001" });
        await Assertions.Expect(row).ToContainTextAsync("OVERDUE", new() { Timeout = 15_000 });
        await row.GetByRole(AriaRole.Link, new() { Name = "C1-0001" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/safety/cases/{aeId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "SAE case: pneumonia (C1-0001)" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#clock")).ToContainTextAsync("OVERDUE");
        await Assertions.Expect(page.Locator("#around tbody")).ToContainTextAsync("Onset of pneumonia");
        await Assertions.Expect(page.Locator("#narrative-text")).ToContainTextAsync("pneumonia");

        // Acknowledge, after confirming.
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm: acknowledge" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Acknowledge the case: saved.");
        await Assertions.Expect(page.Locator("#case-status")).ToHaveTextAsync("awaiting submission");

        // The reports the officer sends: the E2B(R3) XML and the CIOMS I form of the initial report.
        var e2b = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "E2B(R3) XML of the next report's draft" }).ClickAsync());
        var xml = await File.ReadAllTextAsync((await e2b.PathAsync())!);
        Assert.Contains("PORR_IN049016UV", xml);
        Assert.Contains("pneumonia", xml);
        var cioms = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "CIOMS I PDF of the next report's draft" }).ClickAsync());
        using (var pdf = UglyToad.PdfPig.PdfDocument.Open(await File.ReadAllBytesAsync((await cioms.PathAsync())!)))
        {
            Assert.Contains("C1-0001", string.Concat(pdf.GetPages().Select(p => p.Text)));
        }

        // The submission: a missing authority is named beside its field, then it is recorded.
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Record the submission" });
        await form.GetByLabel("Reference").FillAsync("FR-ANSM-2026-0042");
        await form.GetByRole(AriaRole.Button, new() { Name = "Record the submission…" }).ClickAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Confirm: record the submission" }).ClickAsync();
        await Assertions.Expect(form.Locator(".field").Filter(new() { HasText = "Authority" }).Locator(".field-error"))
            .ToContainTextAsync("Name the authority");
        await form.GetByLabel("Authority").FillAsync("ANSM");
        await form.GetByRole(AriaRole.Button, new() { Name = "Record the submission…" }).ClickAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Confirm: record the submission" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Record the submission: saved.");
        await Assertions.Expect(page.Locator("#case-status")).ToHaveTextAsync("submitted");
        await Assertions.Expect(page.Locator("#reports tbody")).ToContainTextAsync("ANSM, FR-ANSM-2026-0042");

        // The other officer's dashboard turns without a reload.
        await Assertions.Expect(watched).ToContainTextAsync("submitted", new() { Timeout = 15_000 });
        await Assertions.Expect(watched).Not.ToContainTextAsync("OVERDUE");

        Directory.CreateDirectory(DashboardTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardTests.Screenshots, "sae-case.png"), FullPage = true });
    }

    [Fact]
    public async Task a_monitor_reads_the_case_but_is_offered_no_action_and_no_report()
    {
        var aeId = await OverdueSusarAsync("C1-0002");
        var page = await browser.SignedInPageAsync("monitor-c", Roles.Monitor, [], $"/safety/cases/{aeId}");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "SAE case: pneumonia (C1-0002)" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#actions-section")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#reports-section")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#narrative-text")).ToHaveAttributeAsync("readonly", "");
    }
}
