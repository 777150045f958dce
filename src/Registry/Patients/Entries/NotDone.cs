namespace Registry.Patients;

public enum NotDoneItem
{
    TregSample,
    Score,
    Dose,
}

public sealed record NotDoneRequest(string? Item, DateOnly? DueOn, string? Reason);

public sealed record NotDoneData(NotDoneItem Item, DateOnly DueOn, string Reason);

public sealed record PlannedItemNotDone(Guid EntryId, Guid VisitId, DateOnly VisitDate, NotDoneData Data) : IVisitEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>A planned dose, sample or score that will not happen, with why: it clears the worklist's item.</summary>
public sealed class NotDoneEntry : VisitEntryKindModule<NotDoneRequest, NotDoneData, PlannedItemNotDone>
{
    public override EntryKind Kind => EntryKind.NotDone;

    public override string VisitList => "notDone";

    public override EntryForm Form => new("Planned items not done", "Item not done", "Add an item not done",
    [
        new("item", "Item", "select", Options: "notDoneItem"),
        new("dueOn", "Date it was due", "date", Initial: FieldInitial.VisitDate),
        new("reason", "Why it will not happen", "text"),
    ]);

    public override DateOnly? DateOf(NotDoneData values) => values.DueOn;

    public override PlannedItemNotDone Start(Guid entryId, Guid visitId, DateOnly visitDate, NotDoneData values) =>
        new(entryId, visitId, visitDate, values);

    public override NotDoneData? Check(EntryRules rules, string p, NotDoneRequest r, Guid? self, StateEntry? existing)
    {
        var errors = rules.Errors;
        var start = rules.Count;
        var item = errors.Enumeration<NotDoneItem>(EntryRules.At(p, "item"), r.Item, "planned item");
        if (r.DueOn is not { } due)
        {
            errors.Add(EntryRules.At(p, "dueOn"), "Give the date the item was due (yyyy-MM-dd).");
        }
        else
        {
            rules.NotBeforeEnrolment(EntryRules.At(p, "dueOn"), due, "A planned item", EntryRules.ScreeningDays);
        }

        var reason = errors.Required(EntryRules.At(p, "reason"), r.Reason, "Say why it will not happen, e.g. sample haemolysed.");
        rules.Text(EntryRules.At(p, "reason"), r.Reason);
        return rules.Count > start ? null : new NotDoneData(item!.Value, r.DueOn!.Value, reason!);
    }
}
