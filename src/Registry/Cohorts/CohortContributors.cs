using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Cohorts;

/// <summary>
/// One event a figure used for a patient: its kind, what it was for (<c>enrolment</c>, <c>first-dose</c>, <c>baseline</c>,
/// <c>target</c>), the study day of what it records and, outside the researcher role, its sequence in the log and its date
/// (a sequence would date the event: the log says when each was recorded).
/// </summary>
public sealed record ContributingEvent(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Sequence,
    string Kind,
    string Role,
    int? StudyDay,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateOnly? Date);

/// <summary>
/// One patient a figure counts: the subject code for the roles that see it, else a pseudonym keyed to the caller; what the
/// patient adds to the figure (1 to a count; its value to a median or a mean), and the events it was worked out from.
/// </summary>
public sealed record Contributor(
    string Patient,
    string SiteId,
    [property: JsonConverter(typeof(KebabEnum<TherapyLine>))] TherapyLine TherapyLine,
    double Contribution,
    double? Value,
    bool? Responder,
    IReadOnlyList<ContributingEvent> Events);

/// <summary>
/// A cohort figure with the patients it counts. <see cref="Aggregate"/> says how the contributions make the figure:
/// <c>count</c> (their sum), <c>median</c> or <c>mean</c> (of their contributions, shown when there are enough of them).
/// </summary>
public sealed record FigureContributors(
    string DiseaseCode,
    string Figure,
    int TargetDay,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Instrument,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Category,
    string Aggregate,
    double? Value,
    AsOf AsOf,
    IReadOnlyList<Contributor> Contributors);

