using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;
using static Registry.IntegrationTests.Browser.BrowserVisits;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// One disease's cohort page in Chromium: from the cohort list to the disease, its plots (the waterfall of Treg fold
/// changes, the Treg course with its median), and a figure traced to the patients behind it and the events each one's part
/// was worked out from: pseudonyms and no dates for a researcher, subject codes and dates for the site's own user.
/// The cohort is recorded two days back (the host's clock moved back for that moment), as on the cohort list's test.
/// </summary>
public sealed class CohortDetailPagesTests(BrowserApp browser) : IClassFixture<BrowserApp>
{

    [Fact]
    public async Task a_researcher_and_the_sites_user_trace_a_cohort_figure_to_its_patients_and_their_events()
    {
        browser.Clock.Offset = TimeSpan.FromDays(-2);
        try
        {
            using var admin = browser.Api("admin-w", Roles.Admin);
            (await admin.PostAsJsonAsync("/api/sites", new { siteId = "W1", name = "Klinik W1", country = "AT", timeZone = "UTC" }))
                .EnsureSuccessStatusCode();
            using var nurse = browser.Api("nurse-w1", Roles.Site, "W1");
            var n = 0;

            // Day-8 fold changes; a responder's is at least 1.5 (ResponseOptions.ResponderFoldChange): 4 responders of 6.
            foreach (var fold in new[] { 2.0m, 1.6m, 1.8m, 1.5m, 1.2m, 1.0m })
            {
                var enrolment = Requests.Enrolment("W1", $"W1-{n++:0000}", DaysAgo(40));
                enrolment["diseaseCode"] = "ra";
                var enrolled = await nurse.PostAsJsonAsync("/api/patients", enrolment);
                Assert.True(enrolled.IsSuccessStatusCode, await enrolled.Content.ReadAsStringAsync());
                var patientId = JsonNode.Parse(await enrolled.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();
                var baseline = await nurse.PostAsJsonAsync($"/api/patients/{patientId}/visits", Visit(DaysAgo(30), 4.0m, true));
                Assert.True(baseline.IsSuccessStatusCode, await baseline.Content.ReadAsStringAsync());
                var day8 = await nurse.PostAsJsonAsync($"/api/patients/{patientId}/visits", Visit(DaysAgo(23), 4.0m * fold, false));
                Assert.True(day8.IsSuccessStatusCode, await day8.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            browser.Clock.Offset = TimeSpan.Zero;
        }

        // A researcher goes from the cohort list to the disease.
        var page = await browser.SignedInPageAsync("researcher-w", Roles.Researcher, [], "/cohorts");
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/cohorts");
        await page.Locator("#cohorts").GetByRole(AriaRole.Link, new() { Name = "ra", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/cohorts/ra");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cohort: ra", Level = 1 })).ToBeVisibleAsync();

        // The plots: a bar per evaluable patient, and the median line over the patients' Treg courses.
        await Assertions.Expect(page.Locator("#waterfall svg rect.bar")).ToHaveCountAsync(6);
        await Assertions.Expect(page.Locator("#treg-course svg polyline.median")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#treg-course svg polyline.patient")).ToHaveCountAsync(6);
        await Assertions.Expect(page.Locator("#figures-treg tbody tr").Filter(new() { HasText = "Day 8 (primary)" }))
            .ToContainTextAsync("66.7 %");

        // The responders at day 8, traced to their patients: pseudonyms for a researcher.
        await Responders(page).ClickAsync();
        var heading = page.Locator("#contributors-heading");
        await Assertions.Expect(heading).ToHaveTextAsync("Treg responders at day 8: 4");
        await Assertions.Expect(heading).ToBeFocusedAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("#figure=treg-responders&targetDay=8$"));
        await Assertions.Expect(page.Locator("#contributors")).ToContainTextAsync("4 patients");
        var rows = page.Locator("#contributors tr.contributor");
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        await Assertions.Expect(rows.First.Locator("th")).ToHaveTextAsync(new Regex("^R[0-9a-f]{20}$"));

        // The first patient's events: the first dose and the baseline on study day 1, the target sample on day 8; no dates.
        await rows.First.GetByRole(AriaRole.Button, new() { Name = "Events" }).ClickAsync();
        var events = page.Locator("#contributors tr.events");
        await Assertions.Expect(events.Locator("tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(StudyDay(events, "first-dose")).ToHaveTextAsync("1");
        await Assertions.Expect(StudyDay(events, "baseline")).ToHaveTextAsync("1");
        await Assertions.Expect(StudyDay(events, "target")).ToHaveTextAsync("8");
        await Assertions.Expect(events.GetByRole(AriaRole.Columnheader, new() { Name = "Date" })).ToHaveCountAsync(0);
        await Assertions.Expect(events).Not.ToContainTextAsync(new Regex(@"\d{4}-\d{2}-\d{2}"));

        Directory.CreateDirectory(DashboardTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(DashboardTests.Screenshots, "cohort.png"),
            FullPage = true,
        });

        // As known at the end of yesterday (everything was recorded two days back): the same figure, from the log; a
        // researcher is not shown its patients then (when a pseudonym joined a figure would date it).
        await page.GetByLabel("As known on (end of the day, UTC; empty: now)").FillAsync(DaysAgo(1));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#as-of-note")).ToContainTextAsync($"at the end of {DaysAgo(1)}");
        await Assertions.Expect(Responders(page)).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#contributors")).ToContainTextAsync("as of now only");
        await Assertions.Expect(rows).ToHaveCountAsync(0);

        // The site's own user traces the same figure: subject codes, and the events' dates.
        var site = await browser.SignedInPageAsync("nurse-w1", Roles.Site, ["W1"], "/cohorts/ra");
        await Assertions.Expect(site).ToHaveURLAsync($"{browser.BaseUrl}/cohorts/ra");
        await Responders(site).ClickAsync();
        await Assertions.Expect(site.Locator("#contributors-heading")).ToHaveTextAsync("Treg responders at day 8: 4");
        var siteRows = site.Locator("#contributors tr.contributor");
        await Assertions.Expect(siteRows.Locator("th")).ToHaveTextAsync(new[] { "W1-0000", "W1-0001", "W1-0002", "W1-0003" });
        await siteRows.First.GetByRole(AriaRole.Button, new() { Name = "Events" }).ClickAsync();
        var siteEvents = site.Locator("#contributors tr.events");
        await Assertions.Expect(siteEvents.Locator("tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(siteEvents.GetByRole(AriaRole.Columnheader, new() { Name = "Date" })).ToHaveCountAsync(1);
        await Assertions.Expect(siteEvents.Locator("tbody tr").Filter(new() { HasText = "target" })).ToContainTextAsync(DaysAgo(23));
        await Assertions.Expect(siteEvents.Locator("tbody tr").Filter(new() { HasText = "baseline" })).ToContainTextAsync(DaysAgo(30));

        // The site user sees who made the figure at the end of yesterday too, from the log.
        await site.GetByLabel("As known on (end of the day, UTC; empty: now)").FillAsync(DaysAgo(1));
        // The rows of "now" have the same codes: wait for the drill-down asked at the end of that day to be answered.
        await site.RunAndWaitForResponseAsync(
            () => site.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync(),
            r => r.Url.Contains("/contributors?figure=treg-responders", StringComparison.Ordinal)
                && r.Url.Contains("asOf=", StringComparison.Ordinal) && r.Status == 200);
        await Assertions.Expect(site.Locator("#as-of-note")).ToContainTextAsync($"at the end of {DaysAgo(1)}");
        await Assertions.Expect(siteRows.Locator("th")).ToHaveTextAsync(new[] { "W1-0000", "W1-0001", "W1-0002", "W1-0003" });
    }

    /// <summary>The figures table's button for the day-8 Treg responders, named by the figure and its value.</summary>
    private static ILocator Responders(IPage page) =>
        page.Locator("#figures-treg").GetByRole(AriaRole.Button, new() { Name = "Treg responders at day 8: 4", Exact = true });

    /// <summary>The study day of the event with this role, in a patient's opened events.</summary>
    private static ILocator StudyDay(ILocator events, string role) =>
        events.Locator("tbody tr").Filter(new() { HasText = role }).Locator("td.study-day");
}
