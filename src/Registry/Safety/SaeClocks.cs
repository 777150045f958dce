using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Safety;

/// <summary>A serious adverse event case's step (DOMAIN.md's transition table).</summary>
public enum SaeStatus
{
    AwaitingAcknowledgement,
    AwaitingSubmission,
    Submitted,
    Closed,
}

/// <summary>One serious adverse event's reporting clocks (API.md's sae-clocks item, plus case data).</summary>
public sealed record SaeClock(
    Guid PatientId,
    string SubjectCode,
    string SiteId,
    string DiseaseCode,
    Guid AdverseEventId,
    string Term,
    string? MeddraPtCode,
    int Grade,
    int WorstGrade,
    IReadOnlyList<SeriousCriterion> SeriousCriteria,
    Causality? Causality,
    bool? Expected,
    AeOutcome? Outcome,
    PartialDate OnsetOn,
    DateOnly AwareOn,
    DateTimeOffset RecordedAt,
    DateTimeOffset SiteDueAt,
    bool SiteLate,
    bool Susar,
    DateOnly? RegulatoryDueOn,
    DateOnly? CompleteReportDueOn,
    DateTimeOffset? AcknowledgedAt,
    DateOnly? SubmittedOn,
    DateOnly? CompleteReportOn,
    SaeStatus Status,
    bool Overdue,
    bool Downgraded,
    bool Voided,
    long ChangeSequence,
    DateOnly? NullifiedOn = null,
    int ReportVersions = 0);

/// <summary>
/// The reporting clocks and the case's step, replayed from the adverse event's recorded states and the
/// pv actions in the order they happened, exactly as DOMAIN.md's transition table says. "Overdue" is
/// evaluated against the injected clock at read time, so it turns true with time alone.
/// </summary>
public static class SaeClocks
{
    public const int FatalDays = 7;
    public const int OtherDays = 15;
    public const int CompleteReportDays = 8;

    /// <summary>Suspected unless judged unlikely: a missing or unassessable causality counts as suspected.</summary>
    public static bool Suspected(Causality? causality) => causality is not Patients.Causality.Unlikely;

    public static bool IsSusar(AdverseEventNow? now) =>
        now is not null && now.SeriousCriteria.Count > 0 && Suspected(now.Causality) && now.Expected != true;

    public static bool FatalOrLifeThreatening(AdverseEventNow now) =>
        now.SeriousCriteria.Contains(SeriousCriterion.Death)
        || now.SeriousCriteria.Contains(SeriousCriterion.LifeThreatening)
        || now.Outcome == AeOutcome.Fatal;

    public static SaeClock? Compute(
        PatientFacts patient, Guid adverseEventId, SaeCaseRecord? pvCase, string timeZone, DateTimeOffset now) =>
        SaeRow.Of(patient, adverseEventId) is { } row ? Compute(row, pvCase, timeZone, now) : null;

