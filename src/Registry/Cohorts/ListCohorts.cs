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
        string? therapyLine, string? siteId, string? asOf, TimeProvider time, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (CohortPatients.Check(caller, therapyLine, siteId) is { } problem)
        {
            return problem;
        }

        if (asOf is not null)
        {
            // As the registry knew it then: every disease with patients at that point, from the log (as GetCohort does).
            var (point, instant, invalid) = await CohortAsOf.ResolveAsync(session, asOf, time, ct);
            if (point is null)
            {
                return Results.Problem(invalid!);
            }

            Patients.TherapyLine? line = Infrastructure.Kebab.TryParse<Patients.TherapyLine>(therapyLine, out var parsed) ? parsed : null;
            return Results.Ok(await CohortAsOf.KeptAsync(session, cache,
                $"cohorts|{therapyLine}|{siteId}|{CohortPatients.Visibility(caller)}", point, instant, async () =>
                {
                    var then = await CohortAsOf.FactsAsync(session, caller, null, line, siteId, point.Sequence, instant, ct);
                    return then.GroupBy(p => p.Facts.DiseaseCode)
                        .OrderBy(g => g.Key, StringComparer.Ordinal)
                        .Select(g => figures.Summarise(g.Key, [.. g.Select(p => p.Facts)], point, detail: false))
                        .ToList();
                }, ct));
        }

        // The progress first (caught up with every committed write): the rows read afterwards reflect at least the events it names.
        var progress = await freshness.FactsAsync(session, ct);
        var scope = $"{therapyLine}|{siteId}|{CohortPatients.Visibility(caller)}";
        var versions = await CohortFigureQuery.VersionsAsync(session, caller, therapyLine, siteId, null, ct);

        // Each cohort's summary is kept under its own version: after a new event, only its cohort is computed again.
        var kept = await cache.PerCohortAsync<CohortSummary>($"cohorts|{scope}", versions, async stale =>
            {
                var cohorts = await CohortFigureQuery.AggregateAsync(session, caller, therapyLine, siteId, stale,
                    figures.Measures(stale, detail: false), figures.TregDays(detail: false), ct);
                return cohorts.ToDictionary(
                    c => c.Key, c => figures.FromAggregates(c.Key, c.Value, progress, detail: false), StringComparer.Ordinal);
            },
            _ => null);

        var summaries = kept.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value with { AsOf = progress }).ToList();
        return Results.Ok(summaries);
    }
}
