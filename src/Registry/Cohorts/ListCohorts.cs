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

        // The progress first (caught up with every committed write): the rows read afterwards reflect at least the events it names.
        var asOf = await freshness.FactsAsync(session, ct);
        var scope = $"{therapyLine}|{siteId}|{CohortPatients.Visibility(caller)}";
        var versions = await CohortFigureQuery.VersionsAsync(session, caller, therapyLine, siteId, null, ct);

        // Each cohort's summary is kept under its own version: after a new event, only its cohort is computed again.
        var kept = await cache.PerCohortAsync<CohortSummary>($"cohorts|{scope}", versions, async stale =>
            {
                var cohorts = await CohortFigureQuery.AggregateAsync(session, caller, therapyLine, siteId, stale,
                    figures.Measures(stale, detail: false), figures.TregDays(detail: false), ct);
                return cohorts.ToDictionary(
                    c => c.Key, c => figures.FromAggregates(c.Key, c.Value, asOf, detail: false), StringComparer.Ordinal);
            },
            _ => null);

        var summaries = kept.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value with { AsOf = asOf }).ToList();
        return Results.Ok(summaries);
    }
}