    public static SaeClock? Compute(SaeRow row, SaeCaseRecord? pvCase, string timeZone, DateTimeOffset now)
    {
        var history = row.History;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        DateOnly LocalDate(DateTimeOffset at) => SaeSiteClock.LocalDate(at, zone);

        // The site's clock: the one rule the worklist uses too (DOMAIN.md, "Reporting clocks").
        var site = SaeSiteClock.Compute(AdverseEventFold.Changes(history), zone);

        var steps = history.Select(m => (m.At, m.Sequence, Moment: (AeMoment?)m, Action: (SaeAction?)null))
            .Concat((pvCase?.Actions ?? []).Select(a => (a.At, a.Sequence, Moment: (AeMoment?)null, Action: (SaeAction?)a)))
            .OrderBy(s => s.Sequence);

        SaeStatus? status = null;
        bool serious = false, susar = false, downgraded = false;
        DateOnly? susarLearnedOn = null, submittedOn = null, completeOn = null, nullifiedOn = null;
        var reports = 0;
        DateTimeOffset? acknowledgedAt = null;
        AdverseEventNow? last = null;
        foreach (var step in steps)
        {
            if (step.Moment is { } moment)
            {
                last = moment.Now ?? last;
                var nowSerious = moment.Now is { SeriousCriteria.Count: > 0 };
                var nowSusar = IsSusar(moment.Now);
                if (nowSerious && !serious && (status is null or SaeStatus.Closed))
                {
                    status = acknowledgedAt is null
                        ? SaeStatus.AwaitingAcknowledgement
                        : nowSusar ? SaeStatus.AwaitingSubmission : SaeStatus.Closed;
                    downgraded = false;
                }

                if (nowSusar && !susar)
                {
                    susarLearnedOn = LocalDate(moment.At);
                    if (status == SaeStatus.Closed)
                    {
                        status = SaeStatus.AwaitingSubmission;
                        downgraded = false;
                    }
                }

                if ((serious && !nowSerious) || (susar && !nowSusar))
                {
                    downgraded = true;
                    if (status != SaeStatus.Submitted)
                    {
                        status = SaeStatus.Closed;
                    }
                }
                else if (nowSusar)
                {
                    // A SUSAR again (a correction undone): nothing to nullify.
                    downgraded = false;
                }

                serious = nowSerious;
                susar = nowSusar;
            }
            else if (step.Action is { } action)
            {
                switch (action.Kind)
                {
                    case SaeActionKind.Acknowledged:
                        acknowledgedAt ??= action.At;
                        if (status == SaeStatus.AwaitingAcknowledgement)
                        {
                            status = susar ? SaeStatus.AwaitingSubmission : SaeStatus.Closed;
                        }

                        break;
                    case SaeActionKind.Submitted:
                        submittedOn ??= action.SubmittedOn;
                        status = SaeStatus.Submitted;
                        break;
                    case SaeActionKind.CompleteReport:
                        completeOn ??= action.SubmittedOn;
                        break;
                    case SaeActionKind.Nullification:
                        nullifiedOn ??= action.SubmittedOn;
                        break;
                }

                reports += action.IsReport ? 1 : 0;
            }
        }

        if (site is null || last is null)
        {
            return null;
        }

        var report = row.Report;
        var voided = report is null;
        var fatal = FatalOrLifeThreatening(last);
        DateOnly? regulatoryDue = susarLearnedOn is { } learned && (susar || status == SaeStatus.Submitted)
            ? learned.AddDays(fatal ? FatalDays : OtherDays)
            : null;
        // A nullified case owes no complete report.
        DateOnly? completeDue = fatal && submittedOn is { } initial && nullifiedOn is null ? initial.AddDays(CompleteReportDays) : null;
        var clock = new SaeClock(
            row.PatientId, row.SubjectCode, row.SiteId, row.DiseaseCode, row.AdverseEventId,
            report?.Term ?? "(voided)", report?.MeddraPtCode, last.Grade, last.WorstGrade, last.SeriousCriteria, last.Causality,
            last.Expected, last.Outcome,
            last.OnsetOn, site.AwareOn, site.RecordedAt, site.SiteDueAt, site.SiteLate, susar, regulatoryDue, completeDue,
            acknowledgedAt, submittedOn, completeOn, status ?? SaeStatus.Closed, false, downgraded, voided,
            Math.Max(history[^1].Sequence, pvCase?.Actions.LastOrDefault()?.Sequence ?? 0), nullifiedOn, reports);
        return AsOf(clock, zone, now);
    }

    /// <summary>
    /// The clock as seen at <paramref name="now"/>: of all its fields only <see cref="SaeClock.Overdue"/> turns with
    /// time (a report due by a date, in the site's zone, not made by the end of that date), so a clock worked out
    /// earlier and kept is brought to the present by this alone.
    /// </summary>
    public static SaeClock AsOf(SaeClock clock, TimeZoneInfo zone, DateTimeOffset now)
    {
        var today = SaeSiteClock.LocalDate(now, zone);
        var overdue = clock.Status != SaeStatus.Closed && (
            (clock.RegulatoryDueOn is { } due && clock.SubmittedOn is null && today > due) ||
            (clock.CompleteReportDueOn is { } complete && clock.CompleteReportOn is null && today > complete));
        return overdue == clock.Overdue ? clock : clock with { Overdue = overdue };
    }

    public static IEnumerable<SaeClock> All(IEnumerable<PatientFacts> patients, IReadOnlyDictionary<Guid, SaeCaseRecord> cases,
        IReadOnlyDictionary<string, string> siteZones, DateTimeOffset now) =>
        patients.SelectMany(p => p.AeHistory.Keys.Select(
                ae => Compute(p, ae, cases.GetValueOrDefault(ae), siteZones.GetValueOrDefault(p.SiteId, "UTC"), now)))
            .OfType<SaeClock>();

    public static IEnumerable<SaeClock> All(IEnumerable<SaeRow> rows, IReadOnlyDictionary<Guid, SaeCaseRecord> cases,
        IReadOnlyDictionary<string, string> siteZones, DateTimeOffset now) =>
        rows.Select(r => Compute(r, cases.GetValueOrDefault(r.AdverseEventId), siteZones.GetValueOrDefault(r.SiteId, "UTC"), now))
            .OfType<SaeClock>();

    public static bool Open(SaeClock clock) => clock.Status is not (SaeStatus.Closed or SaeStatus.Submitted);
}
