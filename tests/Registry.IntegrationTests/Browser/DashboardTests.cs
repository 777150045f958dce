using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Browser;

/// <summary>The pv dashboard in real headless Chromium. Screenshots go to the test output's screenshots folder.</summary>
public sealed class DashboardTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    public static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Fact]
    public async Task a_pv_officer_sees_a_new_sae_appear_on_the_dashboard_without_reloading()
    {
        using var admin = browser.Api("admin1", Roles.Admin);
        (await admin.PostAsJsonAsync("/api/sites", new { siteId = "FR01", name = "Site FR01", country = "FR", timeZone = "Europe/Paris" })).EnsureSuccessStatusCode();
        using var nurse = browser.Api("nurse1", Roles.Site, "FR01");
        var enrolment = await nurse.PostAsync("/api/patients", Json(Requests.Enrolment("FR01", "FR01-0042", DateTime.UtcNow.AddDays(-30).ToString("yyyy-MM-dd"))));
        enrolment.EnsureSuccessStatusCode();
        var patientId = JsonNode.Parse(await enrolment.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();

        var page = await browser.SignedInPageAsync("pv1", Roles.Pv);
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/dashboard");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Safety dashboard", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Live", new() { Timeout = 15_000 });

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var sae = Requests.AdverseEvent(Guid.NewGuid(), today, today);
        sae["term"] = "pneumonia";
        sae["seriousCriteria"] = new JsonArray("hospitalisation");
        sae["grade"] = 3;
        sae["expected"] = false;
        var visit = new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = today, ["adverseEvents"] = new JsonArray(sae) };
        (await nurse.PostAsync($"/api/patients/{patientId}/visits", Json(visit))).EnsureSuccessStatusCode();

        var row = page.Locator("#clocks tbody tr", new() { HasText = "FR01-0042" });
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(row).ToContainTextAsync("awaiting-acknowledgement");
        await Assertions.Expect(row).ToContainTextAsync("SUSAR");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("New serious adverse event");

        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "dashboard.png"), FullPage = true });
    }

    [Fact]
    public async Task a_site_user_cannot_open_the_dashboard()
    {
        var page = await browser.SignedInPageAsync("nurse2", Roles.Site, "FR99");

        var response = await page.GotoAsync($"{browser.BaseUrl}/dashboard");

        Assert.Equal(403, response!.Status);
        Assert.DoesNotContain("Safety dashboard", await page.ContentAsync());
    }

    [Fact]
    public async Task without_signing_in_the_dashboard_sends_you_to_sign_in()
    {
        var page = await browser.Browser.NewPageAsync();

        await page.GotoAsync($"{browser.BaseUrl}/dashboard");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to the registry" })).ToBeVisibleAsync();
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
