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
        string? therapyLine, string? siteId, CancellationToken ct)
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
            var patients = await CohortPatients.QueryAsync(session, caller, therapyLine, siteId, null, ct);
            return patients
                .GroupBy(p => p.DiseaseCode)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => figures.Summarise(g.Key, g.ToList(), asOf, detail: false))
                .ToList();
        });
        return Results.Ok(summaries);
    }
}
