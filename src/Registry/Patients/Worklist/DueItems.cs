using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients.Timeline;
using Registry.Safety;

namespace Registry.Patients.Worklist;

public static class DueStates
{
    /// <summary>The due date (or the sample window's end) has passed.</summary>
    public const string Overdue = "overdue";

    /// <summary>Due today, or the sample window is open.</summary>
    public const string Due = "due";

    /// <summary>Due on a later day.</summary>
    public const string Upcoming = "upcoming";
}

/// <summary>
/// Something a site still has to do for a patient. <c>item</c> uses the spelling of a visit's
/// <c>notDone</c> items (<c>dose</c>, <c>treg-sample</c>), so marking it not done is one visit entry.
/// </summary>
public sealed record DueItem(
    string Item,
    DateOnly DueOn,
    string State,
    int? StudyDay,
    string? Phase,
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
            .Where(e => e.Kind is EntryKinds.Dose or EntryKinds.DoseHeld || IsNotDone(e, NotDoneItem.Dose))
            .Select(e => e.Date)
            .ToList();
        var regimen = patient.Regimen;
        if (patient.FirstDoseOn is not { } first)
        {
            var due = anchors.Count == 0 ? patient.EnrolledOn : Max(anchors.Max().AddDays(1), patient.EnrolledOn);
            return new DueItem(Kebab.Name(NotDoneItem.Dose), due, State(due, today), 1, Kebab.Name(DosePhase.Induction), null, null);
        }

        var last = anchors.Max();
        var induction = StudyDays.Of(first, last) < regimen.InductionDays;
        var next = induction ? last.AddDays(1) : last.AddDays(regimen.MaintenanceIntervalDays);
        return new DueItem(Kebab.Name(NotDoneItem.Dose), next, State(next, today), StudyDays.Of(first, next),
            Kebab.Name(induction ? DosePhase.Induction : DosePhase.Maintenance), null, null);
    }

    public static DueItem? PrimaryTregSample(PatientRecord patient, IReadOnlyList<PatientEntry> live, DateOnly today, ResponseOptions response)
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
        if (today < from || live.Any(e => (e.Kind == EntryKinds.Treg || IsNotDone(e, NotDoneItem.TregSample)) && InWindow(e.Date)))
        {
            return null;
        }

        return new DueItem(Kebab.Name(NotDoneItem.TregSample), dueOn, today > to ? DueStates.Overdue : DueStates.Due, target, null, from, to);
    }

    /// <summary>
    /// The patient's serious adverse events in force. The site's clock runs from the first moment the
    /// registry learnt the event was serious: the report (or the correction) that first carried a
    /// seriousness criterion, or the first follow-up that added one (its <c>reportedOn</c> then plays
    /// the part of <c>awareOn</c>).
    /// </summary>
    public static IEnumerable<SiteSeriousEvent> SeriousEvents(PatientRecord patient, TimeZoneInfo zone)
    {
        var live = patient.Entries.Where(e => e.Status != EntryStatus.Voided).ToList();
        var followUps = live.Where(e => e.Kind == EntryKinds.AeFollowUp)
            .Select(e => (Entry: e, Data: EntryJson.Read<AeFollowUpData>(e.Data)))
            .ToLookup(x => x.Data.AdverseEventId);
        foreach (var entry in live.Where(e => e.Kind == EntryKinds.AdverseEvent))
        {
            var report = EntryJson.Read<AdverseEventData>(entry.Data);
            var added = followUps[entry.EntryId].OrderBy(x => x.Entry.RecordedAt).ToList();
            var criteria = report.SeriousCriteria.Concat(added.SelectMany(x => x.Data.SeriousCriteria ?? [])).Distinct().Order().ToList();
            if (criteria.Count == 0)
            {
                continue;
            }

            var moments = patient.History.GetValueOrDefault(entry.EntryId, [])
                .Select(v => (v.At, Data: EntryJson.Read<AdverseEventData>(v.Data)))
                .Where(v => v.Data.SeriousCriteria.Count > 0)
                .Select(v => (v.At, AwareOn: v.Data.AwareOn))
                .Concat(added.Where(x => x.Data.SeriousCriteria is { Count: > 0 }).Select(x => (At: x.Entry.RecordedAt, AwareOn: x.Data.ReportedOn)))
                .OrderBy(m => m.At)
                .ToList();
            if (moments.Count == 0)
            {
                continue;
            }

            var (recordedAt, awareOn) = moments[0];
            var siteDueAt = SaeClocks.EndOfDay(awareOn.AddDays(1), zone);
            var worst = added.Select(x => x.Data.Grade ?? 0).Append(report.Grade).Max();
            yield return new SiteSeriousEvent(patient.Id, patient.SubjectCode, patient.SiteId, entry.EntryId, report.Term, worst, criteria,
                report.OnsetOn, awareOn, recordedAt, siteDueAt, recordedAt > siteDueAt);
        }
    }

    private static bool IsNotDone(PatientEntry entry, NotDoneItem item) =>
        entry.Kind == EntryKinds.NotDone && EntryJson.Read<NotDoneData>(entry.Data).Item == item;

    private static string State(DateOnly due, DateOnly today) =>
        due < today ? DueStates.Overdue : due == today ? DueStates.Due : DueStates.Upcoming;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
