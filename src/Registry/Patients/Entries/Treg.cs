using Registry.Infrastructure;
namespace Registry.Patients;

public enum Gating
{
    Cd4Cd25Foxp3,
    Cd4Cd25hiCd127lo,
    Other,
}

public sealed record TregRequest(
    DateOnly? SampledOn,
    decimal? TregPercentOfCd4,
    string? Gating,
    decimal? TregPerUl,
    decimal? Cd4PerUl,
    decimal? TconvPercentOfCd4,
    string? Lab);

public sealed record TregData(
    DateOnly SampledOn,
    decimal TregPercentOfCd4,
    Gating Gating,
    decimal? TregPerUl,
    decimal? Cd4PerUl,
    decimal? TconvPercentOfCd4,
    string? Lab);

public sealed record TregMeasured(Guid EntryId, Guid VisitId, DateOnly VisitDate, TregData Data) : IVisitEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>A Treg result: % of CD4+ T cells (the common read-out), its gating, optional counts and Tconv.</summary>
public sealed class TregEntry : VisitEntryKindModule<TregRequest, TregData, TregMeasured>
{
    public override EntryKind Kind => EntryKind.Treg;

    public override string VisitList => "tregs";

    public override bool InFacts => true;

    public override EntryForm Form => new("Treg results", "Treg result", "Add a Treg result",
    [
        new("sampledOn", "Sample date", "date", Initial: FieldInitial.VisitDate),
        new("tregPercentOfCd4", "Tregs, % of CD4+ T cells", "decimal", Hint: "0 to 100."),
        new("gating", "Gating", "select", Options: "gating", Initial: new(Value: "cd4-cd25-foxp3")),
        new("tregPerUl", "Tregs per µL", "decimal", Optional: true),
        new("cd4PerUl", "CD4+ T cells per µL", "decimal", Optional: true),
        new("tconvPercentOfCd4", "Conventional T cells, % of CD4+", "decimal", Optional: true),
        new("lab", "Laboratory", "text", Optional: true),
    ]);

    public override DateOnly? DateOf(TregData values) => values.SampledOn;

    public override TregMeasured Start(Guid entryId, Guid visitId, DateOnly visitDate, TregData values) =>
        new(entryId, visitId, visitDate, values);

    /// <summary>A corrected result keeps the sequence it was first recorded at (what the figures knew when).</summary>
    public override void Fold(PatientFacts facts, Guid entryId, TregData d, EntryMoment moment)
    {
        var recorded = facts.Tregs.TryGetValue(entryId, out var earlier) ? earlier.RecordedSequence : moment.Sequence;
        if (!moment.Correction || earlier is not null)
        {
            facts.Tregs[entryId] = new TregFact(d.SampledOn, d.TregPercentOfCd4, d.Gating, d.TconvPercentOfCd4, recorded);
        }
    }

    public override TregData? Check(EntryRules rules, string p, TregRequest r, Guid? self, StateEntry? existing)
    {
        var errors = rules.Errors;
        var start = rules.Count;
        var sampledOn = rules.ClinicalDate(EntryRules.At(p, "sampledOn"), r.SampledOn, "sample date");
        if (sampledOn is { } d)
        {
            rules.NotBeforeEnrolment(EntryRules.At(p, "sampledOn"), d, "A Treg sample", EntryRules.ScreeningDays);
            rules.NotAfterEnd(EntryRules.At(p, "sampledOn"), d, "samples", self);
        }

        if (r.TregPercentOfCd4 is not { } percent)
        {
            errors.Add(EntryRules.At(p, "tregPercentOfCd4"), "Give the Tregs as a percentage of CD4+ T cells.");
        }
        else if (percent is < 0 or > 100)
        {
            errors.Add(EntryRules.At(p, "tregPercentOfCd4"), $"A percentage of CD4+ T cells is between 0 and 100; {percent} is not.");
        }

        var gating = errors.Enumeration<Gating>(EntryRules.At(p, "gating"), r.Gating, "gating");
        rules.NotNegative(EntryRules.At(p, "tregPerUl"), r.TregPerUl, "A Treg count");
        rules.NotNegative(EntryRules.At(p, "cd4PerUl"), r.Cd4PerUl, "A CD4 count");
        if (r.TregPerUl is { } tregs && r.Cd4PerUl is { } cd4 && tregs > cd4)
        {
            errors.Add(EntryRules.At(p, "tregPerUl"),
                $"The Treg count ({tregs}/µL) is larger than its parent CD4 count ({cd4}/µL); Tregs are a subset of CD4+ T cells.");
        }

        if (r.TconvPercentOfCd4 is { } tconv)
        {
            if (tconv is < 0 or > 100)
            {
                errors.Add(EntryRules.At(p, "tconvPercentOfCd4"), $"A percentage of CD4+ T cells is between 0 and 100; {tconv} is not.");
            }
            else if (r.TregPercentOfCd4 is { } treg and >= 0 and <= 100 && treg + tconv > 100)
            {
                errors.Add(EntryRules.At(p, "tconvPercentOfCd4"),
                    $"Tregs ({treg} %) and conventional T cells ({tconv} %) add up to more than 100 % of CD4+ T cells.");
            }
        }

        rules.Text(EntryRules.At(p, "lab"), r.Lab);
        return rules.Count > start
            ? null
            : new TregData(sampledOn!.Value, r.TregPercentOfCd4!.Value, gating!.Value, r.TregPerUl, r.Cd4PerUl, r.TconvPercentOfCd4,
                r.Lab?.Trim());
    }

    public override Table ExportTable(ExportShape shape) => new("lb", "Laboratory results including Tregs: one row per measured value",
    [
        ExportShape.Usubjid,
        new("lbtestcd", ColumnType.Text, null,
            "TREGPCD4 (Tregs, % of CD4+; local code), TREGCNT (Tregs /uL), CD4CNT (CD4+ /uL, LOINC 24467-3), " +
            "TCONVPCD (conventional T cells, % of CD4+)"),
        new("lbloinc", ColumnType.Text, null, "LOINC code where one exists"),
        new("lborres", ColumnType.Number, null, "Result"),
        new("lborresu", ColumnType.Text, null, "Unit (UCUM): % or /uL"),
        shape.Day("lb", "the sample"),
        new("gating", ColumnType.Text, null,
            "Treg gating: cd4-cd25-foxp3, cd4-cd25hi-cd127lo or other (never pool levels of different gatings)"),
    ]);

    public override IEnumerable<object?[]> ExportRows(ExportPatient p)
    {
        foreach (var (_, t) in Entries(p.State).OrderBy(x => x.Values.SampledOn).ThenBy(x => x.Id))
        {
            var gating = Kebab.Name(t.Gating);
            var day = p.Day(t.SampledOn);
            yield return [p.Key, "TREGPCD4", null, t.TregPercentOfCd4, "%", day, gating];
            if (t.TregPerUl is { } tregs)
            {
                yield return [p.Key, "TREGCNT", null, tregs, "/uL", day, gating];
            }

            if (t.Cd4PerUl is { } cd4)
            {
                yield return [p.Key, "CD4CNT", "24467-3", cd4, "/uL", day, gating];
            }

            if (t.TconvPercentOfCd4 is { } tconv)
            {
                yield return [p.Key, "TCONVPCD", null, tconv, "%", day, gating];
            }
        }
    }
}
