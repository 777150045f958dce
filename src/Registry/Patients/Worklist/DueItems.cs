using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients.Timeline;

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
    /// The patient's serious adverse events in force (a voided one counts nowhere), each with the site's
    /// clock from <see cref="SaeSiteClock"/>, the rule the pv clocks use too: the clock runs from the first
    /// moment the registry learnt the event was serious (the report, follow-up or correction that first made
    /// it serious). The event's states over time are replayed from the entries' versions in the order they
    /// were recorded, as the pv clocks replay them from the patient's events.
    /// </summary>
    public static IEnumerable<SiteSeriousEvent> SeriousEvents(PatientRecord patient, TimeZoneInfo zone)
    {
        foreach (var entry in patient.Entries.Where(e => e.Kind == EntryKinds.AdverseEvent && e.Status != EntryStatus.Voided))
        {
            var (changes, now) = AeChanges(patient, entry.EntryId);
            if (now is not { SeriousCriteria.Count: > 0 } || SaeSiteClock.Compute(changes, zone) is not { } clock)
            {
                continue;
            }

            var report = EntryJson.Read<AdverseEventData>(entry.Data);
            yield return new SiteSeriousEvent(patient.Id, patient.SubjectCode, patient.SiteId, entry.EntryId, report.Term, now.WorstGrade,
                now.SeriousCriteria.Order().ToList(), now.OnsetOn, clock.AwareOn, clock.RecordedAt, clock.SiteDueAt, clock.SiteLate);
        }
    }

    /// <summary>
    /// An adverse event's changes (its report's versions and those of its follow-ups, voided ones included,
    /// in the order recorded), with the event as it stands after the last one: the same states the pv
    /// clocks replay from the patient's events (<c>PatientFacts.AeHistory</c>).
    /// </summary>
    public static (IReadOnlyList<AeChange> Changes, AdverseEventNow? Now) AeChanges(PatientRecord patient, Guid adverseEventId)
    {
        var followUpIds = patient.Entries
            .Where(e => e.Kind == EntryKinds.AeFollowUp && patient.History.TryGetValue(e.EntryId, out var recorded) && recorded.Count > 0
                && EntryJson.Read<AeFollowUpData>(recorded[0].Data).AdverseEventId == adverseEventId)
            .Select(e => e.EntryId)
            .ToHashSet();
        var versions = patient.History.GetValueOrDefault(adverseEventId, [])
            .Select(v => (EntryId: adverseEventId, Version: v))
            .Concat(patient.Entries.Where(e => followUpIds.Contains(e.EntryId)).SelectMany(e => patient.History[e.EntryId].Select(v => (e.EntryId, Version: v))))
            // In the stream's order, as the pv clocks replay it (documents written before StreamVersion was
            // kept have 0 there and fall back to the recording time).
            .OrderBy(x => x.Version.StreamVersion)
            .ThenBy(x => x.Version.At)
            .ToList();

        AdverseEventData? report = null;
        var followUps = new Dictionary<Guid, (DateTimeOffset RecordedAt, AeFollowUpData Data)>();
        var changes = new List<AeChange>();
        AdverseEventNow? now = null;
        foreach (var (entryId, version) in versions)
        {
            string how;
            DateOnly? reportedOn = null;
            if (entryId == adverseEventId)
            {
                how = version.Action switch
                {
                    "recorded" => AeChangeKinds.Reported,
                    "corrected" => AeChangeKinds.Corrected,
                    _ => AeChangeKinds.Voided,
                };
                report = how == AeChangeKinds.Voided ? null : EntryJson.Read<AdverseEventData>(version.Data);
            }
            else if (version.Action == "recorded")
            {
                how = AeChangeKinds.FollowedUp;
                var data = EntryJson.Read<AeFollowUpData>(version.Data);
                followUps[entryId] = (version.At, data);
                reportedOn = data.ReportedOn;
            }
            else if (version.Action == "corrected" && followUps.TryGetValue(entryId, out var followUp))
            {
                how = AeChangeKinds.Corrected;
                var data = EntryJson.Read<AeFollowUpData>(version.Data);
                followUps[entryId] = (followUp.RecordedAt, data);
                reportedOn = data.ReportedOn;
            }
            else if (version.Action == "voided" && followUps.Remove(entryId))
            {
                how = AeChangeKinds.Voided;
            }
            else
            {
                continue;
            }

            now = report is null
                ? null
                : followUps.Values.OrderBy(f => f.RecordedAt).Aggregate(AdverseEventNow.From(report), (current, f) => AdverseEvents.Apply(current, f.Data));
            changes.Add(new AeChange(version.At, how, now is { SeriousCriteria.Count: > 0 }, now?.AwareOn, reportedOn));
        }

        return (changes, now);
    }

    private static bool IsNotDone(PatientEntry entry, NotDoneItem item) =>
        entry.Kind == EntryKinds.NotDone && EntryJson.Read<NotDoneData>(entry.Data).Item == item;

    private static string State(DateOnly due, DateOnly today) =>
        due < today ? DueStates.Overdue : due == today ? DueStates.Due : DueStates.Upcoming;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
