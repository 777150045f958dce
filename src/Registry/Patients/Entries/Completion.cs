namespace Registry.Patients;

public sealed record CompletionRequest(DateOnly? CompletedOn);

public sealed record CompletionData(DateOnly CompletedOn);

public sealed record PatientCompleted(Guid EntryId, CompletionData Data) : IEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>The patient completed the registry's follow-up: the other end of participation.</summary>
public sealed class CompletionEntry : EntryKindModule<CompletionRequest, CompletionData, PatientCompleted>
{
    public override EntryKind Kind => EntryKind.Completion;

    public override bool InFacts => true;

    public override EntryForm Form => new("Completion", "Completion", null,
    [
        new("completedOn", "Date completed", "date", Initial: FieldInitial.VisitDate),
    ]);

    public override DateOnly? DateOf(CompletionData values) => values.CompletedOn;

    public override void Fold(PatientFacts facts, Guid entryId, CompletionData c, EntryMoment moment)
    {
        if (!moment.Correction || facts.Ends.ContainsKey(entryId))
        {
            facts.Ends[entryId] = new EndFact(EntryKind.Completion, c.CompletedOn, null);
        }
    }

    public override CompletionData? Check(EntryRules rules, string p, CompletionRequest r, Guid? self, StateEntry? existing)
    {
        var start = rules.Count;
        var on = rules.EndDate(EntryRules.At(p, "completedOn"), r.CompletedOn, "completion date", self);
        return rules.Count > start ? null : new CompletionData(on!.Value);
    }

    public override Table ExportTable(ExportShape shape) => Disposition.Table(shape);

    public override IEnumerable<object?[]> ExportRows(ExportPatient p) => Disposition.Rows(p, Kind, _ => ("completed", null));
}
