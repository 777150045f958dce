using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// The researcher's exports page in Chromium: a cohort defined in the page (the server's error beside its field first),
/// saved as a named definition and listed with its version; an export of that definition's latest version requested, the
/// list refreshed until it is done, its manifest naming the definition and version, and its files as download links.
/// </summary>
public sealed class ExportPagesTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private const string Definition = "Lupus X1 test";

    private static string DaysAgo(int days) => DateTime.UtcNow.AddDays(-days).ToString("yyyy-MM-dd");

    private static JsonObject DoseVisit(string date) => new()
    {
        ["visitId"] = Guid.NewGuid(),
        ["visitDate"] = date,
        ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = date, ["tregPercentOfCd4"] = 4.0m, ["gating"] = "cd4-cd25-foxp3" }),
        ["doses"] = new JsonArray(new JsonObject
        {
            ["givenOn"] = date,
            ["doseIu"] = 1_000_000,
            ["product"] = "aldesleukin",
            ["phase"] = "induction",
        }),
    };

    [Fact]
    public async Task a_researcher_saves_a_cohort_definition_exports_it_and_downloads_its_files()
    {
        // Two lupus patients at site X1, each with a dose.
        using var admin = browser.Api("admin-x", Roles.Admin);
        (await admin.PostAsJsonAsync("/api/sites", new { siteId = "X1", name = "Klinik X1", country = "FR", timeZone = "UTC" }))
            .EnsureSuccessStatusCode();
        using var nurse = browser.Api("nurse-x1", Roles.Site, "X1");
        for (var n = 0; n < 2; n++)
        {
            var enrolled = await nurse.PostAsJsonAsync("/api/patients", Requests.Enrolment("X1", $"X1-{n:0000}", DaysAgo(20)));
            Assert.True(enrolled.IsSuccessStatusCode, await enrolled.Content.ReadAsStringAsync());
            var patientId = JsonNode.Parse(await enrolled.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();
            var visit = await nurse.PostAsJsonAsync($"/api/patients/{patientId}/visits", DoseVisit(DaysAgo(10)));
            Assert.True(visit.IsSuccessStatusCode, await visit.Content.ReadAsStringAsync());
        }

        var page = await browser.SignedInPageAsync("researcher-x1", Roles.Researcher, [], "/exports");
        await Assertions.Expect(page).ToHaveURLAsync($"{browser.BaseUrl}/exports");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Exports", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Site pages" })
            .GetByRole(AriaRole.Link, new() { Name = "Exports", Exact = true })).ToBeVisibleAsync();

        // The cohort: lupus at site X1. Saved without a name first: the server's error is beside the name.
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Systemic lupus erythematosus (sle)", Exact = true }).CheckAsync();
        await page.GetByLabel("Site ids (optional)", new() { Exact = true }).FillAsync("X1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as a new definition", Exact = true }).ClickAsync();
        var name = page.GetByLabel("Name", new() { Exact = true });
        await Assertions.Expect(name).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#define-form .field").Filter(new() { Has = name }).Locator(".field-error"))
            .ToHaveTextAsync("Name the definition (e.g. SLE add-on, enrolled in 2026).");
        await Assertions.Expect(page.Locator("#definitions tbody tr").Filter(new() { HasText = Definition })).ToHaveCountAsync(0);

        // Named, it is saved as version 1, listed, and chosen: its versions in words.
        await name.FillAsync(Definition);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as a new definition", Exact = true }).ClickAsync();
        var definition = page.Locator("#definitions tbody tr").Filter(new() { HasText = Definition });
        await Assertions.Expect(definition.Locator("td.version")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#define-form .field-error")).ToHaveCountAsync(0);
        var choose = definition.GetByRole(AriaRole.Button, new() { Name = $"Choose {Definition}", Exact = true });
        await choose.ClickAsync();
        await Assertions.Expect(choose).ToHaveAttributeAsync("aria-pressed", "true");
        var versions = page.Locator("#versions-table tbody tr");
        await Assertions.Expect(versions).ToHaveCountAsync(1);
        await Assertions.Expect(versions.First).ToContainTextAsync("sle · sites X1");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Save as version 2 of {Definition}", Exact = true }))
            .ToBeVisibleAsync();

        // An export of the definition's latest version, as CSV, as of now.
        await page.GetByRole(AriaRole.Radio, new() { Name = $"A saved definition: {Definition}", Exact = true }).CheckAsync();
        await Assertions.Expect(page.GetByLabel("Version", new() { Exact = true })).ToHaveValueAsync("");
        await page.GetByLabel("Format", new() { Exact = true }).SelectOptionAsync("csv");
        await page.GetByRole(AriaRole.Button, new() { Name = "Request the export", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#export-result")).ToContainTextAsync("Export requested");

        // The list refreshes itself until the export is done (built in the background).
        var export = page.Locator("#exports tbody tr.export");
        await Assertions.Expect(export).ToHaveCountAsync(1);
        await Assertions.Expect(export.First).ToContainTextAsync($"{Definition}, version 1");
        await Assertions.Expect(export.First.Locator("td.status .flag")).ToHaveTextAsync("done", new() { Timeout = 90_000 });

        // Its manifest names the definition and the version; each file has its hash.
        var manifest = page.Locator("#exports details.manifest").First;
        await manifest.Locator("summary").ClickAsync();
        await Assertions.Expect(manifest).ToHaveAttributeAsync("open", "");
        await Assertions.Expect(manifest).ToContainTextAsync($"{Definition}, version 1");
        await Assertions.Expect(manifest).ToContainTextAsync("sle · sites X1");
        await Assertions.Expect(manifest).ToContainTextAsync("no free text");
        await Assertions.Expect(manifest).ToContainTextAsync(new Regex("[0-9a-f]{64}"));

        // Its files download with a plain link: dm.csv, one row per patient of the cohort.
        var dm = page.Locator("#exports ul.files").GetByRole(AriaRole.Link, new() { Name = "dm.csv", Exact = true });
        await Assertions.Expect(dm).ToHaveAttributeAsync("download", "dm.csv");
        await Assertions.Expect(dm).ToHaveAttributeAsync("href", new Regex("^/api/exports/[0-9a-f-]{36}/files/dm\\.csv$"));
        await Assertions.Expect(page.Locator("#exports ul.files li").Filter(new() { HasText = "dm.csv" })).ToHaveTextAsync("dm.csv · 2 rows");

        Directory.CreateDirectory(DashboardTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardTests.Screenshots, "exports.png"), FullPage = true });

        // Another role has no link to the page, and the page refuses it.
        var monitor = await browser.SignedInPageAsync("monitor-x", Roles.Monitor, [], "/cohorts");
        await Assertions.Expect(monitor).ToHaveURLAsync($"{browser.BaseUrl}/cohorts");
        await Assertions.Expect(monitor.Locator("#who")).ToContainTextAsync("monitor-x");
        await Assertions.Expect(monitor.GetByRole(AriaRole.Link, new() { Name = "Exports", Exact = true })).ToHaveCountAsync(0);
        var refused = await monitor.GotoAsync($"{browser.BaseUrl}/exports");
        Assert.Equal(403, refused!.Status);
    }
}
