using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Demo;
using Registry.Infrastructure;
using Registry.IntegrationTests.Infrastructure;
using Registry.Patients;

namespace Registry.IntegrationTests.Cohorts;

public sealed class RebuildConsistencyTests(RegistryApp app) : ApiTest(app)
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(RegistryApp.Now.UtcDateTime);

    [Fact]
    public async Task a_full_rebuild_gives_the_same_state_and_figures_as_the_live_daemon()
    {
        var catalogue = Host.Services.GetRequiredService<DiseaseCatalogue>();
        var import = new BulkImport(App.Store, catalogue, App.Clock);
        var result = await import.ImportAsync(new BasketGenerator(catalogue, 42, Today).Patients(90, 3), 30, null, CancellationToken.None);
        Assert.True(result.Events > 3000, $"only {result.Events} events");

        await App.WaitForProjectionsAsync();
        var live = await SnapshotAsync();

        var coordinator = Host.Services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>();
        await coordinator.RebuildAndResumeAsync<PatientFactsProjection>($"{ProjectionProgress.PatientFacts}:All", TimeSpan.FromMinutes(2), CancellationToken.None);
        await App.WaitForProjectionsAsync();
        var rebuilt = await SnapshotAsync();

        Assert.Equal(90, JsonNode.Parse(live.Facts)!.AsArray().Count);
        Assert.Equal(live.Facts, rebuilt.Facts);
        Assert.Equal(live.Figures, rebuilt.Figures);
        Assert.Contains("\"treated\"", live.Figures);

        // And the daemon goes on after the rebuild: a new patient reaches the facts.
        await App.Admin.RegisterSiteAsync("FR01");
        var patientId = await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment());
        await App.WaitForProjectionsAsync();
        await using var session = App.Store.QuerySession();
        Assert.NotNull(await session.LoadAsync<PatientFacts>(patientId));
    }

    [Fact]
    public async Task generated_patients_are_accepted_by_the_api_step_by_step()
    {
        var catalogue = Host.Services.GetRequiredService<DiseaseCatalogue>();
        var nurse = App.As(Roles.Site, "S001");
        await App.Admin.RegisterSiteAsync("S001", "UTC");
        foreach (var patient in new BasketGenerator(catalogue, 3, Today).Patients(3, 1))
        {
            var id = await nurse.EnrolAsync(JsonSerializer.SerializeToNode(patient.Enrolment, RegistryJson.Options)!.AsObject());
            foreach (var step in patient.Steps)
            {
                switch (step)
                {
                    case VisitStep v:
                        await nurse.PostAsync($"/api/patients/{id}/visits", JsonSerializer.SerializeToNode(v.Visit, RegistryJson.Options)!, 201);
                        break;
                    case FollowUpStep f:
                        await nurse.PostAsync($"/api/patients/{id}/adverse-events/{f.AdverseEventId}/follow-ups", JsonSerializer.SerializeToNode(f.FollowUp, RegistryJson.Options)!, 201);
                        break;
                    case WithdrawalStep w:
                        await nurse.PostAsync($"/api/patients/{id}/withdrawal", JsonSerializer.SerializeToNode(w.Withdrawal, RegistryJson.Options)!, 201);
                        break;
                    case CompletionStep c:
                        await nurse.PostAsync($"/api/patients/{id}/completion", JsonSerializer.SerializeToNode(c.Completion, RegistryJson.Options)!, 201);
                        break;
                }
            }
        }

        Assert.Equal(3, (await nurse.GetJsonArrayAsync("/api/patients")).Count);
    }

    private async Task<(string Facts, string Figures)> SnapshotAsync()
    {
        await using var session = App.Store.QuerySession();
        var facts = (await session.Query<PatientFacts>().ToListAsync()).OrderBy(f => f.Id).ToList();
        var monitor = App.As(Roles.Monitor);
        var figures = new JsonArray(
            (await monitor.GetJsonArrayAsync("/api/cohorts")).DeepClone(),
            (await monitor.GetJsonAsync("/api/safety/profile")).DeepClone(),
            (await monitor.GetJsonArrayAsync("/api/safety/signals")).DeepClone());
        foreach (var cohort in figures[0]!.AsArray())
        {
            cohort!.AsObject().Remove("asOf");
        }

        figures[1]!.AsObject().Remove("asOf");
        return (JsonSerializer.Serialize(facts, RegistryJson.Options), figures.ToJsonString());
    }
}
