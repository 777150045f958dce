using Registry.Infrastructure;
namespace Registry.Patients;

public enum WithdrawalReason
{
    AdverseEvent,
    LackOfEfficacy,
    PatientDecision,
    LostToFollowUp,
    Death,
    Other,
}

public sealed record WithdrawalRequest(DateOnly? WithdrawnOn, string? ReasonCode, string? Reason);

public sealed record WithdrawalData(DateOnly WithdrawnOn, WithdrawalReason ReasonCode, string? Reason);

public sealed record PatientWithdrawn(Guid EntryId, WithdrawalData Data) : IEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>The patient leaves the registry's follow-up early, with a coded reason: one of the two ends of participation.</summary>
public sealed class WithdrawalEntry : EntryKindModule<WithdrawalRequest, WithdrawalData, PatientWithdrawn>
{
    public override EntryKind Kind => EntryKind.Withdrawal;

    public override bool InFacts => true;

    public override EntryForm Form => new("Withdrawal", "Withdrawal", null,
    [
        new("withdrawnOn", "Date withdrawn", "date", Initial: FieldInitial.VisitDate),
        new("reasonCode", "Reason", "select", Options: "withdrawalReason"),
        new("reason", "Details", "text", Optional: true),
    ]);

    public override DateOnly? DateOf(WithdrawalData values) => values.WithdrawnOn;

    public override void Fold(PatientFacts facts, Guid entryId, WithdrawalData w, EntryMoment moment)
    {
        if (!moment.Correction || facts.Ends.ContainsKey(entryId))
        {
            facts.Ends[entryId] = new EndFact(EntryKind.Withdrawal, w.WithdrawnOn, w.ReasonCode);
        }
    }

    public override WithdrawalData? Check(EntryRules rules, string p, WithdrawalRequest r, Guid? self, StateEntry? existing)
    {
        var start = rules.Count;
        var on = rules.EndDate(EntryRules.At(p, "withdrawnOn"), r.WithdrawnOn, "withdrawal date", self);
        var reason = rules.Errors.Enumeration<WithdrawalReason>(EntryRules.At(p, "reasonCode"), r.ReasonCode, "reason for withdrawal");
        rules.Text(EntryRules.At(p, "reason"), r.Reason);
        return rules.Count > start ? null : new WithdrawalData(on!.Value, reason!.Value, EntryRules.Trimmed(r.Reason));
    }

    public override Table ExportTable(ExportShape shape) => Disposition.Table(shape);

    public override IEnumerable<object?[]> ExportRows(ExportPatient p) =>
        Disposition.Rows(p, Kind, e => (Kebab.Name(e.Read<WithdrawalData>().ReasonCode), e.Read<WithdrawalData>().Reason));
}
