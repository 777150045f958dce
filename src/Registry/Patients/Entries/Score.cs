using Registry.Catalogue;

namespace Registry.Patients;

public sealed record ScoreRequest(DateOnly? AssessedOn, string? Instrument, decimal? Value, Dictionary<string, decimal>? Items);

public sealed record ScoreData(DateOnly AssessedOn, string Instrument, decimal Value, IReadOnlyDictionary<string, decimal>? Items);

public sealed record ScoreRecorded(Guid EntryId, Guid VisitId, DateOnly VisitDate, ScoreData Data) : IVisitEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>A disease activity score on one of the patient's disease's instruments (the catalogue), within its range.</summary>
public sealed class ScoreEntry : VisitEntryKindModule<ScoreRequest, ScoreData, ScoreRecorded>
{
    public override EntryKind Kind => EntryKind.Score;

    public override string VisitList => "scores";

    public override bool InFacts => true;

    public override EntryForm Form => new("Disease activity scores", "Score", "Add a score",
    [
        new("assessedOn", "Assessment date", "date", Initial: FieldInitial.VisitDate),
        new("instrument", "Instrument", "select", Wide: true, OptionsFrom: "instruments"),
        new("value", "Total score", "decimal", HintFrom: "instrument"),
    ]);

    public override DateOnly? DateOf(ScoreData values) => values.AssessedOn;

    public override ScoreRecorded Start(Guid entryId, Guid visitId, DateOnly visitDate, ScoreData values) =>
        new(entryId, visitId, visitDate, values);

    /// <summary>A corrected score keeps the sequence it was first recorded at.</summary>
    public override void Fold(PatientFacts facts, Guid entryId, ScoreData s, EntryMoment moment)
    {
        var recorded = facts.Scores.TryGetValue(entryId, out var earlier) ? earlier.RecordedSequence : moment.Sequence;
        if (!moment.Correction || earlier is not null)
        {
            facts.Scores[entryId] = new ScoreFact(s.AssessedOn, s.Instrument, s.Value, recorded);
        }
    }

    public override ScoreData? Check(EntryRules rules, string p, ScoreRequest r, Guid? self, StateEntry? existing)
    {
        var errors = rules.Errors;
        var patient = rules.Patient;
        var start = rules.Count;
        var assessedOn = rules.ClinicalDate(EntryRules.At(p, "assessedOn"), r.AssessedOn, "assessment date");
        if (assessedOn is { } d)
        {
            rules.NotBeforeEnrolment(EntryRules.At(p, "assessedOn"), d, "A score", 0);
            rules.NotAfterEnd(EntryRules.At(p, "assessedOn"), d, "scores", self);
        }

        Instrument? instrument = null;
        var code = errors.Required(EntryRules.At(p, "instrument"), r.Instrument, "Give the instrument's catalogue code, e.g. sledai-2k.");
        if (code is not null)
        {
            instrument = rules.Catalogue.FindInstrument(patient.DiseaseCode, code);
            if (instrument is null)
            {
                var allowed = rules.Catalogue.FindDisease(patient.DiseaseCode)?.Instruments.Select(i => i.Code) ?? [];
                errors.Add(EntryRules.At(p, "instrument"),
                    $"'{code}' is not an instrument of this patient's disease ({patient.DiseaseCode}): " +
                    $"use one of {string.Join(", ", allowed)}.");
            }
        }

        if (r.Value is not { } value)
        {
            errors.Add(EntryRules.At(p, "value"), "Give the total score.");
        }
        else if (instrument is not null)
        {
            if (value < instrument.Min || value > instrument.Max)
            {
                errors.Add(EntryRules.At(p, "value"),
                    $"{instrument.Name} runs from {instrument.Min} to {instrument.Max}; {value} is outside it.");
            }
            else if (instrument.Integer && value != decimal.Truncate(value))
            {
                errors.Add(EntryRules.At(p, "value"), $"{instrument.Name} is scored in whole numbers; {value} is not one.");
            }
        }

        return rules.Count > start ? null : new ScoreData(assessedOn!.Value, code!, r.Value!.Value, r.Items);
    }

    public override Table ExportTable(ExportShape shape) => new("rs", "Disease activity scores",
    [
        ExportShape.Usubjid,
        new("rstestcd", ColumnType.Text, null, "Instrument (catalogue code)"),
        new("rsorres", ColumnType.Number, null, "Total score"),
        shape.Day("rs", "the assessment"),
    ]);

    public override IEnumerable<object?[]> ExportRows(ExportPatient p) =>
        from s in Entries(p.State)
            .OrderBy(x => x.Values.AssessedOn)
            .ThenBy(x => x.Values.Instrument, StringComparer.Ordinal)
            .ThenBy(x => x.Id)
        select new object?[] { p.Key, s.Values.Instrument, s.Values.Value, p.Day(s.Values.AssessedOn) };
}
