using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Cohorts;

public static class GetCohortEndpoint
{
    [WolverineGet("/api/cohorts/{diseaseCode}", OperationId = "getCohort")]
    [EndpointSummary("Get one disease cohort's response figures by target day.")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        string diseaseCode, IQuerySession session, ClaimsPrincipal user, CohortFigures figures, FiguresCache cache, Freshness freshness,
        Catalogue.DiseaseCatalogue catalogue, string? therapyLine, string? siteId, CancellationToken ct)
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

        var asOf = await freshness.FactsAsync(session, ct);
        var key = $"cohort|{diseaseCode}|{therapyLine}|{siteId}|{CohortPatients.Visibility(caller)}";
        var summary = await cache.GetOrComputeAsync(key, asOf, DateOnly.MinValue, async () =>
        {
            var patients = await CohortPatients.QueryAsync(session, caller, therapyLine, siteId, diseaseCode, ct);
            return figures.Summarise(diseaseCode, patients, asOf, detail: true);
        });
        return Results.Ok(summary);
    }
}
