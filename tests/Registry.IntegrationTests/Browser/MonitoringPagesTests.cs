using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// The monitor's work in Chromium: a query raised beside an entry reaches the nurse's worklist, she answers it on the
/// patient's page, the monitor closes it, verifies the entry and locks the record, and the nurse's page then offers
/// no change. The monitor's page lists the query and the coverage.
/// </summary>
public sealed class MonitoringPagesTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private static readonly string Today = DateTime.UtcNow.ToString("yyyy-MM-dd");

    [Fact]
    public async Task a_query_goes_from_the_monitor_to_the_nurse_and_back_then_the_record_is_verified_and_locked()
    {
        using (var admin = browser.Api("admin-m", Roles.Admin))
        {
            (await admin.PostAsJsonAsync("/api/sites", new { siteId = "M1", name = "Hôpital M1", country = "FR", timeZone = "UTC" }))
                .EnsureSuccessStatusCode();
        }

        using var api = browser.Api("nurse-m1", Roles.Site, "M1");
        var enrolled = await api.PostAsJsonAsync("/api/patients", Requests.Enrolment("M1", "M1-0042", Today));
        var patientId = JsonNode.Parse(await enrolled.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();
        var visit = await api.PostAsJsonAsync($"/api/patients/{patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = Today,
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = Today, ["tregPercentOfCd4"] = 5.0, ["gating"] = "cd4-cd25-foxp3" }),
        });
        Assert.True(visit.IsSuccessStatusCode, await visit.Content.ReadAsStringAsync());

        // The monitor raises a query beside the sample.
        var monitor = await browser.SignedInPageAsync("monitor-m", Roles.Monitor, [], $"/site/patients/{patientId}");
        await monitor.GetByRole(AriaRole.Button, new() { Name = $"Raise a query on the treg result of {Today}", Exact = false }).ClickAsync();
        await monitor.GetByLabel("Field in question").SelectOptionAsync("tregPercentOfCd4");
        await monitor.GetByLabel("Question", new() { Exact = true }).FillAsync("5.0 % here, 8.0 % on the lab report?");
        await monitor.GetByRole(AriaRole.Button, new() { Name = "Raise the query" }).ClickAsync();
        var query = monitor.Locator("tr.query");
        await Assertions.Expect(query).ToContainTextAsync("5.0 % here, 8.0 % on the lab report?");
        await Assertions.Expect(query).ToContainTextAsync("open");

        // The nurse finds it on her worklist and answers it on the patient's page.
        var nurse = await browser.SignedInPageAsync("nurse-m1", Roles.Site, ["M1"], "/site");
        var waiting = nurse.Locator("#queries tbody tr").Filter(new() { HasText = "M1-0042" });
        await Assertions.Expect(waiting).ToContainTextAsync("tregPercentOfCd4");
        await waiting.GetByRole(AriaRole.Link, new() { Name = "M1-0042" }).ClickAsync();
        await nurse.GetByRole(AriaRole.Button, new() { Name = "Answer" }).ClickAsync();
        await nurse.GetByLabel("Your answer").FillAsync("Checked: the lab report says 5.0 %.");
        await nurse.GetByRole(AriaRole.Button, new() { Name = "Answer the query" }).ClickAsync();
        await Assertions.Expect(nurse.Locator("tr.query")).ToContainTextAsync("answered");

        // The monitor closes it, verifies the sample and locks the record.
        await monitor.ReloadAsync();
        await Assertions.Expect(monitor.Locator("tr.query")).ToContainTextAsync("Checked: the lab report says 5.0 %.");
        await monitor.Locator("tr.query").GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await monitor.GetByRole(AriaRole.Button, new() { Name = "Close the query" }).ClickAsync();
        await Assertions.Expect(monitor.Locator("tr.query")).ToContainTextAsync("closed");
        await monitor.GetByRole(AriaRole.Button, new() { Name = $"Mark the treg result of {Today} verified (revision 1)", Exact = false }).ClickAsync();
        await Assertions.Expect(monitor.Locator("#timeline tbody tr").First).ToContainTextAsync("verified");
        await monitor.GetByRole(AriaRole.Button, new() { Name = "Lock the record" }).ClickAsync();
        await Assertions.Expect(monitor.Locator("#lock .error-summary")).ToContainTextAsync("Why lock it: Say why");
        await monitor.GetByLabel("Why lock it").FillAsync("cleaned for the interim analysis");
        await monitor.GetByRole(AriaRole.Button, new() { Name = "Lock the record" }).ClickAsync();
        await Assertions.Expect(monitor.Locator("#lock .notice")).ToContainTextAsync("cleaned for the interim analysis");

        // The nurse's page says so and offers no change.
        await nurse.ReloadAsync();
        await Assertions.Expect(nurse.Locator("#lock .notice")).ToContainTextAsync("locked by monitor-m");
        await Assertions.Expect(nurse.GetByRole(AriaRole.Button, new() { Name = "Correct" })).ToHaveCountAsync(0);

        // The monitor's page: the closed query, and the site's coverage.
        await monitor.GotoAsync($"{browser.BaseUrl}/monitor");
        await monitor.GetByLabel("Show").SelectOptionAsync("all");
        await Assertions.Expect(monitor.Locator("#queries tbody tr").Filter(new() { HasText = "M1-0042" })).ToContainTextAsync("closed");
        await Assertions.Expect(monitor.Locator("#coverage tbody tr").Filter(new() { HasText = "M1" })).ToContainTextAsync("100 %");
    }

    [Fact]
    public async Task a_monitor_locks_a_cohort_from_the_monitor_page_and_its_records_refuse_the_site_s_visits()
    {
        using (var admin = browser.Api("admin-m", Roles.Admin))
        {
            (await admin.PostAsJsonAsync("/api/sites", new { siteId = "M2", name = "Hôpital M2", country = "FR", timeZone = "UTC" }))
                .EnsureSuccessStatusCode();
        }

        using var api = browser.Api("nurse-m2", Roles.Site, "M2");
        async Task<Guid> EnrolAsync(string code, string line)
        {
            var enrolment = Requests.Enrolment("M2", code, Today);
            enrolment["therapyLine"] = line;
            var response = await api.PostAsJsonAsync("/api/patients", enrolment);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();
        }

        var standalone = await EnrolAsync("M2-0001", "standalone");
        var addon = await EnrolAsync("M2-0002", "addon");

        var monitor = await browser.SignedInPageAsync("monitor-m", Roles.Monitor, [], "/monitor");
        var form = monitor.Locator("#cohort-lock form");
        await form.GetByLabel("Disease").SelectOptionAsync("sle");
        await form.GetByLabel("Enrolled up to (the cohort's last enrolment date)").FillAsync(Today);
        await form.GetByLabel("Site (optional)").FillAsync("M2");
        await form.GetByLabel("Therapy line (optional)").SelectOptionAsync("standalone");
        await form.GetByRole(AriaRole.Button, new() { Name = "Lock the cohort" }).ClickAsync();
        await Assertions.Expect(form.Locator(".field").Filter(new() { HasText = "Why (the analysis)" }).Locator(".field-error"))
            .ToContainTextAsync("Say why");

        await form.GetByLabel("Why (the analysis)").FillAsync("stand-alone interim analysis");
        await form.GetByRole(AriaRole.Button, new() { Name = "Lock the cohort" }).ClickAsync();
        await Assertions.Expect(form.Locator(".result")).ToHaveTextAsync("Cohort locked: 1 record locked now, 0 already locked.");

        JsonObject Visit() => new()
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = Today,
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = Today, ["tregPercentOfCd4"] = 5.0, ["gating"] = "cd4-cd25-foxp3" }),
        };
        var refused = await api.PostAsJsonAsync($"/api/patients/{standalone}/visits", Visit());
        Assert.Equal(System.Net.HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("stand-alone interim analysis", await refused.Content.ReadAsStringAsync());
        Assert.True((await api.PostAsJsonAsync($"/api/patients/{addon}/visits", Visit())).IsSuccessStatusCode);

        // The nurse's page of the locked patient says so.
        var nurse = await browser.SignedInPageAsync("nurse-m2", Roles.Site, ["M2"], $"/site/patients/{standalone}");
        await Assertions.Expect(nurse.Locator("#lock .notice")).ToContainTextAsync("stand-alone interim analysis");
    }
}
