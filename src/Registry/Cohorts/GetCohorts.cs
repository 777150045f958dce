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
        IQuerySession session, ClaimsPrincipal user, CohortFigures figures, FiguresCache cache, Freshness freshness, string? therapyLine, string? siteId, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (Check(caller, therapyLine, siteId) is { } problem)
        {
            return problem;
        }

        // The progress first (caught up with every committed write): the facts loaded afterwards reflect at least the events it names.
        var asOf = await freshness.FactsAsync(session, ct);
        var summaries = await cache.GetOrComputeAsync($"cohorts|{therapyLine}|{siteId}|{Visibility(caller)}", asOf, DateOnly.MinValue, async () =>
        {
            var patients = await CohortPatientsAsync(session, caller, therapyLine, siteId, null, ct);
            return patients
                .GroupBy(p => p.DiseaseCode)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => figures.Summarise(g.Key, g.ToList(), asOf, detail: false))
                .ToList();
        });
        return Results.Ok(summaries);
    }

    [WolverineGet("/api/cohorts/{diseaseCode}", OperationId = "getCohort")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        string diseaseCode, IQuerySession session, ClaimsPrincipal user, CohortFigures figures, FiguresCache cache, Freshness freshness, Catalogue.DiseaseCatalogue catalogue,
        string? therapyLine, string? siteId, CancellationToken ct)
    {
        if (catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such disease in the catalogue.");
        }

        var caller = Caller.From(user);
        if (Check(caller, therapyLine, siteId) is { } problem)
        {
            return problem;
        }

        var asOf = await freshness.FactsAsync(session, ct);
        var summary = await cache.GetOrComputeAsync($"cohort|{diseaseCode}|{therapyLine}|{siteId}|{Visibility(caller)}", asOf, DateOnly.MinValue, async () =>
            figures.Summarise(diseaseCode, await CohortPatientsAsync(session, caller, therapyLine, siteId, diseaseCode, ct), asOf, detail: true));
        return Results.Ok(summary);
    }

    /// <summary>Whose patients the caller's figures cover: part of every cache key.</summary>
    public static string Visibility(Caller caller) =>
        caller.IsSiteBound ? "sites:" + string.Join(',', caller.Sites.Order(StringComparer.Ordinal)) : "all";

    private static IResult? Check(Caller caller, string? therapyLine, string? siteId)
    {
        if (!string.IsNullOrEmpty(siteId) && !caller.MaySee(siteId))
        {
            return Results.Problem(SiteAccess.NotYourSite(siteId));
        }

        return !string.IsNullOrEmpty(therapyLine) && !Kebab.TryParse<TherapyLine>(therapyLine, out _)
            ? Results.Problem(ValidationErrors.Single("therapyLine", $"'{therapyLine}' is not a therapy line: use standalone or addon."))
            : null;
    }

    /// <summary>The patients behind the figures: a site user's own sites only, filtered as asked (already checked).</summary>
    private static async Task<IReadOnlyList<PatientFacts>> CohortPatientsAsync(
        IQuerySession session, Caller caller, string? therapyLine, string? siteId, string? diseaseCode, CancellationToken ct)
    {
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

        if (!string.IsNullOrEmpty(therapyLine) && Kebab.TryParse<TherapyLine>(therapyLine, out var line))
        {
            query = query.Where(p => p.TherapyLine == line);
        }

        if (diseaseCode is not null)
        {
            query = query.Where(p => p.DiseaseCode == diseaseCode);
        }

        return await query.ToListAsync(ct);
    }
}
