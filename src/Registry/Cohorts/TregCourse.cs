using System.Security.Claims;
using System.Text.Json.Serialization;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Cohorts;

public sealed record TregPoint(int StudyDay, double TregPercentOfCd4);

/// <summary>One treated patient's Treg % of CD4 over study days (the gating of the baseline, or every one when none).</summary>
public sealed record PatientTregCourse(
    string Patient,
    string SiteId,
    [property: JsonConverter(typeof(KebabEnum<TherapyLine>))] TherapyLine TherapyLine,
    double? FoldChange,
    IReadOnlyList<TregPoint> Points);

/// <summary>The cohort's median Treg % at baseline (study day 1) and at each target day, of the values the figures use.</summary>
public sealed record MedianPoint(int StudyDay, int N, double? Median);

public sealed record TregCourse(
    string DiseaseCode, int PrimaryTargetDay, AsOf AsOf, IReadOnlyList<PatientTregCourse> Patients, IReadOnlyList<MedianPoint> Median);

/// <summary>
/// <c>GET /api/cohorts/{diseaseCode}/treg-course</c>: each treated patient's Treg % over study days (pseudonymous for a
/// researcher, as the contributors are) with the cohort's median line, for the page's plots; at the log's head or
/// <c>asOf</c>.
/// </summary>
public static class TregCourseEndpoint
{
    [WolverineGet("/api/cohorts/{diseaseCode}/treg-course", OperationId = "getTregCourse")]
    [EndpointSummary("Each treated patient's Treg % over study days, with the cohort's median at baseline and each target day.")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        string diseaseCode, string? therapyLine, string? siteId, string? asOf, IQuerySession session, ClaimsPrincipal user,
        Response response, DiseaseCatalogue catalogue, IOptions<Exports.ExportOptions> exports, TimeProvider time, CancellationToken ct)
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

        var (point, instant, problem) = await CohortAsOf.PointAsync(session, asOf, time, ct);
        if (point is null)
        {
            return Results.Problem(problem!);
        }

        TherapyLine? line = Kebab.TryParse<TherapyLine>(therapyLine, out var parsed) ? parsed : null;
        var patients = (await CohortAsOf.FactsAsync(session, caller, diseaseCode, line, siteId, point.Sequence, instant, ct))
            .Select(p => p.Facts)
            .Where(p => p.FirstDoseOn is not null)
            .ToList();
        var options = response.Options;
        var names = CohortContributorsEndpoint.Names(caller, exports.Value);
        var courses = patients.Select(p =>
            {
                var first = p.FirstDoseOn!.Value;
                var gating = response.TregBaseline(p)?.Gating;
                var points = Response.Deduplicated(p)
                    .Where(t => gating is null || t.Gating == gating)
                    .Where(t => t.SampledOn >= first.AddDays(-options.BaselineMaxDaysBefore))
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
        return Results.Ok(new TregCourse(diseaseCode, options.PrimaryTargetDay, point, courses, medians));
    }

    private static MedianPoint Median(int day, IEnumerable<TregFact> values, ResponseOptions options)
    {
        var percents = values.Select(t => (double)t.TregPercentOfCd4).ToList();
        return new MedianPoint(day, percents.Count, Statistics.Round(options.Summary(percents.Count, Statistics.Median(percents)), 4));
    }
}
