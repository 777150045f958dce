using Registry.Infrastructure;
namespace Registry.Patients;

/// <summary>
/// One recorded change to an adverse event, as the site clock needs it: when it was recorded, how
/// (<see cref="AeChangeKind"/>), whether the event was serious right after it, the event's
/// <c>awareOn</c> as of that moment (null once voided), and the <c>reportedOn</c> of the follow-up the
/// change recorded or corrected (null for a change to the report itself or a void).
/// </summary>
public sealed record AeChange(DateTimeOffset At, AeChangeKind How, bool Serious, DateOnly? AwareOn, DateOnly? ReportedOn);

/// <summary>
/// The site's reporting clock of a serious adverse event: <see cref="RecordedAt"/> is the moment the
/// registry first learnt the event was serious (the site's report), <see cref="AwareOn"/> the awareness
/// that counts.
/// </summary>
public sealed record SaeSiteClockResult(DateTimeOffset RecordedAt, DateOnly AwareOn, DateTimeOffset SiteDueAt, bool SiteLate);

/// <summary>
/// The site clock of DOMAIN.md ("Reporting clocks"), the one rule the worklist and the pv clocks share:
/// due at the end (23:59:59 in the site's zone) of the day after the awareness that counts; late when the
/// event was recorded as serious after that. The awareness that counts is that of the change that first
/// made the event serious: the report's <c>awareOn</c>; a follow-up's <c>reportedOn</c>; for a correction,
/// the corrected entry's own date (the report's <c>awareOn</c>, or a corrected follow-up's
/// <c>reportedOn</c>), so a site that knew and recorded it wrongly is usually late.
/// </summary>
public static class SaeSiteClock
{
    /// <summary>
    /// The site clock from an adverse event's changes in the order they were recorded; null while the
    /// event has never been serious.
    /// </summary>
    public static SaeSiteClockResult? Compute(IEnumerable<AeChange> changes, TimeZoneInfo zone)
    {
        var first = changes.FirstOrDefault(c => c.Serious);
        if (first is null)
        {
            return null;
        }

        var counted = first.How switch
        {
            AeChangeKind.Reported => first.AwareOn,
            AeChangeKind.FollowedUp => first.ReportedOn,
            AeChangeKind.Corrected => first.ReportedOn ?? first.AwareOn,
            _ => null,
        };
        var awareOn = counted ?? LocalDate(first.At, zone);
        var siteDueAt = EndOfDay(awareOn.AddDays(1), zone);
        return new SaeSiteClockResult(first.At, awareOn, siteDueAt, first.At > siteDueAt);
    }

    /// <summary>23:59:59 of a date in a zone, as an instant with that zone's offset.</summary>
    public static DateTimeOffset EndOfDay(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(new TimeOnly(23, 59, 59));
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The date of an instant in a zone.</summary>
    public static DateOnly LocalDate(DateTimeOffset at, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
}

/// <summary>
/// A serious adverse event in force, as the worklist's SAE list shows it, kept in the patient's record so the list
/// reads these few fields, not the adverse events' histories: <see cref="FirstSerious"/> is the change that first
/// made it serious, all <see cref="SaeSiteClock.Compute"/> needs besides the site's time zone.
/// </summary>
public sealed record SeriousEventSummary(
    Guid AdverseEventId,
    string Term,
    int WorstGrade,
    IReadOnlyList<SeriousCriterion> SeriousCriteria,
    PartialDate OnsetOn,
    AeChange FirstSerious,
    IReadOnlyList<string>? Missing = null)
{
    /// <summary>
    /// What a serious case needs for its regulatory report that the site has not given yet: the MedDRA preferred term,
    /// the causality and the expectedness (the worklist asks for them).
    /// </summary>
    public static IReadOnlyList<string> MissingFields(AdverseEventData report, AdverseEventNow now) =>
        [.. new[]
        {
            report.MeddraPtCode is null ? "meddraPtCode" : null,
            now.Causality is null ? "causality" : null,
            now.Expected is null ? "expected" : null,
        }.OfType<string>()];

    /// <summary>The record's adverse events in force that are serious now (a voided one counts nowhere).</summary>
    public static IEnumerable<SeriousEventSummary> Of(PatientRecord patient)
    {
        foreach (var (id, fact) in patient.AdverseEvents)
        {
            var now = AdverseEventFold.Current(patient, id);
            var first = AdverseEventFold.Changes(patient.AeHistory.GetValueOrDefault(id, [])).FirstOrDefault(c => c.Serious);
            if (now is { SeriousCriteria.Count: > 0 } && first is not null)
            {
                yield return new SeriousEventSummary(
                    id, fact.Report.Term, now.WorstGrade, now.SeriousCriteria.Order().ToList(), now.OnsetOn, first,
                    MissingFields(fact.Report, now));
            }
        }
    }
}

/// <summary>
/// An adverse event in force not yet resolved (outcome recovering, not recovered or unknown, and no resolution date),
/// with the day of the last news of it (<see cref="LastNewsOn"/>: the day the site became aware of it, or a later
/// follow-up's <c>reportedOn</c>): the worklist asks for a follow-up once that news is old (the <c>Worklist</c> settings).
/// </summary>
public sealed record UnresolvedEventSummary(
    Guid AdverseEventId,
    string Term,
    int WorstGrade,
    bool Serious,
    PartialDate OnsetOn,
    AeOutcome Outcome,
    DateOnly LastNewsOn)
{
    /// <summary>The record's adverse events in force that are not resolved.</summary>
    public static IEnumerable<UnresolvedEventSummary> Of(PatientRecord patient)
    {
        foreach (var (id, fact) in patient.AdverseEvents)
        {
            var now = AdverseEventFold.Current(patient, id);
            if (now.ResolvedOn is not null || now.Outcome is AeOutcome.Recovered or AeOutcome.RecoveredWithSequelae or AeOutcome.Fatal)
            {
                continue;
            }

            var news = patient.FollowUps.Values.Where(f => f.AdverseEventId == id).Select(f => f.Data.ReportedOn)
                .Append(fact.Report.AwareOn).Max();
            yield return new UnresolvedEventSummary(
                id, fact.Report.Term, now.WorstGrade, now.SeriousCriteria.Count > 0, now.OnsetOn, now.Outcome, news);
        }
    }
}
