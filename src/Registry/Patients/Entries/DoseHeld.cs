namespace Registry.Patients;

public enum HoldReason
{
    AdverseEvent,
    LabAbnormality,
    PatientDecision,
    Other,
}

public sealed record DoseHoldRequest(DateOnly? HeldOn, string? ReasonCode, string? Reason);

public sealed record DoseHoldData(DateOnly HeldOn, HoldReason ReasonCode, string? Reason);

public sealed record DoseHeld(Guid EntryId, Guid VisitId, DateOnly VisitDate, DoseHoldData Data) : IVisitEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>A planned dose not given, with the reason: it moves the next dose as a dose would.</summary>
public sealed class DoseHeldEntry : VisitEntryKindModule<DoseHoldRequest, DoseHoldData, DoseHeld>
{
    public override EntryKind Kind => EntryKind.DoseHeld;

    public override string VisitList => "doseHolds";

    public override EntryForm Form => new("Doses held", "Dose held", "Add a held dose",
    [
        new("heldOn", "Date held", "date", Initial: FieldInitial.VisitDate),
        new("reasonCode", "Reason", "select", Options: "holdReason"),
        new("reason", "Details", "text", Optional: true),
    ]);

    public override DateOnly? DateOf(DoseHoldData values) => values.HeldOn;

    public override DoseHeld Start(Guid entryId, Guid visitId, DateOnly visitDate, DoseHoldData values) =>
        new(entryId, visitId, visitDate, values);

    public override DoseHoldData? Check(EntryRules rules, string p, DoseHoldRequest r, Guid? self, StateEntry? existing)
    {
        var start = rules.Count;
        var heldOn = rules.ClinicalDate(EntryRules.At(p, "heldOn"), r.HeldOn, "date the dose was held");
        if (heldOn is { } d)
        {
            rules.NotBeforeEnrolment(EntryRules.At(p, "heldOn"), d, "A held dose", 0);
            rules.NotAfterEnd(EntryRules.At(p, "heldOn"), d, "held doses", self);
        }

        var reason = rules.Errors.Enumeration<HoldReason>(EntryRules.At(p, "reasonCode"), r.ReasonCode, "reason for holding the dose");
        rules.Text(EntryRules.At(p, "reason"), r.Reason);
        return rules.Count > start ? null : new DoseHoldData(heldOn!.Value, reason!.Value, r.Reason?.Trim());
    }
}