/// <summary>
/// <c>GET /api/cohorts/{diseaseCode}/contributors?figure=…</c>: which patients make a figure of the cohort detail, and for
/// each the events it used. The figure is worked out here from the same facts, with the same definitions as the
/// cohort's figures (<see cref="CohortFigures.Summarise"/>), from the live facts or at <c>asOf</c>; so the sum of the
/// contributions is the figure (a median or mean: of them), which the tests check for every figure.
/// </summary>
public static class CohortContributorsEndpoint
{
    /// <summary>Every figure that can be traced, and how its contributions make it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Figures = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["enrolled"] = "count",
        ["treated"] = "count",
        ["treg-evaluable"] = "count",
        ["treg-responders"] = "count",
        ["treg-fold-change"] = "median",
        ["treg-tconv-baseline"] = "median",
        ["treg-tconv-change"] = "median",
        ["clinical-evaluable"] = "count",
        ["clinical-responders"] = "count",
        ["clinical-with-change"] = "count",
        ["clinical-change"] = "mean",
        ["cgi-i"] = "count",
        ["cgi-i-improved"] = "count",
    };

    /// <summary>The pseudonym scope of the cohort pages: the researcher's own, like an export's scope named <c>cohorts</c>.</summary>
    public static string PseudonymScope(Caller caller) => $"{caller.UserId}:cohorts";

    /// <summary>
    /// How the cohort pages name a patient: pseudonyms in a researcher's own scope, else subject codes; null when a
    /// researcher asks and no pseudonym secret is set.
    /// </summary>
    public static Func<PatientFacts, string>? Names(Caller caller, Pseudonyms pseudonyms)
    {
        if (caller.Role != Roles.Researcher)
        {
            return p => p.SubjectCode;
        }

        if (pseudonyms.Secret is not { } secret)
        {
            return null;
        }

        var scope = PseudonymScope(caller);
        return p => Pseudonyms.Key(secret, scope, p.Id);
    }

    /// <summary>A researcher's patients are named by pseudonyms, which need the secret.</summary>
    public static Microsoft.AspNetCore.Mvc.ProblemDetails NoSecret => new()
    {
        Status = StatusCodes.Status503ServiceUnavailable,
        Title = "Pseudonyms cannot be made.",
        Detail = "The registry has no pseudonym secret (Exports:PseudonymSecret): an operator must set it.",
    };

    /// <summary>The events a figure can use: the enrolment's, the recording or correction of a dose, a Treg result or a score.</summary>
    private static readonly string[] UsableEvents =
    [
        .. EnrolmentsAt.EventNames,
        .. new[] { EntryKind.Dose, EntryKind.Treg, EntryKind.Score }.Select(k => EnrolmentsAt.EventName(EntryKinds.Of(k).EventType)),
        EnrolmentsAt.EventName(typeof(EntryCorrected)),
    ];

    /// <summary>
    /// The events of these patients' streams a figure can use, up to each one's facts (and the instant, when the fold stopped
    /// at one), in the log reads' turn.
    /// </summary>
    private static Task<Dictionary<Guid, List<IEvent>>> StreamsAsync(
        IQuerySession session, IReadOnlyList<PatientFacts> patients, DateTimeOffset? instant, CancellationToken ct) =>
        CohortAsOf.GatedAsync(() => ReadStreamsAsync(session, patients, instant, ct), ct);

    private static async Task<Dictionary<Guid, List<IEvent>>> ReadStreamsAsync(
        IQuerySession session, IReadOnlyList<PatientFacts> patients, DateTimeOffset? instant, CancellationToken ct)
    {
        var streams = new Dictionary<Guid, List<IEvent>>();
        foreach (var chunk in patients.Chunk(500))
        {
            var ids = chunk.Select(p => p.Id).ToArray();
            var upTo = chunk.Max(p => p.LastSequence);
            var query = session.Events.QueryAllRawEvents()
                .Where(e => e.StreamId.IsOneOf(ids) && e.Sequence <= upTo && e.EventTypeName.IsOneOf(UsableEvents));
            if (instant is { } at)
            {
                query = query.Where(e => e.Timestamp <= at);
            }

            var last = chunk.ToDictionary(p => p.Id, p => p.LastSequence);
            foreach (var e in (await query.OrderBy(e => e.Sequence).ToListAsync(ct)).Where(e => e.Sequence <= last[e.StreamId]))
            {
                (streams.TryGetValue(e.StreamId, out var list) ? list : streams[e.StreamId] = []).Add(e);
            }
        }

        return streams;
    }

    [WolverineGet("/api/cohorts/{diseaseCode}/contributors", OperationId = "getCohortContributors")]
    [EndpointSummary("List the patients one cohort figure counts and the events it used (pseudonymous for researchers).")]
    [Authorize(Policy = Policies.Cohorts)]
    public static async Task<IResult> Get(
        string diseaseCode, string? figure, string? targetDay, string? instrument, string? category, string? therapyLine,
        string? siteId, string? asOf, IDocumentSession session, ClaimsPrincipal user, CohortFigures figures, Response response,
        DiseaseCatalogue catalogue, Pseudonyms pseudonyms, Freshness freshness, FiguresCache cache, TimeProvider time,
        CancellationToken ct)
    {
        if (catalogue.FindDisease(diseaseCode) is not { } disease)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such disease in the catalogue.");
        }

        var caller = Caller.From(user);
        if (CohortPatients.Check(caller, therapyLine, siteId) is { } refused)
        {
            return refused;
        }

        var options = response.Options;
        var request = Parse(figure, targetDay, instrument, category, disease, options);
        if (request.Problem is { } invalid)
        {
            return Results.Problem(invalid);
        }

        if (Names(caller, pseudonyms) is not { } names)
        {
            return Results.Problem(NoSecret);
        }

        var (point, facts, instant, problem) = await CohortPatients.AtAsync(
            session, caller, diseaseCode, therapyLine, siteId, asOf, freshness, cache, time, ct);
        if (problem is not null)
        {
            return problem;
        }

        var summary = figures.Summarise(diseaseCode, facts, point!, detail: true);
        var used = facts.Select(p => (Patient: p, Used: Contribution(request, p, response))).Where(x => x.Used is not null).ToList();
        var streams = await StreamsAsync(session, [.. used.Select(x => x.Patient)], instant, ct);
        var researcher = caller.Role == Roles.Researcher;
        var contributors = used.Select(x => new Contributor(
                names(x.Patient), x.Patient.SiteId, x.Patient.TherapyLine, x.Used!.Contribution, x.Used.Value, x.Used.Responder,
                Events(streams.GetValueOrDefault(x.Patient.Id) ?? [], x.Patient, x.Used.Entries, researcher)))
            .ToList();

        session.Record(caller, time, AuditActions.CohortContributors,
            detail: $"{diseaseCode} {request.Figure} day {request.TargetDay} {request.Instrument?.Code} category {request.Category} "
                + $"line {therapyLine} site {siteId} as of {asOf ?? "now"} ({point!.Sequence}): {contributors.Count} patients");
        await session.SaveChangesAsync(ct);
        return Results.Ok(new FigureContributors(
            diseaseCode, request.Figure, request.TargetDay, request.Instrument?.Code, request.Category, Figures[request.Figure],
            Value(request, summary, options),
            point,
            [.. contributors.OrderBy(c => c.Patient, StringComparer.Ordinal)]));
    }

    private sealed record FigureRequest(
        string Figure, int TargetDay, Instrument? Instrument, int? Category, Microsoft.AspNetCore.Mvc.ProblemDetails? Problem);

    /// <summary>What one patient adds to the figure, and which entries (by role) it was worked out from; null: not counted.</summary>
    private sealed record Used(
        double Contribution, double? Value, bool? Responder, IReadOnlyList<(Guid? Entry, string Role, DateOnly On)> Entries);

    private static FigureRequest Parse(
        string? figure, string? targetDay, string? instrument, string? category, Disease disease, ResponseOptions options)
    {
        FigureRequest Invalid(string field, string message) => new("", 0, null, null, ValidationErrors.Single(field, message));

        if (figure is null || !Figures.ContainsKey(figure))
        {
            return Invalid("figure", $"figure is one of: {string.Join(", ", Figures.Keys)}.");
        }

        var treg = figure.StartsWith("treg-", StringComparison.Ordinal);
        var clinicalDay = figure.StartsWith("treg-tconv", StringComparison.Ordinal) ? options.PrimaryTargetDay
            : treg ? (int?)null : options.ClinicalTargetDay;
        var days = clinicalDay is { } only ? [only] : options.TargetDays.Append(options.PrimaryTargetDay).Distinct().Order().ToList();
        var day = clinicalDay ?? options.PrimaryTargetDay;
        if (targetDay is not null)
        {
            if (!int.TryParse(targetDay, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out day) || !days.Contains(day))
            {
                return Invalid("targetDay", $"This figure's target days are: {string.Join(", ", days)}.");
            }
        }

        Instrument? measured = null;
        if (figure.StartsWith("clinical-", StringComparison.Ordinal))
        {
            measured = disease.Instruments.FirstOrDefault(i => i.Code == instrument);
            if (measured is null)
            {
                return Invalid("instrument",
                    $"A clinical figure needs the instrument: one of {string.Join(", ", disease.Instruments.Select(i => i.Code))}.");
            }
        }
        else if (figure.StartsWith("cgi-i", StringComparison.Ordinal))
        {
            measured = disease.Instruments.FirstOrDefault(i => i.Code == "cgi-i");
            if (measured is null)
            {
                return Invalid("figure", $"The {disease.Code} cohort records no CGI-I.");
            }
        }
        else if (instrument is not null)
        {
            return Invalid("instrument", "Only the clinical figures take an instrument.");
        }

        int? value = null;
        if (category is not null)
        {
            if (figure != "cgi-i" || !int.TryParse(category, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c is < 1 or > 7)
            {
                return Invalid("category", "category is a CGI-I score, 1 to 7, and goes with figure=cgi-i only.");
            }

            value = c;
        }

        return new FigureRequest(figure, day, measured, value, null);
    }

    private static Used? Contribution(FigureRequest request, PatientFacts patient, Response response)
    {
        var firstDose = patient.Doses.Where(d => d.Value.GivenOn == patient.FirstDoseOn).Select(d => (Guid?)d.Key).Order().FirstOrDefault();
        var dosed = firstDose is { } dose ? new List<(Guid?, string, DateOnly)> { (dose, "first-dose", patient.FirstDoseOn!.Value) } : [];
        switch (request.Figure)
        {
            case "enrolled":
                return new Used(1, null, null, [(null, "enrolment", patient.EnrolledOn)]);
            case "treated":
                return firstDose is null ? null : new Used(1, null, null, dosed);
        }

        if (request.Figure.StartsWith("treg-", StringComparison.Ordinal))
        {
            var outcome = response.Treg(patient, request.TargetDay);
            var entries = dosed.Concat(Entry(patient.Tregs, outcome.Baseline, "baseline", t => t.SampledOn))
                .Concat(Entry(patient.Tregs, outcome.AtTarget, "target", t => t.SampledOn)).ToList();
            if (request.Figure.StartsWith("treg-tconv", StringComparison.Ordinal))
            {
                if (outcome.Baseline is not { TconvPercentOfCd4: > 0 } b || b.TregPercentOfCd4 == 0)
                {
                    return null;
                }

                var ratio = (double)(b.TregPercentOfCd4 / b.TconvPercentOfCd4!.Value);
                if (request.Figure == "treg-tconv-baseline")
                {
                    return new Used(ratio, ratio, null, entries.Where(e => e.Item2 != "target").ToList());
                }

                return outcome.AtTarget is { TconvPercentOfCd4: > 0 } t
                    ? new Used((double)(t.TregPercentOfCd4 / t.TconvPercentOfCd4!.Value) / ratio,
                        (double)(t.TregPercentOfCd4 / t.TconvPercentOfCd4!.Value) / ratio, null, entries)
                    : null;
            }

            if (!outcome.Evaluable || (request.Figure == "treg-responders" && !outcome.Responder))
            {
                return null;
            }

            var counted = request.Figure == "treg-fold-change" ? outcome.FoldChange!.Value : 1;
            return new Used(counted, outcome.FoldChange, outcome.Responder, entries);
        }

        var instrument = request.Instrument!;
        var clinical = response.Clinical(patient, instrument, request.TargetDay);
        var (baseline, atTarget) = response.Scores(patient, instrument, request.TargetDay);
        var used = dosed.Concat(Entry(patient.Scores, baseline, "baseline", s => s.AssessedOn))
            .Concat(Entry(patient.Scores, atTarget, "target", s => s.AssessedOn)).ToList();
        double? change = clinical.Change is { } c ? (double)c : null;
        return request.Figure switch
        {
            "clinical-evaluable" when clinical.Responder is not null => new Used(1, change, clinical.Responder, used),
            "clinical-responders" when clinical.Responder == true => new Used(1, change, true, used),
            "clinical-with-change" when change is not null => new Used(1, change, clinical.Responder, used),
            "clinical-change" when change is not null => new Used(change.Value, change, clinical.Responder, used),
            "cgi-i" when clinical.AtTarget is { } v && (request.Category is not { } k || v == k) =>
                new Used(1, (double)v, clinical.Responder, used.Where(e => e.Item2 != "baseline").ToList()),
            "cgi-i-improved" when clinical.AtTarget is { } v && v <= 2 =>
                new Used(1, (double)v, clinical.Responder, used.Where(e => e.Item2 != "baseline").ToList()),
            _ => null,
        };
    }

    private static IEnumerable<(Guid?, string, DateOnly)> Entry<T>(
        Dictionary<Guid, T> entries, T? fact, string role, Func<T, DateOnly> on) where T : class =>
        fact is null ? [] : entries.Where(e => ReferenceEquals(e.Value, fact)).Select(e => ((Guid?)e.Key, role, on(fact))).Take(1);

    /// <summary>The figure as the cohort detail gives it, from the summary of the same facts.</summary>
    private static double? Value(FigureRequest request, CohortSummary summary, ResponseOptions options)
    {
        var treg = request.TargetDay == options.PrimaryTargetDay
            ? summary.Treg
            : summary.ByTargetDay?.FirstOrDefault(t => t.TargetDay == request.TargetDay);
        var clinical = summary.Clinical.FirstOrDefault(c => c.Instrument == request.Instrument?.Code);
        return request.Figure switch
        {
            "enrolled" => summary.Enrolled,
            "treated" => summary.Treated,
            "treg-evaluable" => treg?.Evaluable,
            "treg-responders" => treg?.Responders,
            "treg-fold-change" => treg?.MedianFoldChange,
            "treg-tconv-baseline" => summary.TregTconv?.MedianBaselineRatio,
            "treg-tconv-change" => summary.TregTconv?.MedianRatioFoldChange,
            "clinical-evaluable" => clinical?.Evaluable,
            "clinical-responders" => clinical?.Responders,
            "clinical-with-change" => clinical?.WithChange,
            "clinical-change" => clinical?.MeanChange,
            "cgi-i" => request.Category is { } k
                ? summary.CgiImprovement?.Counts.GetValueOrDefault(k.ToString(CultureInfo.InvariantCulture))
                : summary.CgiImprovement?.N,
            "cgi-i-improved" => summary.CgiImprovement?.Improved,
            _ => null,
        };
    }

    /// <summary>
    /// The events behind the entries a figure used (each entry's recording and any correction of it), or the enrolment's
    /// events; dated by study day from the first dose (from the enrolment when never dosed), calendar dates outside the
    /// researcher role only.
    /// </summary>
    private static List<ContributingEvent> Events(
        IReadOnlyList<IEvent> stream, PatientFacts patient, IReadOnlyList<(Guid? Entry, string Role, DateOnly On)> used, bool researcher)
    {
        var anchor = patient.FirstDoseOn ?? patient.EnrolledOn;
        var events = new List<ContributingEvent>();
        foreach (var e in stream)
        {
            Guid? entry = e.Data switch
            {
                IEntryEvent x => x.EntryId,
                EntryCorrected x => x.EntryId,
                _ => null,
            };
            var enrolment = e.Data is PatientEnrolled || Amendments.EnrolmentEventTypes.Contains(e.Data.GetType());
            foreach (var (id, role, on) in used.Where(u => u.Entry is { } id ? id == entry : enrolment))
            {
                events.Add(new ContributingEvent(researcher ? null : e.Sequence, e.EventTypeName.Replace('_', '-'), role,
                    StudyDays.Of(anchor, on), researcher ? null : on));
            }
        }

        return events;
    }
}
