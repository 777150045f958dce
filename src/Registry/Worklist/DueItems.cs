using Registry.Cohorts;
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
    DateOnly OnsetOn,
    DateOnly AwareOn,
    DateTimeOffset RecordedAt,
    DateTimeOffset SiteDueAt,
    bool SiteLate);

/// <summary>
/// What is due for a patient, from the patient's record alone (entries in force; voided ones count
/// nowhere). Registry conventions, written down in docs/architecture.md:
/// <list type="bullet">
/// <item>Doses follow the patient's regimen counted from the last dose actually given, held or marked
/// not done (the "anchor"): while the anchor's study day is inside induction (days 1 to
/// <c>inductionDays</c>) the next dose is due the next day; after it, <c>maintenanceIntervalDays</c>
/// after the anchor. A late dose moves the following ones, as a nurse would plan them. Before the first
/// dose, the first dose is due from enrolment (or the day after a first dose held or not done).</item>
/// <item>The primary Treg sample (day 8 by default) is asked for once its window opens (days 6 to 10),
/// until a sample of any gating is in the window or the sample is marked not done; it is overdue once
/// the window has closed.</item>
/// <item>Nothing is due for a withdrawn or completed patient (no doses or samples are accepted then).</item>
/// </list>
/// </summary>
public static class DueItems
{
    public static IReadOnlyList<DueItem> For(PatientRecord patient, DateOnly today, ResponseOptions response)
    {
        if (patient.Status is PatientStatus.Withdrawn or PatientStatus.Completed)
        {
            return [];
        }

        var live = patient.Entries.Where(e => e.Status != EntryStatus.Voided).ToList();
        return new[] { NextDose(patient, live, today), PrimaryTregSample(patient, live, today, response) }.OfType<DueItem>().ToList();
    }

    public static DueItem NextDose(PatientRecord patient, IReadOnlyList<PatientEntry> live, DateOnly today)
    {
        var anchors = live
            .Where(e => e.Kind is EntryKind.Dose or EntryKind.DoseHeld || IsNotDone(e, NotDoneItem.Dose))
            .Select(e => e.Date)
            .ToList();
        var regimen = patient.Regimen;
        if (patient.FirstDoseOn is not { } first)
        {
            var due = anchors.Count == 0 ? patient.EnrolledOn : Max(anchors.Max().AddDays(1), patient.EnrolledOn);
            return new DueItem(NotDoneItem.Dose, due, State(due, today), 1, DosePhase.Induction, null, null);
        }

        var last = anchors.Max();
        var induction = StudyDays.Of(first, last) < regimen.InductionDays;
        var next = induction ? last.AddDays(1) : last.AddDays(regimen.MaintenanceIntervalDays);
        return new DueItem(NotDoneItem.Dose, next, State(next, today), StudyDays.Of(first, next),
            induction ? DosePhase.Induction : DosePhase.Maintenance, null, null);
    }

    public static DueItem? PrimaryTregSample(
        PatientRecord patient, IReadOnlyList<PatientEntry> live, DateOnly today, ResponseOptions response)
    {
        if (patient.FirstDoseOn is not { } first)
        {
            return null;
        }

        var target = response.PrimaryTargetDay;
        var halfWidth = response.HalfWidth(target);
        var dueOn = first.AddDays(target - 1);
        var from = dueOn.AddDays(-halfWidth);
        var to = dueOn.AddDays(halfWidth);
        bool InWindow(DateOnly d) => d >= from && d <= to;
        if (today < from || live.Any(e => (e.Kind == EntryKind.Treg || IsNotDone(e, NotDoneItem.TregSample)) && InWindow(e.Date)))
        {
            return null;
        }

        return new DueItem(NotDoneItem.TregSample, dueOn, today > to ? DueState.Overdue : DueState.Due, target, null, from, to);
    }

    /// <summary>
    /// The patient's serious adverse events in force (a voided one counts nowhere), each with the site's
    /// clock from <see cref="SaeSiteClock"/>, the rule the pv clocks use too: the clock runs from the first
    /// moment the registry learnt the event was serious (the report, follow-up or correction that first made
    /// it serious). The event's states over time are those of <see cref="AdverseEventFold"/>, the fold the pv
    /// clocks read from the patient's facts.
    /// </summary>
    public static IEnumerable<SiteSeriousEvent> SeriousEvents(PatientRecord patient, TimeZoneInfo zone)
    {
        foreach (var (id, fact) in patient.AdverseEvents)
        {
            var history = patient.AeHistory.GetValueOrDefault(id, []);
            var now = AdverseEventFold.Current(patient, id);
            if (now is not { SeriousCriteria.Count: > 0 } || SaeSiteClock.Compute(AdverseEventFold.Changes(history), zone) is not { } clock)
            {
                continue;
            }

            yield return new SiteSeriousEvent(patient.Id, patient.SubjectCode, patient.SiteId, id, fact.Report.Term, now.WorstGrade,
                now.SeriousCriteria.Order().ToList(), now.OnsetOn, clock.AwareOn, clock.RecordedAt, clock.SiteDueAt, clock.SiteLate);
        }
    }

    private static bool IsNotDone(PatientEntry entry, NotDoneItem item) =>
        entry.Kind == EntryKind.NotDone && EntryJson.Read<NotDoneData>(entry.Data).Item == item;

    private static DueState State(DateOnly due, DateOnly today) =>
        due < today ? DueState.Overdue : due == today ? DueState.Due : DueState.Upcoming;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
