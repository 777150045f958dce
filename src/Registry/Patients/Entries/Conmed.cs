using Registry.Infrastructure;
namespace Registry.Patients;

public enum DrugClass
{
    Corticosteroid,
    Csdmard,
    Bdmard,
    JakInhibitor,
    Other,
}

public sealed record ConmedRequest(
    string? Drug, string? DrugClass, decimal? Dose, string? Unit, PartialDate? StartedOn, PartialDate? StoppedOn);

/// <summary>A medication; its start and stop as the site knows them (<see cref="PartialDate"/>).</summary>
public sealed record ConmedData(
    string Drug, DrugClass DrugClass, decimal? Dose, string? Unit, PartialDate? StartedOn, PartialDate? StoppedOn);

public sealed record MedicationRecorded(Guid EntryId, Guid VisitId, DateOnly VisitDate, ConmedData Data) : IVisitEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>A concomitant medication: its class decides stand-alone versus add-on context; dated by its start, or the visit.</summary>
public sealed class ConmedEntry : VisitEntryKindModule<ConmedRequest, ConmedData, MedicationRecorded>
{
    public override EntryKind Kind => EntryKind.Conmed;

    public override string VisitList => "conmeds";

    public override EntryForm Form => new("Concomitant medications", "Medication", "Add a medication",
    [
        new("drug", "Drug", "text"),
        new("drugClass", "Class", "select", Options: "drugClass"),
        new("dose", "Dose", "decimal", Optional: true),
        new("unit", "Unit", "text", Optional: true, Hint: "e.g. mg/day"),
        new("startedOn", "Started on", "partial-date", Optional: true, Hint: PartialDate.FormHint),
        new("stoppedOn", "Stopped on", "partial-date", Optional: true, Hint: PartialDate.FormHint),
    ]);

    public override DateOnly? DateOf(ConmedData values) => values.StartedOn?.First;

    public override MedicationRecorded Start(Guid entryId, Guid visitId, DateOnly visitDate, ConmedData values) =>
        new(entryId, visitId, visitDate, values);

    public override ConmedData? Check(EntryRules rules, string p, ConmedRequest r, Guid? self, StateEntry? existing)
    {
        var errors = rules.Errors;
        var start = rules.Count;
        var drug = errors.Required(EntryRules.At(p, "drug"), r.Drug, "Give the drug's name.");
        rules.Text(EntryRules.At(p, "drug"), r.Drug);
        var drugClass = errors.Enumeration<DrugClass>(EntryRules.At(p, "drugClass"), r.DrugClass, "drug class");
        rules.NotNegative(EntryRules.At(p, "dose"), r.Dose, "A dose");
        if (r.Dose is not null && string.IsNullOrWhiteSpace(r.Unit))
        {
            errors.Add(EntryRules.At(p, "unit"), "Give the unit of the dose, e.g. mg/day.");
        }

        var started = r.StartedOn is null ? null : rules.ClinicalDate(EntryRules.At(p, "startedOn"), r.StartedOn, "start date");
        var stopped = r.StoppedOn is null ? null : rules.ClinicalDate(EntryRules.At(p, "stoppedOn"), r.StoppedOn, "stop date");
        if (started is { } s && stopped is { } e && s.First > e.Last)
        {
            errors.Add(EntryRules.At(p, "stoppedOn"), $"The medication cannot stop ({e}) before it started ({s}).");
        }

        return rules.Count > start
            ? null
            : new ConmedData(drug!, drugClass!.Value, r.Dose, EntryRules.Trimmed(r.Unit), r.StartedOn, r.StoppedOn);
    }

    public override Table ExportTable(ExportShape shape) => new("cm", "Concomitant medications",
    [
        ExportShape.Usubjid,
        new("cmclass", ColumnType.Text, null, "corticosteroid, csdmard, bdmard, jak-inhibitor or other"),
        new("cmdose", ColumnType.Number, null, "Dose"),
        shape.Day("cmst", "the start (imputed when partial: the first dose's day when in its month or year, else the period's first day)"),
        ExportShape.Flag("cmst", "the start"),
        shape.Day("cmen", "the stop (imputed when partial: the period's last day)"),
        ExportShape.Flag("cmen", "the stop"),
        .. shape.Text(
            new Column("cmtrt", ColumnType.Text, null, "Drug name as the site wrote it (free text)", FreeText: true),
            new Column("cmdosu", ColumnType.Text, null, "Dose unit as the site wrote it (free text)", FreeText: true)),
    ]);

    public override IEnumerable<object?[]> ExportRows(ExportPatient p) =>
        from m in Entries(p.State).OrderBy(x => x.Values.StartedOn).ThenBy(x => x.Id)
        select p.Shape.WithText(
            [p.Key, Kebab.Name(m.Values.DrugClass), m.Values.Dose, p.StartDay(m.Values.StartedOn, m.Values.StoppedOn?.Last),
             m.Values.StartedOn?.Imputed,
             p.EndDay(m.Values.StoppedOn), m.Values.StoppedOn?.Imputed],
            m.Values.Drug, m.Values.Unit);
}
