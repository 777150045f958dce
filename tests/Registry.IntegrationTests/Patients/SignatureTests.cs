using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Registry.Access;
using Registry.Identity;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Patients;

/// <summary>
/// Investigator signatures (21 CFR Part 11 §11.50, §11.200): only a site user an admin named investigator signs, giving
/// the password again; the signature shows name, date and time, and meaning; a later correction breaks it and the
/// worklist asks for a new one; a wrong password counts towards the lockout. Today is 2026-11-29.
/// </summary>
public sealed class SignatureTests(RegistryApp app) : ApiTest(app)
{
    private const string Password = "investigator's own passphrase";

    private ApiClient Investigator => App.AsUser("pi1", Roles.Site, "FR01");

    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    private Guid _patientId;
    private Guid _sample;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.RegisterSiteAsync("DE01");
        await DirectoryUserAsync("pi1", "Dr Ada Investigator", "FR01");
        _patientId = await Nurse.EnrolAsync(Requests.Enrolment());
        var visit = await Nurse.PostAsync($"/api/patients/{_patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-03-09",
            ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = "2026-03-09", ["tregPercentOfCd4"] = 4.0, ["gating"] = "cd4-cd25-foxp3" }),
        }, 201);
        _sample = JsonNode.Parse(await visit.ReadAsTextAsync())!["entryIds"]![0]!.GetValue<Guid>();
    }

    /// <summary>
    /// A site user in the directory with a password (set here directly: the sign-in tests go through the invitation's
    /// pages), named investigator by the admin through the API.
    /// </summary>
    private async Task DirectoryUserAsync(string username, string name, string site, bool investigator = true)
    {
        await App.Admin.PostAsync("/api/users", new JsonObject
        {
            ["username"] = username,
            ["displayName"] = name,
            ["role"] = Roles.Site,
            ["sites"] = new JsonArray(site),
            ["reason"] = "joins",
        }, 201);
        var credentials = App.Host.Services.GetRequiredService<Credentials>();
        await using (var session = App.Store.LightweightSession())
        {
            session.Store(new UserCredential
            {
                Id = UserAccount.StreamFor(username),
                Username = username,
                PasswordHash = Credentials.HashPassword(Password),
                ProtectedTotpSecret = credentials.Protect(Credentials.NewTotpSecret()),
            });
            await session.SaveChangesAsync();
        }

        if (investigator)
        {
            await App.Admin.PostAsync($"/api/users/{username}/investigator",
                new JsonObject { ["allowed"] = true, ["reason"] = "principal investigator at " + site }, 200);
        }
    }

    private Task<Alba.IScenarioResult> SignAsync(ApiClient who, string meaning, string password, int expected) =>
        who.PostAsync($"/api/patients/{_patientId}/signatures", new JsonObject { ["meaning"] = meaning, ["password"] = password }, expected);

    [Fact]
    public async Task a_signature_shows_name_time_and_meaning_and_a_correction_breaks_it()
    {
        App.Clock.Advance(TimeSpan.FromHours(1));
        await SignAsync(Investigator, "approval", Password, 201);
        var record = await Nurse.GetJsonAsync($"/api/patients/{_patientId}");
        var signature = record["signatures"]!.AsArray().Single()!;
        Assert.Equal("Dr Ada Investigator", signature["name"]!.GetValue<string>());
        Assert.Equal("pi1", signature["by"]!.GetValue<string>());
        Assert.Equal("approval", signature["meaning"]!.GetValue<string>());
        Assert.Equal(RegistryApp.Now.AddHours(1), signature["at"]!.GetValue<DateTimeOffset>());
        Assert.True(signature["valid"]!.GetValue<bool>());

        // Signing again with nothing changed is refused; so is the same meaning twice.
        await SignAsync(Investigator, "approval", Password, 409);

        // A monitor's steps change no data: the signature holds.
        await App.AsUser("monitor1", Roles.Monitor).PostAsync($"/api/patients/{_patientId}/verifications",
            new JsonObject { ["entryId"] = _sample, ["revision"] = 1 }, 201);
        Assert.True((await Nurse.GetJsonAsync($"/api/patients/{_patientId}"))["signatures"]![0]!["valid"]!.GetValue<bool>());

        App.Clock.Advance(TimeSpan.FromHours(1));
        await Nurse.PostAsync($"/api/patients/{_patientId}/corrections", new JsonObject
        {
            ["entryId"] = _sample,
            ["changes"] = new JsonObject { ["tregPercentOfCd4"] = 4.5 },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "lab report",
        }, 201);
        var broken = (await Nurse.GetJsonAsync($"/api/patients/{_patientId}"))["signatures"]!.AsArray().Single()!;
        Assert.False(broken["valid"]!.GetValue<bool>());
        Assert.Equal("entry-corrected", broken["brokenBy"]!.GetValue<string>());
        Assert.Equal(RegistryApp.Now.AddHours(2), broken["brokenAt"]!.GetValue<DateTimeOffset>());
        var due = (await Nurse.GetJsonAsync("/api/worklist"))["signaturesDue"]!.AsArray().Single()!;
        Assert.Equal(_patientId, due["patientId"]!.GetValue<Guid>());

        // A new signature after the change: two on the timeline, the last in force, and nothing due.
        await SignAsync(Investigator, "approval", Password, 201);
        var signatures = (await Nurse.GetJsonAsync($"/api/patients/{_patientId}"))["signatures"]!.AsArray();
        Assert.Equal([false, true], signatures.Select(s => s!["valid"]!.GetValue<bool>()));
        Assert.Empty((await Nurse.GetJsonAsync("/api/worklist"))["signaturesDue"]!.AsArray());
    }

    [Fact]
    public async Task only_a_named_investigator_with_the_right_password_signs_and_nothing_of_the_password_is_kept()
    {
        // A nurse (not named investigator), a token-only site user, a monitor, and another site's investigator.
        await DirectoryUserAsync("nurse9", "Nurse Nine", "FR01", investigator: false);
        await SignAsync(App.AsUser("nurse9", Roles.Site, "FR01"), "review", Password, 403);
        await SignAsync(Nurse, "review", Password, 403);
        await SignAsync(App.AsUser("monitor1", Roles.Monitor), "review", Password, 403);
        await DirectoryUserAsync("pi2", "Dr Other Site", "DE01");
        await SignAsync(App.AsUser("pi2", Roles.Site, "DE01"), "review", Password, 404);

        // The admin cannot name a monitor investigator; withdrawing it stops the signing.
        await App.Admin.PostAsync("/api/users", new JsonObject
        {
            ["username"] = "mon2",
            ["displayName"] = "M",
            ["role"] = Roles.Monitor,
            ["sites"] = new JsonArray(),
            ["reason"] = "joins",
        }, 201);
        await App.Admin.PostAsync("/api/users/mon2/investigator", new JsonObject { ["allowed"] = true, ["reason"] = "x" }, 400);

        // Hostile bodies: 400 naming the field, nothing written.
        var errors = await (await Investigator.PostAsync($"/api/patients/{_patientId}/signatures",
            new JsonObject { ["meaning"] = "whatever", ["password"] = "" }, 400)).ValidationErrorsAsync();
        Assert.Contains("meaning", errors.Keys);
        Assert.Contains("password", errors.Keys);

        // A wrong password is a 400 on the password and counts: at the lockout, even the right one is refused.
        for (var i = 0; i < 5; i++)
        {
            await SignAsync(Investigator, "review", "not the password at all", 400);
        }

        await SignAsync(Investigator, "review", Password, 400);
        Assert.Empty((await Nurse.GetJsonAsync($"/api/patients/{_patientId}"))["signatures"]!.AsArray());
        App.Clock.Advance(TimeSpan.FromMinutes(16));
        await SignAsync(Investigator, "review", Password, 201);

        // The password is in no event, no stored request hash input, no audit detail.
        Assert.Equal(0L, await App.ScalarAsync<long>(
            $"select count(*) from registry.mt_events where data::text like '%{Password.Replace("'", "''")}%'"));

        await App.Admin.PostAsync("/api/users/pi1/investigator", new JsonObject { ["allowed"] = false, ["reason"] = "left the site" }, 200);
        await Nurse.PostAsync($"/api/patients/{_patientId}/voids", new JsonObject { ["entryId"] = _sample, ["reason"] = "wrong patient" }, 201);
        await SignAsync(Investigator, "review", Password, 403);
    }

    [Fact]
    public async Task a_locked_record_can_be_signed_and_the_export_carries_the_signature()
    {
        await App.AsUser("monitor1", Roles.Monitor).PostAsync($"/api/patients/{_patientId}/lock",
            new JsonObject { ["reason"] = "cleaned for the interim analysis" }, 201);
        await SignAsync(Investigator, "responsibility", Password, 201);
        var record = await Nurse.GetJsonAsync($"/api/patients/{_patientId}");
        Assert.Equal("responsibility", record["signatures"]![0]!["meaning"]!.GetValue<string>());

        // The export's sg table: meaning, study day, UTC time and status; the printed name only with free text.
        var sg = await App.ExportFileAsync("sg.csv");
        var lines = sg.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("usubjid,sgmean,sgdy,sgtim,sgstat,sgbrdy", lines[0].Trim());
        // Never dosed: day 1 is the enrolment (2 March); 29 November is day 273.
        Assert.EndsWith(",responsibility,273,10:00:00,valid,", lines[1].Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Ada", sg, StringComparison.Ordinal);
    }
}
