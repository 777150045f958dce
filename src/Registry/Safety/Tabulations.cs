using System.Globalization;
using System.Security.Claims;
using CsvHelper;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Npgsql;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Safety.Reports;
using Registry.Sites;
using Wolverine.Http;

namespace Registry.Safety;

/// <summary>One row of the cumulative tabulation of serious adverse reactions: a preferred term within its SOC.</summary>
public sealed record SeriousReactionRow(
    string? SocCode, string? PtCode, string Term, int Standalone, int Addon, int Total, int Unexpected, int Fatal);

/// <summary>One SUSAR of the period's line listing.</summary>
public sealed record SusarLine(
    string WorldwideCaseId, string SubjectCode, string SiteId, string Country, string DiseaseCode, TherapyLine TherapyLine,
    int? AgeAtOnset, Sex Sex, string Term, string? PtCode, string? SocCode, PartialDate OnsetOn, DateOnly AwareOn,
    DateOnly SusarKnownOn, IReadOnlyList<SeriousCriterion> SeriousCriteria, AeOutcome Outcome, Causality? Causality,
    ActionTaken ActionTaken, DateOnly? FirstDoseOn, DateOnly? SubmittedOn);

/// <summary>
/// Periodic safety tabulations (ICH E2F, the DSUR): the cumulative tabulation of serious adverse reactions by SOC and PT up
/// to the period's end, and the line listing of the SUSARs first known as such in the period. Reproducible: each is worked
/// out from the events recorded up to the end of the period's last day (UTC), so a correction recorded after it changes
/// nothing, and a report downloaded again is the same. A serious adverse reaction is a serious event whose causality is not
/// "unlikely" (DOMAIN.md: a missing causality counts as suspected); voided events and voided enrolments count nowhere.
/// </summary>
public static class TabulationEndpoints
{
    /// <summary>At most this many days in one period (a DSUR's is a year).</summary>
    public const int MaxPeriodDays = 3_660;

    [WolverineGet("/api/safety/tabulations/serious-reactions", OperationId = "getSeriousReactionTabulation")]
    [EndpointSummary("Cumulative tabulation of serious adverse reactions by SOC and PT up to a date (CSV or PDF).")]
    [Authorize(Policy = Policies.Pv)]
    public static async Task<IResult> SeriousReactions(
        DateOnly? to, string? format, IDocumentSession session, ClaimsPrincipal user, TimeProvider time, Cohorts.Freshness freshness,
        CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var end = PeriodEnd(errors, to, time);
        var style = Format(errors, format);
        if (errors.Any)
        {
            return Results.Problem(errors.ToProblem());
        }

        if (await NotCaughtUpAsync(session, freshness, ct) is { } behind)
        {
            return behind;
        }

        var cases = await CasesAsync(session, end!.Value, ct);
        var rows = cases.Where(c => c.Sar)
            .GroupBy(c => (c.Report.MeddraSocCode, c.Report.MeddraPtCode, Term: c.Report.MeddraPtCode is null ? c.Report.Term.Trim() : ""))
            .Select(g => new SeriousReactionRow(g.Key.MeddraSocCode, g.Key.MeddraPtCode,
                g.Key.MeddraPtCode is null ? g.Key.Term : g.First().Report.Term,
                g.Count(c => c.Facts.TherapyLine == TherapyLine.Standalone), g.Count(c => c.Facts.TherapyLine == TherapyLine.Addon),
                g.Count(), g.Count(c => c.Now.Expected != true), g.Count(c => c.Now.Outcome == AeOutcome.Fatal)))
            .OrderBy(r => r.SocCode ?? "~", StringComparer.Ordinal).ThenBy(r => r.PtCode ?? "~", StringComparer.Ordinal)
            .ThenBy(r => r.Term, StringComparer.Ordinal)
            .ToList();
        string[] header = ["soc_code", "pt_code", "term", "standalone", "addon", "total", "unexpected", "fatal"];
        var cells = rows.Select(r => new[]
        {
            r.SocCode ?? "", r.PtCode ?? "", r.Term, Number(r.Standalone), Number(r.Addon), Number(r.Total), Number(r.Unexpected),
            Number(r.Fatal),
        }).ToList();
        var title = "Cumulative tabulation of serious adverse reactions";
        var subtitle = $"From the first report to {end:yyyy-MM-dd} (events recorded by the end of that day, UTC); "
            + $"{rows.Sum(r => r.Total)} serious adverse reaction(s). Uncoded events are listed by their verbatim term.";
        session.Record(Caller.From(user), time, AuditActions.Tabulation, detail: $"serious-reactions to {end:yyyy-MM-dd} ({style})");
        await session.SaveChangesAsync(ct);
        return Answer(style, $"serious-reactions-to-{end:yyyy-MM-dd}", title, subtitle, header, cells, end.Value);
    }

