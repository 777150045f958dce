using Marten;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Cohorts;

/// <summary>
/// What the cohort list and one cohort's figures share: whose patients they cover, the checks of their
/// filters.
/// </summary>
public static class CohortPatients
{
    /// <summary>Whose patients the caller's figures cover: part of every cache key.</summary>
    public static string Visibility(Caller caller) =>
        caller.IsSiteBound ? "sites:" + string.Join(',', caller.Sites.Order(StringComparer.Ordinal)) : "all";

    /// <summary>
    /// The live facts of a disease's patients the caller may see (voided enrolments left out), as the figure rows were made
    /// from them: for answers that name the patients of today's figures.
    /// </summary>
    public static async Task<List<PatientFacts>> FactsNowAsync(
        IQuerySession session, Caller caller, string diseaseCode, TherapyLine? line, string? siteId, CancellationToken ct)
    {
        var query = session.Query<PatientFacts>().Where(p => p.DiseaseCode == diseaseCode && !p.Voided);
        if (!string.IsNullOrEmpty(siteId))
        {
            query = query.Where(p => p.SiteId == siteId);
        }

        if (caller.IsSiteBound)
        {
            var sites = caller.Sites.ToArray();
            query = query.Where(p => p.SiteId.IsOneOf(sites));
        }

        // The therapy line in memory: the document keeps the enum as the store's serializer writes it.
        return [.. (await query.ToListAsync(ct)).Where(p => line is not { } therapyLine || p.TherapyLine == therapyLine)];
    }

    /// <summary>
    /// The patients behind a figure at a point: now (the live facts, once they include every acknowledged write) or as of a
    /// point of the log. A researcher gets them as of now only: the point at which a pseudonym joins a figure would date it.
    /// </summary>
    internal static async Task<(AsOf? Point, List<PatientFacts> Facts, DateTimeOffset? Instant, IResult? Problem)> AtAsync(
        IQuerySession session, Caller caller, string diseaseCode, string? therapyLine, string? siteId, string? asOf, Freshness freshness,
        FiguresCache cache, TimeProvider time, CancellationToken ct)
    {
        TherapyLine? line = Kebab.TryParse<TherapyLine>(therapyLine, out var parsed) ? parsed : null;
        if (asOf is null)
        {
            var now = await freshness.FactsAsync(session, ct);
            return (now, await FactsNowAsync(session, caller, diseaseCode, line, siteId, ct), null, null);
        }

        if (caller.Role == Roles.Researcher)
        {
            return (null, [], null, Results.Problem(ValidationErrors.Single("asOf",
                "A researcher sees the patients behind a figure as of now: when a pseudonym joined a figure would date it. "
                + "The figures themselves take asOf (GET /api/cohorts/{diseaseCode}?asOf=).")));
        }

        var (point, instant, problem) = await CohortAsOf.ResolveAsync(session, asOf, time, ct);
        if (point is null)
        {
            return (null, [], null, Results.Problem(problem!));
        }

        // One fold for the page's several questions at that point (its figure, its plots, its drill-down), once settled.
        var then = await CohortAsOf.KeptAsync(session, cache,
            $"facts|{diseaseCode}|{therapyLine}|{siteId}|{Visibility(caller)}", point, instant, async () =>
            {
                var folded = await CohortAsOf.FactsAsync(session, caller, diseaseCode, line, siteId, point.Sequence, instant, ct);
                return folded.Select(p => p.Facts).ToList();
            }, ct);
        return (point, then, instant, null);
    }

    internal static IResult? Check(Caller caller, string? therapyLine, string? siteId)
    {
        if (!string.IsNullOrEmpty(siteId) && !caller.MaySee(siteId))
        {
            return Results.Problem(SiteAccess.NotYourSite(siteId));
        }

        return !string.IsNullOrEmpty(therapyLine) && !Kebab.TryParse<TherapyLine>(therapyLine, out _)
            ? Results.Problem(ValidationErrors.Single("therapyLine", $"'{therapyLine}' is not a therapy line: use standalone or addon."))
            : null;
    }
}
