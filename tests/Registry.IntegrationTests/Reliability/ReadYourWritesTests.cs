using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;
using Wolverine.Tracking;

namespace Registry.IntegrationTests.Reliability;

/// <summary>
/// "Now" includes every write acknowledged before the request: figures, clocks and exports asked right
/// after writes (without waiting for the projections first) count all of them.
/// </summary>
public sealed class ReadYourWritesTests(RegistryApp app) : ApiTest(app)
{
    private const int Patients = 6;

    private async Task<List<Guid>> SixDosedPatientsAsync()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        var nurse = App.As(Roles.Site, "FR01");
        var ids = new List<Guid>();
        for (var i = 0; i < Patients; i++)
        {
            var patient = await nurse.EnrolAsync(Requests.Enrolment("FR01", $"FR01-{i:0000}"));
            var serious = Requests.AdverseEvent(Guid.NewGuid());
            serious["seriousCriteria"] = new JsonArray("hospitalisation");
            await nurse.PostAsync($"/api/patients/{patient}/visits", new JsonObject
            {
                ["visitId"] = Guid.NewGuid(),
                ["visitDate"] = "2026-11-20",
                ["doses"] = new JsonArray(new JsonObject
                {
                    ["givenOn"] = "2026-11-20",
                    ["doseIu"] = 1_000_000,
                    ["route"] = "subcutaneous",
                    ["product"] = "aldesleukin",
                    ["phase"] = "induction",
                }),
                ["adverseEvents"] = new JsonArray(serious),
            }, 201);
            ids.Add(patient);
        }

        return ids;
    }

    [Fact]
    public async Task cohort_figures_safety_profile_and_clocks_asked_right_after_writes_count_every_one()
    {
        await SixDosedPatientsAsync();

        var cohorts = await App.As(Roles.Monitor).GetJsonArrayAsync("/api/cohorts");
        var sle = cohorts.Single(c => c!["diseaseCode"]!.GetValue<string>() == "sle")!;
        Assert.Equal(Patients, sle["treated"]!.GetValue<int>());
        Assert.True(sle["asOf"]!["complete"]!.GetValue<bool>());

        var profile = await App.As(Roles.Pv).GetJsonAsync("/api/safety/profile");
        Assert.Equal(Patients, profile["exposedPatients"]!.GetValue<int>());

        var clocks = await App.As(Roles.Pv).GetAsync("/api/safety/sae-clocks?status=all");
        Assert.Equal(Patients, JsonNode.Parse(await clocks.ReadAsTextAsync())!.AsArray().Count);
        Assert.Equal("true", clocks.Context.Response.Headers["X-As-Of-Complete"].ToString());
    }

    [Fact]
    public async Task an_export_asked_right_after_six_visits_contains_all_six()
    {
        await SixDosedPatientsAsync();
        var researcher = App.As(Roles.Researcher);

        Guid exportId = default;
        await Host.ExecuteAndWaitAsync(async () =>
        {
            var accepted = await researcher.PostAsync("/api/exports", new JsonObject
            {
                ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("sle") },
                ["format"] = "csv",
                ["dates"] = "study-day",
            }, 202);
            exportId = JsonNode.Parse(await accepted.ReadAsTextAsync())!["exportId"]!.GetValue<Guid>();
        }, 60_000);

        var status = await researcher.GetJsonAsync($"/api/exports/{exportId}");
        Assert.Equal("done", status["status"]!.GetValue<string>());
        var ex = status["manifest"]!["files"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "ex.csv")!;
        Assert.Equal(Patients, ex["rows"]!.GetValue<long>());
    }

    [Fact]
    public async Task an_export_as_of_a_sequence_beyond_the_committed_log_is_a_400()
    {
        await SixDosedPatientsAsync();
        var result = await App.As(Roles.Researcher).PostAsync("/api/exports", new JsonObject
        {
            ["cohort"] = new JsonObject { ["diseaseCodes"] = new JsonArray("sle") },
            ["asOf"] = new JsonObject { ["sequence"] = 1_000_000 },
            ["format"] = "csv",
            ["dates"] = "study-day",
        }, 400);
        Assert.Contains("committed position", (await result.ValidationErrorsAsync())["asOf.sequence"][0]);
    }
}