    [WolverineGet("/api/safety/tabulations/susars", OperationId = "getSusarLineListing")]
    [EndpointSummary("Line listing of the SUSARs first known in a period (CSV or PDF).")]
    [Authorize(Policy = Policies.Pv)]
    public static async Task<IResult> Susars(
        DateOnly? from, DateOnly? to, string? format, IDocumentSession session, ClaimsPrincipal user, TimeProvider time,
        IOptions<SafetyReportOptions> options, Cohorts.Freshness freshness, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var end = PeriodEnd(errors, to, time);
        var style = Format(errors, format);
        if (from is null)
        {
            errors.Add("from", "Give the period's first day (yyyy-MM-dd).");
        }
        else if (end is { } e && (from > e || e.DayNumber - from.Value.DayNumber > MaxPeriodDays))
        {
            errors.Add("from", $"The period runs from 'from' to 'to', at most {MaxPeriodDays:N0} days.");
        }

        if (errors.Any)
        {
            return Results.Problem(errors.ToProblem());
        }

        if (await NotCaughtUpAsync(session, freshness, ct) is { } behind)
        {
            return behind;
        }

        var cases = await CasesAsync(session, end!.Value, ct);
        var lines = cases.Where(c => c.Sar && c.SusarKnownOn is { } known && known >= from && known <= end)
            .Select(c => new SusarLine(IcsrCases.WorldwideCaseId(options.Value, c.AdverseEventId), c.Facts.SubjectCode, c.Facts.SiteId,
                c.Country, c.Facts.DiseaseCode, c.Facts.TherapyLine, c.Onset.Year - c.Facts.BirthYear, c.Facts.Sex, c.Report.Term,
                c.Report.MeddraPtCode, c.Report.MeddraSocCode, c.Now.OnsetOn, c.Report.AwareOn, c.SusarKnownOn!.Value,
                [.. c.Now.SeriousCriteria.Order()], c.Now.Outcome, c.Now.Causality, c.Report.ActionTaken, c.FirstDose, c.SubmittedOn))
            .OrderBy(l => l.SusarKnownOn).ThenBy(l => l.WorldwideCaseId, StringComparer.Ordinal)
            .ToList();
        string[] header =
        [
            "case_id", "subject", "site", "country", "disease", "therapy_line", "age", "sex", "term", "pt_code", "soc_code", "onset",
            "aware_on", "susar_known_on", "seriousness", "outcome", "causality", "action_taken", "first_dose", "submitted_on",
        ];
        var cells = lines.Select(l => new[]
        {
            l.WorldwideCaseId, l.SubjectCode, l.SiteId, l.Country, l.DiseaseCode, Kebab.Name(l.TherapyLine),
            l.AgeAtOnset?.ToString(CultureInfo.InvariantCulture) ?? "", Kebab.Name(l.Sex), l.Term, l.PtCode ?? "", l.SocCode ?? "",
            l.OnsetOn.ToString(), Day(l.AwareOn), Day(l.SusarKnownOn), string.Join(";", l.SeriousCriteria.Select(Kebab.Name)),
            Kebab.Name(l.Outcome), l.Causality is { } c ? Kebab.Name(c) : "", Kebab.Name(l.ActionTaken),
            l.FirstDoseOn is { } f ? Day(f) : "", l.SubmittedOn is { } s ? Day(s) : "",
        }).ToList();
        var title = "Line listing of SUSARs";
        var subtitle = $"SUSARs first known as such from {from:yyyy-MM-dd} to {end:yyyy-MM-dd} (events recorded by the end of that day, "
            + $"UTC): {lines.Count}.";
        session.Record(Caller.From(user), time, AuditActions.Tabulation,
            detail: $"susars {from:yyyy-MM-dd} to {end:yyyy-MM-dd} ({style})");
        await session.SaveChangesAsync(ct);
        return Answer(style, $"susars-{from:yyyy-MM-dd}-to-{end:yyyy-MM-dd}", title, subtitle, header, cells, end.Value);
    }

