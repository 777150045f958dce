using System.Security.Claims;
using System.Text.Json.Serialization;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Cohorts;

public sealed record TregPoint(int StudyDay, double TregPercentOfCd4);

/// <summary>One treated patient's Treg % of CD4 over study days, in the gating of the baseline.</summary>
public sealed record PatientTregCourse(
    string Patient,
    string SiteId,
    [property: JsonConverter(typeof(KebabEnum<TherapyLine>))] TherapyLine TherapyLine,
    double? FoldChange,
    IReadOnlyList<TregPoint> Points);

/// <summary>The median Treg % at baseline (study day 1) and at each target day, of the values the figures use.</summary>
public sealed record MedianPoint(int StudyDay, int N, double? Median);

/// <summary>How many treated patients have a baseline in a gating.</summary>
public sealed record GatingCount([property: JsonConverter(typeof(KebabEnum<Gating>))] Gating Gating, int Patients);

/// <summary>
/// The course of one gating (Treg levels of different gatings are never pooled, DOMAIN.md): its patients and median, and
/// the gatings the cohort's baselines use, so the page can offer the others.
/// </summary>
public sealed record TregCourse(
    string DiseaseCode,
    int PrimaryTargetDay,
    [property: JsonConverter(typeof(KebabEnum<Gating>))] Gating? Gating,
    IReadOnlyList<GatingCount> Gatings,
    AsOf AsOf,
    IReadOnlyList<PatientTregCourse> Patients,
    IReadOnlyList<MedianPoint> Median);

/// <summary>
/// <c>GET /api/cohorts/{diseaseCode}/treg-course?gating=</c>: each treated patient's Treg % over study days in one gating
/// (the baselines' most common one unless asked; never <c>other</c>), pseudonymous for a researcher as the contributors
/// are, with the median line, for the page's plots; from the live facts, or at <c>asOf</c> (not for researchers).
/// </summary>
public static class TregCourseEndpoint
{
    [WolverineGet("/api/cohorts/{diseaseCode}/treg-course", OperationId = "getTregCourse")]
    [EndpointSummary("Each treated patient's Treg % over study days in one gating, with the median at baseline and each target day.")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        string diseaseCode, string? gating, string? therapyLine, string? siteId, string? asOf, IDocumentSession session,
        ClaimsPrincipal user, Response response, DiseaseCatalogue catalogue, Pseudonyms pseudonyms,
        Freshness freshness, FiguresCache cache, TimeProvider time, CancellationToken ct)
    {
        if (catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such disease in the catalogue.");
        }

        var caller = Caller.From(user);
        if (CohortPatients.Check(caller, therapyLine, siteId) is { } refused)
        {
            return refused;
        }

        Gating? wanted = null;
        if (gating is not null)
        {
            if (!Kebab.TryParse<Gating>(gating, out var g) || g == Gating.Other)
            {
                return Results.Problem(ValidationErrors.Single("gating",
                    "gating is cd4-cd25-foxp3 or cd4-cd25hi-cd127lo (results gated otherwise are in no pooled figure)."));
            }

            wanted = g;
        }

        if (CohortContributorsEndpoint.Names(caller, pseudonyms) is not { } names)
        {
            return Results.Problem(CohortContributorsEndpoint.NoSecret);
        }

        var (point, facts, _, problem) = await CohortPatients.AtAsync(
            session, caller, diseaseCode, therapyLine, siteId, asOf, freshness, cache, time, ct);
        if (problem is not null)
        {
            return problem;
        }

        var options = response.Options;
        var treated = facts
            .Where(p => p.FirstDoseOn is not null)
            .Select(p => (Patient: p, Baseline: response.TregBaseline(p)))
            .Where(x => x.Baseline is not null && x.Baseline.Gating != Gating.Other)
            .ToList();
        var gatings = treated.GroupBy(x => x.Baseline!.Gating)
            .Select(g => new GatingCount(g.Key, g.Count()))
            .OrderByDescending(g => g.Patients).ThenBy(g => g.Gating)
            .ToList();
        var shown = wanted ?? gatings.FirstOrDefault()?.Gating;
        var patients = treated.Where(x => x.Baseline!.Gating == shown).Select(x => x.Patient).ToList();
        var courses = patients.Select(p =>
            {
                var first = p.FirstDoseOn!.Value;
                var points = Response.Deduplicated(p)
                    .Where(t => t.Gating == shown && t.SampledOn >= first.AddDays(-options.BaselineMaxDaysBefore))
                    .Select(t => new TregPoint(StudyDays.Of(first, t.SampledOn), (double)t.TregPercentOfCd4))
                    .OrderBy(t => t.StudyDay)
                    .ToList();
                var foldChange = response.Treg(p, options.PrimaryTargetDay).FoldChange;
                return new PatientTregCourse(names(p), p.SiteId, p.TherapyLine, foldChange, points);
            })
            .OrderBy(c => c.Patient, StringComparer.Ordinal)
            .ToList();

        var medians = new List<MedianPoint> { Median(1, patients.Select(response.TregBaseline).OfType<TregFact>(), options) };
        medians.AddRange(options.TargetDays.Append(options.PrimaryTargetDay).Distinct().Order()
            .Select(day => Median(day, patients.Select(p => response.Treg(p, day).AtTarget).OfType<TregFact>(), options)));
        session.Record(caller, time, AuditActions.CohortContributors,
            detail: $"{diseaseCode} treg-course {shown} line {therapyLine} site {siteId} as of {asOf ?? "now"} ({point!.Sequence}): "
                + $"{courses.Count} patients");
        await session.SaveChangesAsync(ct);
        return Results.Ok(new TregCourse(diseaseCode, options.PrimaryTargetDay, shown, gatings, point, courses, medians));
    }

    private static MedianPoint Median(int day, IEnumerable<TregFact> values, ResponseOptions options)
    {
        var percents = values.Select(t => (double)t.TregPercentOfCd4).ToList();
        return new MedianPoint(day, percents.Count, Statistics.Round(options.Summary(percents.Count, Statistics.Median(percents)), 4));
    }
}
