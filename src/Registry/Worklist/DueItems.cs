using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Worklist;

public enum DueState
{
    /// <summary>The due date (or the sample window's end) has passed.</summary>
    Overdue,

    /// <summary>Due today, or the sample window is open.</summary>
    Due,

    /// <summary>Due on a later day.</summary>
    Upcoming,
}

/// <summary>
/// Something a site still has to do for a patient. <c>item</c> uses the spelling of a visit's
/// <c>notDone</c> items (<c>dose</c>, <c>treg-sample</c>), so marking it not done is one visit entry.
/// </summary>
public sealed record DueItem(
    NotDoneItem Item,
    DateOnly DueOn,
    DueState State,
    int? StudyDay,
    DosePhase? Phase,
    DateOnly? WindowFrom,
    DateOnly? WindowTo);

/// <summary>A serious adverse event of the site's own patient, with the site's 24-hour clock (DOMAIN.md).</summary>
public sealed record SiteSeriousEvent(
    Guid PatientId,
    string SubjectCode,
    string SiteId,
    Guid AdverseEventId,
    string Term,
    int WorstGrade,
    IReadOnlyList<SeriousCriterion> SeriousCriteria,
    PartialDate OnsetOn,
    DateOnly AwareOn,
    DateTimeOffset RecordedAt,
    DateTimeOffset SiteDueAt,
    bool SiteLate,
    IReadOnlyList<string> Missing);

/// <summary>
/// What is due for a patient, from the patient's record alone (entries in force; voided ones count
/// nowhere). Registry conventions, written down in docs/architecture.md:
/// <list type="bullet">
/// <item>Doses follow the patient's regimen counted from the last dose actually given, held or marked
/// not done (the "anchor"): while the anchor's study day is inside induction (days 1 to
/// <c>inductionDays</c>) the next dose is due the next day; after it, <c>maintenanceIntervalDays</c>
/// after the anchor. A late dose moves the following ones, as a nurse would plan them. Before the first
/// dose, the first dose is due from enrolment (or the day after a first dose held or not done).</item>
/// <item>A Treg sample at each target day (8, 15, 29, 85 and 183 by default) is asked for once its window opens
/// (day 8: days 6 to 10), until a sample of any gating is in the window or the sample is marked not done; it is
/// overdue once the window has closed. A clinical score likewise at the clinical target day (85, days 68 to 102).</item>
/// <item>Nothing is due for a withdrawn or completed patient (no doses or samples are accepted then).</item>
/// </list>
/// </summary>
public static class DueItems
{
    /// <summary>What is due for the patient on <paramref name="today"/>: <see cref="PendingWork.Of"/>, as that day sees it.</summary>
    public static IReadOnlyList<DueItem> For(PatientRecord patient, DateOnly today, ResponseOptions response) =>
        On(PendingWork.Of(patient, Plan(response)), today);

    /// <summary>
    /// The samples and the score asked for, as the <c>Response</c> settings place them: a Treg sample at each target day
    /// (and the primary one), a score at the clinical target day, each in its window (<see cref="ResponseOptions.HalfWidth"/>).
    /// </summary>
    public static WorkPlan Plan(ResponseOptions response) => new(
        [.. response.TargetDays.Append(response.PrimaryTargetDay).Distinct().Order()
            .Select(day => new SampleWindow(day, response.HalfWidth(day)))],
        new SampleWindow(response.ClinicalTargetDay, response.HalfWidth(response.ClinicalTargetDay)));

    /// <summary>
    /// The pending items as a day sees them: the next dose always, with its state; a Treg sample once its window
    /// has opened, overdue once it has closed.
    /// </summary>
    public static IReadOnlyList<DueItem> On(IEnumerable<PendingItem> pending, DateOnly today) =>
        pending
            .Where(p => p.WindowFrom is not { } from || today >= from)
            .Select(p => new DueItem(p.Item, p.DueOn,
                p.WindowTo is { } to ? today > to ? DueState.Overdue : DueState.Due : State(p.DueOn, today),
                p.StudyDay, p.Phase, p.WindowFrom, p.WindowTo))
            .ToList();

    /// <summary>
    /// The patient's serious adverse events in force (a voided one counts nowhere), each with the site's
    /// clock from <see cref="SaeSiteClock"/>, the rule the pv clocks use too: the clock runs from the first
    /// moment the registry learnt the event was serious (the report, follow-up or correction that first made
    /// it serious). The event's states over time are those of <see cref="AdverseEventFold"/>, the fold the pv
    /// clocks read from the patient's facts.
    /// </summary>
    public static IEnumerable<SiteSeriousEvent> SeriousEvents(PatientRecord patient, TimeZoneInfo zone) =>
        from e in patient.Serious ?? SeriousEventSummary.Of(patient)
        let clock = SaeSiteClock.Compute([e.FirstSerious], zone)
        where clock is not null
        select new SiteSeriousEvent(patient.Id, patient.SubjectCode, patient.SiteId, e.AdverseEventId, e.Term, e.WorstGrade,
            e.SeriousCriteria, e.OnsetOn, clock.AwareOn, clock.RecordedAt, clock.SiteDueAt, clock.SiteLate, e.Missing ?? []);

    private static DueState State(DateOnly due, DateOnly today) =>
        due < today ? DueState.Overdue : due == today ? DueState.Due : DueState.Upcoming;

}