    /// <summary>
    /// 503 when the safety facts have not taken in every event committed before the request (the tabulations find their
    /// patients in the SAE rows those facts keep): a tabulation is never made from an incomplete list.
    /// </summary>
    private static async Task<IResult?> NotCaughtUpAsync(IQuerySession session, Cohorts.Freshness freshness, CancellationToken ct) =>
        (await freshness.FactsAsync(session, ct)).Complete == false
            ? Results.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The safety projections are behind the latest entries.",
                Detail = "A tabulation is made only from complete data: try again in a minute (the registry's /health/ready says why).",
            })
            : null;

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly? PeriodEnd(ValidationErrors errors, DateOnly? to, TimeProvider time)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (to is null)
        {
            errors.Add("to", "Give the period's last day (yyyy-MM-dd): the data lock point.");
            return null;
        }

        if (to >= today)
        {
            errors.Add("to", $"The period must have ended: its last day is before today ({today:yyyy-MM-dd}, UTC), so the tabulation "
                + "cannot change once made.");
            return null;
        }

        return to;
    }

    private static string Format(ValidationErrors errors, string? format)
    {
        var style = format ?? "csv";
        if (style is not ("csv" or "pdf"))
        {
            errors.Add("format", $"'{format}' is not a format: use csv or pdf.");
        }

        return style;
    }

    private static IResult Answer(
        string format, string name, string title, string subtitle, string[] header, List<string[]> rows, DateOnly end)
    {
        if (format == "pdf")
        {
            var at = new DateTimeOffset(end.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);
            return Results.File(TablePdf.Render(title, subtitle, header, rows, at), "application/pdf", name + ".pdf");
        }

        using var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, new CsvWriterOptions()))
        {
            csv.WriteHeader(header);
            foreach (var row in rows)
            {
                csv.WriteRecord([.. row.Select(CsvText.Neutralise)]);
            }
        }

        return Results.File(stream.ToArray(), "text/csv; charset=utf-8", name + ".csv");
    }

    /// <summary>One adverse event that was ever serious, as known at the cut-off.</summary>
    private sealed record CaseAt(
        Guid AdverseEventId, PatientFacts Facts, AdverseEventData Report, AdverseEventNow Now, DateOnly Onset, DateOnly? FirstDose,
        DateOnly? SusarKnownOn, DateOnly? SubmittedOn, string Country)
    {
        /// <summary>
        /// A serious adverse reaction: serious, suspected, and treatment-emergent (its onset, imputed when partial, on or
        /// after the first dose: an event before any dose cannot be a reaction to it).
        /// </summary>
        public bool Sar => Now.SeriousCriteria.Count > 0 && SaeClocks.Suspected(Now.Causality) && FirstDose is { } first && Onset >= first;
    }

    /// <summary>
    /// Every adverse event ever serious, as the events recorded up to the end of <paramref name="end"/> (UTC) leave it: the
    /// patients from the SAE rows (an event serious by then is in them), their streams read once up to the cut-off.
    /// </summary>
    private static async Task<List<CaseAt>> CasesAsync(IDocumentSession session, DateOnly end, CancellationToken ct)
    {
        var cutOff = new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var ids = new List<Guid>();
        // The patients with a serious event now, and the enrolments voided since (their rows are gone, but a period that
        // ended before the void counted them).
        var command = new NpgsqlCommand($"""
            select patient_id from {RegistrySchema.Name}.sae_rows
            union
            select id from {RegistrySchema.Name}.mt_doc_patientrecord where voided
            """);
        await using (var reader = await session.ExecuteReaderAsync(command, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetGuid(0));
            }
        }

        var sites = (await session.Query<Site>().ToListAsync(ct)).ToDictionary(s => s.Id, s => s.Country, StringComparer.Ordinal);
        var cases = new List<CaseAt>();
        foreach (var chunk in ids.Chunk(500))
        {
            var events = await session.Events.QueryAllRawEvents()
                .Where(e => e.StreamId.IsOneOf(chunk) && e.Timestamp < cutOff)
                .OrderBy(e => e.Sequence)
                .ToListAsync(ct);
            var folded = new List<PatientFacts>();
            foreach (var stream in events.GroupBy(e => e.StreamId))
            {
                var projection = new PatientFactsProjection();
                PatientFacts? facts = null;
                foreach (var e in stream)
                {
                    facts = projection.Evolve(facts, stream.Key, e);
                }

                if (facts is not null && !facts.Voided)
                {
                    folded.Add(facts);
                }
            }

            // Each patient's adverse events that have ever been serious, worked out once for the pv cases and the rows.
            var everSerious = folded.Select(f => (Facts: f, Serious: f.AdverseEvents.Keys.Where(id => f.AeHistory.TryGetValue(id, out var h)
                && h.Any(m => m.Now is { SeriousCriteria.Count: > 0 })).ToList())).ToList();
            var pv = await SaeCaseRecord.LoadAsync(session, [.. everSerious.SelectMany(x => x.Serious)], ct);
            foreach (var (facts, serious) in everSerious)
            {
                var firstDose = facts.Doses.Count == 0 ? (DateOnly?)null : facts.Doses.Values.Min(d => d.GivenOn);
                foreach (var id in serious)
                {
                    var report = facts.AdverseEvents[id].Report;
                    var now = facts.Current(id);
                    var susarAt = facts.AeHistory[id].FirstOrDefault(m => SaeClocks.IsSusar(m.Now))?.At;
                    var submitted = pv.GetValueOrDefault(id)?.Actions
                        .FirstOrDefault(a => a.Kind == SaeActionKind.Submitted && a.At < cutOff)?.SubmittedOn;
                    cases.Add(new CaseAt(id, facts, report, now, AdverseEventFold.ImputedOnset(report, now, firstDose), firstDose,
                        SaeClocks.IsSusar(now) && susarAt is { } at ? DateOnly.FromDateTime(at.UtcDateTime) : null, submitted,
                        sites.GetValueOrDefault(facts.SiteId, "")));
                }
            }
        }

        return cases;
    }
}
