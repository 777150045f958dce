using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Cohorts;

public static class GetCohortEndpoint
{
    [WolverineGet("/api/cohorts/{diseaseCode}", OperationId = "getCohort")]
    [EndpointSummary("Get one disease cohort's response figures by target day.")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        string diseaseCode, IQuerySession session, ClaimsPrincipal user, CohortFigures figures, FiguresCache cache, Freshness freshness,
        Catalogue.DiseaseCatalogue catalogue, string? therapyLine, string? siteId, string? asOf, TimeProvider time, CancellationToken ct)
    {
        if (catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such disease in the catalogue.");
        }

        var caller = Caller.From(user);
        if (CohortPatients.Check(caller, therapyLine, siteId) is { } problem)
        {
            return problem;
        }

        if (asOf is not null)
        {
            // As the registry knew it then: from the log, not the figure rows (DOMAIN.md's definitions, in memory).
            var (point, instant, invalid) = await CohortAsOf.ResolveAsync(session, asOf, time, ct);
            if (point is null)
            {
                return Results.Problem(invalid!);
            }

            TherapyLine? line = Kebab.TryParse<TherapyLine>(therapyLine, out var parsed) ? parsed : null;
            return Results.Ok(await CohortAsOf.KeptAsync(session, cache,
                $"cohort|{diseaseCode}|{therapyLine}|{siteId}|{CohortPatients.Visibility(caller)}", point, instant, async () =>
                {
                    var then = await CohortAsOf.FactsAsync(session, caller, diseaseCode, line, siteId, point.Sequence, instant, ct);
                    return figures.Summarise(diseaseCode, [.. then.Select(p => p.Facts)], point, detail: true);
                }, ct));
        }

        var progress = await freshness.FactsAsync(session, ct);
        var key = $"cohort|{diseaseCode}|{therapyLine}|{siteId}|{CohortPatients.Visibility(caller)}";
        var version = (await CohortFigureQuery.VersionsAsync(session, caller, therapyLine, siteId, [diseaseCode], ct))
            .GetValueOrDefault(diseaseCode, "empty");
        if (!cache.TryGet(key, version, out CohortSummary? summary))
        {
            var cohorts = await CohortFigureQuery.AggregateAsync(session, caller, therapyLine, siteId, [diseaseCode],
                figures.Measures([diseaseCode], detail: true), figures.TregDays(detail: true), ct);
            var atTarget = await CohortFigureQuery.AtTargetAsync(session, caller, therapyLine, siteId, diseaseCode,
                PatientFigureRows.Clinical("cgi-i"), ct);
            summary = figures.FromAggregates(diseaseCode, new CohortAggregates(
                cohorts.GetValueOrDefault(diseaseCode) is { } cohort ? cohort.All : [], atTarget), progress, detail: true);
            cache.Set(key, version, summary);
        }

        summary = summary! with { AsOf = progress };
        return Results.Ok(summary);
    }
}
