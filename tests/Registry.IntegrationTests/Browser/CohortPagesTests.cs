using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;
using static Registry.IntegrationTests.Browser.BrowserVisits;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// The researcher's cohort page in Chromium: the forest plot and its table, stand-alone versus add-on with the Newcombe
/// interval, and the figures as known at the end of an earlier day, before a correction recorded today changed them.
/// The cohort is recorded two days back (the host's clock moved back for that moment), the correction now.
/// </summary>
public sealed class CohortPagesTests(BrowserApp browser) : IClassFixture<BrowserApp>
{

    [Fact]
    public async Task a_researcher_compares_the_therapy_lines_and_sees_the_figures_as_known_before_a_correction()
    {
        Guid correctedPatient = default;
        Guid correctedSample = default;
        using var nurse = browser.Api("nurse-k1", Roles.Site, "K1");
        browser.Clock.Offset = TimeSpan.FromDays(-2);
        try
        {
            using var admin = browser.Api("admin-k", Roles.Admin);
            (await admin.PostAsJsonAsync("/api/sites", new { siteId = "K1", name = "Klinik K1", country = "DE", timeZone = "UTC" }))
                .EnsureSuccessStatusCode();
            using var shiftedNurse = browser.Api("nurse-k1", Roles.Site, "K1");
            var n = 0;
            foreach (var (line, fold) in new[]
            {
                ("standalone", 2.0m), ("standalone", 1.6m), ("standalone", 1.8m), ("standalone", 1.5m), ("standalone", 1.2m),
                ("addon", 2.0m), ("addon", 1.6m), ("addon", 1.1m), ("addon", 1.2m), ("addon", 1.0m),
            })
            {
                var enrolment = Requests.Enrolment("K1", $"K1-{n++:0000}", DaysAgo(40));
                enrolment["diseaseCode"] = "ra";
                enrolment["therapyLine"] = line;
                var enrolled = await shiftedNurse.PostAsJsonAsync("/api/patients", enrolment);
                var patientId = JsonNode.Parse(await enrolled.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();
                Assert.True((await shiftedNurse.PostAsJsonAsync($"/api/patients/{patientId}/visits", Visit(DaysAgo(30), 4.0m, true)))
                    .IsSuccessStatusCode);
                var day8 = await shiftedNurse.PostAsJsonAsync($"/api/patients/{patientId}/visits", Visit(DaysAgo(23), 4.0m * fold, false));
                Assert.True(day8.IsSuccessStatusCode, await day8.Content.ReadAsStringAsync());
                if (n == 1)
                {
                    correctedPatient = patientId;
                    correctedSample = JsonNode.Parse(await day8.Content.ReadAsStringAsync())!["entryIds"]![0]!.GetValue<Guid>();
                }
            }
        }
        finally
        {
            browser.Clock.Offset = TimeSpan.Zero;
        }

        // Today the first stand-alone patient's day-8 result is corrected: no longer a responder (fold change 1.1).
        var corrected = await nurse.PostAsJsonAsync($"/api/patients/{correctedPatient}/corrections", new JsonObject
        {
            ["entryId"] = correctedSample,
            ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 4.4 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "lab sheet",
        });
        Assert.True(corrected.IsSuccessStatusCode, await corrected.Content.ReadAsStringAsync());

        // Signed in without a page to return to, a researcher starts on the cohort page.
        var page = await browser.SignedInPageAsync("researcher-k", Roles.Researcher, [], "/");
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/cohorts");
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Forest plot of Treg responder rates by disease, with 95 % Wilson intervals" }))
            .ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#cohorts tbody tr").Filter(new() { HasText = "ra" })).ToContainTextAsync("5");

        await page.GetByLabel("Disease", new() { Exact = true }).SelectOptionAsync("ra");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        var standalone = page.Locator("#comparison tbody tr").Filter(new() { HasText = "Stand-alone" });
        await Assertions.Expect(standalone).ToContainTextAsync("60.0 %");
        await Assertions.Expect(page.Locator("#difference")).ToContainTextAsync("20.0 %");
        await Assertions.Expect(page.Locator("#difference")).ToContainTextAsync("Newcombe");

        // As known at the end of yesterday: before the correction, 4 responders of 5 stand-alone.
        await page.GetByLabel("As known on (end of the day, UTC; empty: now)", new() { Exact = true }).FillAsync(DaysAgo(1));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Assertions.Expect(standalone).ToContainTextAsync("80.0 %");
        await Assertions.Expect(page.Locator("#difference")).ToContainTextAsync("40.0 %");
        await Assertions.Expect(page.Locator("#as-of-note")).ToContainTextAsync($"at the end of {DaysAgo(1)}");

        // Every cohort as known then: 6 responders in RA before the correction, 5 now.
        var raResponders = page.Locator("#cohorts tbody tr").Filter(new() { HasText = "ra" }).Locator("td").Nth(3);
        await Assertions.Expect(raResponders).ToHaveTextAsync("5");
        await page.GetByLabel("All cohorts as known on (end of the day, UTC; empty: now)").FillAsync(DaysAgo(1));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show all cohorts" }).ClickAsync();
        await Assertions.Expect(raResponders).ToHaveTextAsync("6");
        await Assertions.Expect(page.Locator("#list-as-of-note")).ToContainTextAsync($"at the end of {DaysAgo(1)}");

        Directory.CreateDirectory(DashboardTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardTests.Screenshots, "cohorts.png"), FullPage = true });
    }
}
