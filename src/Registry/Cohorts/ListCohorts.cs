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
        var kept = new Dictionary<string, CohortSummary>(StringComparer.Ordinal);
        foreach (var (disease, version) in versions)
        {
            if (cache.TryGet($"cohorts|{disease}|{scope}", version, out CohortSummary? summary))
            {
                kept[disease] = summary!;
            }
        }

        var stale = versions.Keys.Where(d => !kept.ContainsKey(d)).ToList();
        if (stale.Count > 0)
        {
            var cohorts = await CohortFigureQuery.AggregateAsync(session, caller, therapyLine, siteId, stale,
                figures.Measures(stale, detail: false), figures.TregDays(detail: false), ct);
            foreach (var disease in stale.Where(cohorts.ContainsKey))
            {
                kept[disease] = figures.FromAggregates(disease, cohorts[disease], asOf, detail: false);
                cache.Set($"cohorts|{disease}|{scope}", versions[disease], kept[disease]);
            }
        }

        var summaries = kept.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value with { AsOf = asOf }).ToList();
        return Results.Ok(summaries);
    }
}
