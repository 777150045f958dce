using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Browser;

/// <summary>
/// Clean data in Chromium: the investigator signs a record on its page (meaning and password again); a nurse's
/// correction of the enrolment breaks the signature and the worklist asks for a new one; the nurse records a
/// medication's stop; a monitor transfers the patient, and the two sites see it go and arrive.
/// </summary>
public sealed class AmendmentPagesTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private static readonly string Today = DateTime.UtcNow.ToString("yyyy-MM-dd");

    [Fact]
    public async Task a_signature_is_broken_by_a_correction_and_a_transfer_is_seen_from_both_sites()
    {
        using (var admin = browser.Api("admin-a", Roles.Admin))
        {
            foreach (var site in new[] { "A1", "A2" })
            {
                (await admin.PostAsJsonAsync("/api/sites", new { siteId = site, name = $"Hôpital {site}", country = "FR", timeZone = "UTC" }))
                    .EnsureSuccessStatusCode();
            }

            await browser.UserAsync("pi-a1", Roles.Site, ["A1"]);
            (await admin.PostAsJsonAsync("/api/users/pi-a1/investigator", new { allowed = true, reason = "principal investigator" }))
                .EnsureSuccessStatusCode();
        }

        using var api = browser.Api("nurse-a1", Roles.Site, "A1");
        var enrolled = await api.PostAsJsonAsync("/api/patients", Requests.Enrolment("A1", "A1-0042", Today));
        var patientId = JsonNode.Parse(await enrolled.Content.ReadAsStringAsync())!["patientId"]!.GetValue<Guid>();
        var visit = await api.PostAsJsonAsync($"/api/patients/{patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = Today,
            ["conmeds"] = new JsonArray(new JsonObject { ["drug"] = "prednisone", ["drugClass"] = "corticosteroid", ["startedOn"] = Today[..7] }),
        });
        Assert.True(visit.IsSuccessStatusCode, await visit.Content.ReadAsStringAsync());

        // The investigator signs: a wrong password is named beside its field, the right one signs.
        var investigator = await browser.SignedInPageAsync("pi-a1", Roles.Site, ["A1"], $"/site/patients/{patientId}");
        await investigator.GetByLabel("Meaning of the signature").SelectOptionAsync("approval");
        await investigator.GetByLabel("Your password, again").FillAsync("not my password at all");
        await investigator.GetByRole(AriaRole.Button, new() { Name = "Sign the record" }).ClickAsync();
        await Assertions.Expect(investigator.Locator("#signatures .error-summary")).ToContainTextAsync("not right");
        await investigator.GetByLabel("Meaning of the signature").SelectOptionAsync("approval");
        await investigator.GetByLabel("Your password, again").FillAsync(BrowserApp.Password);
        await investigator.GetByRole(AriaRole.Button, new() { Name = "Sign the record" }).ClickAsync();
        await Assertions.Expect(investigator.Locator("#signatures li.valid")).ToContainTextAsync("approval");
        await Assertions.Expect(investigator.Locator("#signatures li.valid")).ToContainTextAsync("In force.");

        // A nurse corrects the year of birth: the signature is broken, and her worklist asks for a new one.
        var nurse = await browser.SignedInPageAsync("nurse-a1", Roles.Site, ["A1"], $"/site/patients/{patientId}");
        await nurse.Locator("summary", new() { HasText = "Correct the enrolment" }).ClickAsync();
        await nurse.GetByLabel("Year of birth").FillAsync("1948");
        await nurse.GetByLabel("Reason for the correction").SelectOptionAsync("transcription-error");
        await nurse.GetByLabel("What was wrong, and where the right value comes from").FillAsync("ID card says 1948");
        await nurse.GetByRole(AriaRole.Button, new() { Name = "Save the correction" }).ClickAsync();
        await Assertions.Expect(nurse.Locator("#amendment-list ol")).ToContainTextAsync("Enrolment corrected");
        await Assertions.Expect(nurse.Locator("#summary")).ToContainTextAsync("1948");
        await Assertions.Expect(nurse.Locator("#signatures li.broken")).ToContainTextAsync("a new signature is needed");

        // She records that the medication stopped.
        var medication = nurse.Locator("#timeline tbody tr").Filter(new() { HasText = "prednisone" });
        await medication.GetByRole(AriaRole.Button, new() { Name = "stopped", Exact = false }).ClickAsync();
        await nurse.GetByLabel("Why it stopped").FillAsync("remission");
        await nurse.GetByRole(AriaRole.Button, new() { Name = "Save the stop" }).ClickAsync();
        await Assertions.Expect(nurse.Locator("#status")).ToContainTextAsync("Medication stop saved.");
        await Assertions.Expect(medication.GetByRole(AriaRole.Button, new() { Name = "stopped", Exact = false })).ToHaveCountAsync(0);

        await nurse.GotoAsync($"{browser.BaseUrl}/site");
        await Assertions.Expect(nurse.Locator("#signatures-due tbody tr").Filter(new() { HasText = "A1-0042" }))
            .ToContainTextAsync("broke");

        // A monitor moves the patient to A2: A1 loses it, A2 finds it with its history.
        var monitor = await browser.SignedInPageAsync("monitor-a", Roles.Monitor, [], $"/site/patients/{patientId}");
        await monitor.Locator("summary", new() { HasText = "Transfer to another site" }).ClickAsync();
        await monitor.GetByLabel("Site the patient moves to").FillAsync("A2");
        await monitor.GetByLabel("Subject code at that site").FillAsync("A2-0007");
        await monitor.GetByLabel("Why the patient moves").FillAsync("moved house");
        await monitor.GetByRole(AriaRole.Button, new() { Name = "Transfer the patient" }).ClickAsync();
        await Assertions.Expect(monitor.Locator("#summary")).ToContainTextAsync("A2");

        await nurse.GotoAsync($"{browser.BaseUrl}/site/patients/{patientId}");
        await Assertions.Expect(nurse.Locator("#title")).ToContainTextAsync("Patient not found");
        var other = await browser.SignedInPageAsync("nurse-a2", Roles.Site, ["A2"], $"/site/patients/{patientId}");
        await Assertions.Expect(other.Locator("#title")).ToContainTextAsync("A2-0007");
        await Assertions.Expect(other.Locator("#amendment-list ol")).ToContainTextAsync("Transferred");
        await Assertions.Expect(other.Locator("#timeline tbody")).ToContainTextAsync("prednisone");
    }
}
