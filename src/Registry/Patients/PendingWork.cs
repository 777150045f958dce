namespace Registry.Patients;

/// <summary>
/// The primary Treg sample's target study day and the half-width of its window (the registry's <c>Response</c>
/// settings: day 8, days 6 to 10).
/// </summary>
public sealed record SampleWindow(int TargetDay, int HalfWidth)
{
    public static SampleWindow Default { get; } = new(8, 2);
}

/// <summary>
/// What the worklist asks of a treated patient besides doses: a Treg sample in each target day's window (the
/// <c>Response</c> settings' target days: 8, 15, 29, 85, 183), and a clinical score in the clinical target day's window.
/// </summary>
public sealed record WorkPlan(IReadOnlyList<SampleWindow> TregSamples, SampleWindow? ClinicalScore)
{
    public static WorkPlan Default { get; } =
        new([new(8, 2), new(15, 3), new(29, 6), new(85, 17), new(183, 36)], new(85, 17));
}

/// <summary>
/// Something the patient owes whatever the day: a dose due on <see cref="DueOn"/>, or a sample to take in its window.
/// <see cref="From"/> is the first day the worklist asks for it.
/// </summary>
public sealed record PendingItem(
    NotDoneItem Item,
    DateOnly DueOn,
    int? StudyDay,
    DosePhase? Phase,
    DateOnly? WindowFrom,
    DateOnly? WindowTo)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public DateOnly From => WindowFrom ?? DueOn;
}

/// <summary>
/// What a patient still owes a site whatever the day, from the record alone (entries in force; voided ones count
/// nowhere); the worklist (DueItems) turns it into a day's items. The record keeps it (<see cref="PatientRecord.Pending"/>).
/// </summary>
public static class PendingWork
{
    /// <summary>
    /// What the patient still owes, whatever the day (the record keeps it, and the worklist pages by its earliest
    /// <see cref="PendingItem.From"/>): the next dose, and the primary Treg sample until one is in its window.
    /// </summary>
    public static IReadOnlyList<PendingItem> Of(PatientRecord patient, WorkPlan plan)
    {
        if (patient.Status is PatientStatus.Withdrawn or PatientStatus.Completed)
        {
            return [];
        }

        var live = patient.Entries.Where(e => e.Status != EntryStatus.Voided).ToList();
        return new[] { NextDose(patient, live) }
            .Concat(plan.TregSamples.Select(w => InWindow(patient, live, w, NotDoneItem.TregSample, EntryKind.Treg)))
            .Append(plan.ClinicalScore is { } score ? InWindow(patient, live, score, NotDoneItem.Score, EntryKind.Score) : null)
            .OfType<PendingItem>()
            .ToList();
    }

    public static PendingItem NextDose(PatientRecord patient, IReadOnlyList<PatientEntry> live)
    {
        var anchors = live
            .Where(e => e.Kind is EntryKind.Dose or EntryKind.DoseHeld || IsNotDone(e, NotDoneItem.Dose))
            .Select(e => e.Date)
            .ToList();
        var regimen = patient.Regimen;
        if (patient.FirstDoseOn is not { } first)
        {
            var due = anchors.Count == 0 ? patient.EnrolledOn : Max(anchors.Max().AddDays(1), patient.EnrolledOn);
            return new PendingItem(NotDoneItem.Dose, due, 1, DosePhase.Induction, null, null);
        }

        var last = anchors.Max();
        var induction = StudyDays.Of(first, last) < regimen.InductionDays;
        var next = induction ? last.AddDays(1) : last.AddDays(regimen.MaintenanceIntervalDays);
        return new PendingItem(NotDoneItem.Dose, next, StudyDays.Of(first, next),
            induction ? DosePhase.Induction : DosePhase.Maintenance, null, null);
    }

    /// <summary>
    /// A sample (or a score) owed in a target day's window: asked for once the window opens, until one of that kind or a
    /// "not done" of it is dated in the window.
    /// </summary>
    public static PendingItem? InWindow(
        PatientRecord patient, IReadOnlyList<PatientEntry> live, SampleWindow window, NotDoneItem item, EntryKind kind)
    {
        if (patient.FirstDoseOn is not { } first)
        {
            return null;
        }

        var (target, halfWidth) = window;
        var dueOn = first.AddDays(target - 1);
        var from = dueOn.AddDays(-halfWidth);
        var to = dueOn.AddDays(halfWidth);
        bool Inside(DateOnly d) => d >= from && d <= to;
        if (live.Any(e => (e.Kind == kind || IsNotDone(e, item)) && Inside(e.Date)))
        {
            return null;
        }

        return new PendingItem(item, dueOn, target, null, from, to);
    }

    private static bool IsNotDone(PatientEntry entry, NotDoneItem item) =>
        entry.Kind == EntryKind.NotDone && EntryJson.Read<NotDoneData>(entry.Data).Item == item;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
