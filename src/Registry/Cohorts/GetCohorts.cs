using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Cohorts;

public static class GetCohortsEndpoint
{
    [WolverineGet("/api/cohorts", OperationId = "listCohorts")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> List(
        IQuerySession session, ClaimsPrincipal user, CohortFigures figures, string? therapyLine, string? siteId, CancellationToken ct)
    {
        var (patients, problem) = await CohortPatientsAsync(session, Caller.From(user), therapyLine, siteId, null, ct);
        if (problem is not null)
        {
            return problem;
        }

        var asOf = await ProjectionProgress.ForAsync(session, ProjectionProgress.PatientFacts, ct);
        return Results.Ok(patients!
            .GroupBy(p => p.DiseaseCode)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => figures.Summarise(g.Key, g.ToList(), asOf, detail: false))
            .ToList());
    }

    [WolverineGet("/api/cohorts/{diseaseCode}", OperationId = "getCohort")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        string diseaseCode, IQuerySession session, ClaimsPrincipal user, CohortFigures figures, Catalogue.DiseaseCatalogue catalogue,
        string? therapyLine, string? siteId, CancellationToken ct)
    {
        if (catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such disease in the catalogue.");
        }

        var (patients, problem) = await CohortPatientsAsync(session, Caller.From(user), therapyLine, siteId, diseaseCode, ct);
        if (problem is not null)
        {
            return problem;
        }

        var asOf = await ProjectionProgress.ForAsync(session, ProjectionProgress.PatientFacts, ct);
        return Results.Ok(figures.Summarise(diseaseCode, patients!, asOf, detail: true));
    }

    /// <summary>The patients behind the figures: a site user's own sites only, filtered as asked.</summary>
    private static async Task<(IReadOnlyList<PatientFacts>? Patients, IResult? Problem)> CohortPatientsAsync(
        IQuerySession session, Caller caller, string? therapyLine, string? siteId, string? diseaseCode, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(siteId) && !caller.MaySee(siteId))
        {
            return (null, Results.Problem(SiteAccess.NotYourSite(siteId)));
        }

        TherapyLine? line = null;
        if (!string.IsNullOrEmpty(therapyLine))
        {
            if (!Kebab.TryParse<TherapyLine>(therapyLine, out var parsed))
            {
                return (null, Results.Problem(ValidationErrors.Single("therapyLine", $"'{therapyLine}' is not a therapy line: use standalone or addon.")));
            }

            line = parsed;
        }

        IQueryable<PatientFacts> query = session.Query<PatientFacts>();
        if (caller.IsSiteBound)
        {
            var sites = caller.Sites.ToArray();
            query = query.Where(p => p.SiteId.IsOneOf(sites));
        }

        if (!string.IsNullOrEmpty(siteId))
        {
            query = query.Where(p => p.SiteId == siteId);
        }

        if (line is { } l)
        {
            query = query.Where(p => p.TherapyLine == l);
        }

        if (diseaseCode is not null)
        {
            query = query.Where(p => p.DiseaseCode == diseaseCode);
        }

        return (await query.ToListAsync(ct), null);
    }
}
