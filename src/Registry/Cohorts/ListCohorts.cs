using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Cohorts;

public static class ListCohortsEndpoint
{
    [WolverineGet("/api/cohorts", OperationId = "listCohorts")]
    [EndpointSummary("Get each disease cohort's response figures.")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        IQuerySession session, ClaimsPrincipal user, CohortFigures figures, FiguresCache cache, Freshness freshness,
        Catalogue.DiseaseCatalogue catalogue, string? therapyLine, string? siteId, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (CohortPatients.Check(caller, therapyLine, siteId) is { } problem)
        {
            return problem;
        }

        // The progress first (caught up with every committed write): the facts loaded afterwards reflect at least the events it names.
        var asOf = await freshness.FactsAsync(session, ct);
        var key = $"cohorts|{therapyLine}|{siteId}|{CohortPatients.Visibility(caller)}";
        var summaries = await cache.GetOrComputeAsync(key, asOf, DateOnly.MinValue, async () =>
        {
            var cohorts = await CohortFigureQuery.AggregateAsync(session, caller, therapyLine, siteId, null,
                figures.Measures(catalogue.Diseases.Select(d => d.Code), detail: false), figures.TregDays(detail: false), ct);
            return cohorts
                .Where(c => c.Value.Find(PatientFigureRows.Patient, 0) is not null)
                .OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => figures.FromAggregates(c.Key, c.Value, asOf, detail: false))
                .ToList();
        });
        return Results.Ok(summaries);
    }
}
