using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Cohorts;

/// <summary>One therapy line's figures within a disease.</summary>
public sealed record TherapyLineFigures(
    [property: System.Text.Json.Serialization.JsonConverter(typeof(KebabEnum<TherapyLine>))] TherapyLine TherapyLine,
    int Enrolled,
    int Treated,
    TregFigures Treg,
    IReadOnlyList<ClinicalFigures> Clinical);

/// <summary>
/// The difference of the primary Treg responder rates, stand-alone minus add-on, with its Newcombe hybrid-score 95 %
/// interval (null below the minimum evaluable count in either group, DOMAIN.md).
/// </summary>
public sealed record ResponderRateDifference(double? Difference, double[]? Ci95, string Method);

/// <summary>How many add-on patients take a concomitant medication of a class (as the sites recorded it, voided ones not).</summary>
public sealed record ConcomitantClassCount(
    [property: System.Text.Json.Serialization.JsonConverter(typeof(KebabEnum<DrugClass>))] DrugClass DrugClass, int Patients);

public sealed record TherapyLineComparison(
    string DiseaseCode,
    TherapyLineFigures Standalone,
    TherapyLineFigures Addon,
    ResponderRateDifference TregResponderDifference,
    IReadOnlyList<ConcomitantClassCount> AddonConcomitants,
    AsOf AsOf);

public static class CompareTherapyLinesEndpoint
{
    public const string Method = "Newcombe hybrid score (1998, method 10), 95 %";

    /// <summary>
    /// <c>GET /api/cohorts/{diseaseCode}/comparison?siteId=&amp;asOf=</c>: stand-alone versus add-on low-dose IL-2 in one
    /// disease, each line's figures, the difference of the primary Treg responder rates with its Newcombe interval, and the
    /// add-on group's concomitant immunosuppressants by class. Worked out from the event log at the point asked (the log's
    /// head when none), so it can answer for any past point too.
    /// </summary>
    [WolverineGet("/api/cohorts/{diseaseCode}/comparison", OperationId = "compareTherapyLines")]
    [EndpointSummary("Compare stand-alone and add-on low-dose IL-2 in one disease (Newcombe interval of the difference).")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        string diseaseCode, string? siteId, string? asOf, IQuerySession session, ClaimsPrincipal user, CohortFigures figures,
        Catalogue.DiseaseCatalogue catalogue, TimeProvider time, Microsoft.Extensions.Options.IOptions<ResponseOptions> response,
        FiguresCache cache, CancellationToken ct)
    {
        if (catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such disease in the catalogue.");
        }

        var caller = Caller.From(user);
        if (CohortPatients.Check(caller, null, siteId) is { } problem)
        {
            return problem;
        }

        var (point, instant, invalid) = await CohortAsOf.PointAsync(session, asOf, time, ct);
        if (point is null)
        {
            return Results.Problem(invalid!);
        }

        // Kept per point of the log: asked again with nothing new, the log is not read again (the head's time is today's).
        var comparison = await CohortAsOf.KeptAsync(session, cache,
            $"comparison|{diseaseCode}|{siteId}|{CohortPatients.Visibility(caller)}", point, instant,
            () => CompareAsync(session, caller, diseaseCode, siteId, point, instant, figures, response.Value, ct), ct);
        return Results.Ok(comparison with { AsOf = point });
    }

    private static async Task<TherapyLineComparison> CompareAsync(
        IQuerySession session, Caller caller, string diseaseCode, string? siteId, AsOf point, DateTimeOffset? instant,
        CohortFigures figures, ResponseOptions options, CancellationToken ct)
    {
        var patients = await CohortAsOf.FactsAsync(session, caller, diseaseCode, null, siteId, point.Sequence, instant, ct);
        TherapyLineFigures Line(TherapyLine line)
        {
            var facts = patients.Where(p => p.Facts.TherapyLine == line).Select(p => p.Facts).ToList();
            var summary = figures.Summarise(diseaseCode, facts, point, detail: false);
            return new TherapyLineFigures(line, summary.Enrolled, summary.Treated, summary.Treg, summary.Clinical);
        }

        var standalone = Line(TherapyLine.Standalone);
        var addon = Line(TherapyLine.Addon);
        var minimum = options.MinEvaluableForRates;
        var enough = standalone.Treg.Evaluable >= minimum && addon.Treg.Evaluable >= minimum;
        var difference = enough
            ? Statistics.Newcombe(standalone.Treg.Responders, standalone.Treg.Evaluable, addon.Treg.Responders, addon.Treg.Evaluable)
            : null;
        // A medication counts for a treated add-on patient unless it stopped before the first dose.
        var concomitants = patients.Where(p => p.Facts.TherapyLine == TherapyLine.Addon && p.Facts.FirstDoseOn is not null)
            .SelectMany(p => p.State.Current(EntryKind.Conmed)
                .Select(e => e.Value.Read<ConmedData>())
                .Where(c => c.StoppedOn is not { } stopped || stopped.Last >= p.Facts.FirstDoseOn!.Value)
                .Select(c => (p.Facts.Id, c.DrugClass)).Distinct())
            .GroupBy(x => x.DrugClass)
            .Select(g => new ConcomitantClassCount(g.Key, g.Count()))
            .OrderBy(c => c.DrugClass)
            .ToList();
        return new TherapyLineComparison(
            diseaseCode, standalone, addon,
            new ResponderRateDifference(
                difference is { } d ? Statistics.Round(d.Difference, 4) : null,
                difference is { } i ? [Statistics.Round(i.Low, 4), Statistics.Round(i.High, 4)] : null,
                Method),
            concomitants,
            point);
    }
}
