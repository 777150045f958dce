using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Safety;

public static class GetSafetyProfileEndpoint
{
    [WolverineGet("/api/safety/profile", OperationId = "getSafetyProfile")]
    [EndpointSummary("Get the safety profile.")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IResult> Get(
        IQuerySession session, TimeProvider time, DiseaseCatalogue catalogue, FiguresCache cache, Freshness freshness,
        string? diseaseCode, string? siteId, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(diseaseCode) && catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(
                Infrastructure.ValidationErrors.Single("diseaseCode", $"'{diseaseCode}' is not in the disease catalogue."));
        }

        // The progress first (caught up with every committed write): the facts loaded afterwards reflect at least the events it names.
        var asOf = await freshness.FactsAsync(session, ct);
        var today = LiveCutOff.Today(time);
        var profile = await cache.GetOrComputeAsync($"safety-profile|{diseaseCode}|{siteId}", asOf, today, () =>
            SafetyQuery.ProfileAsync(session, diseaseCode, siteId, today, asOf, ct));
        return Results.Ok(profile);
    }
}
