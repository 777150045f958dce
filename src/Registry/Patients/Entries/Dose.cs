using Registry.Infrastructure;

namespace Registry.Patients;

public enum DosePhase
{
    Induction,
    Maintenance,
}

public enum DoseRoute
{
    Subcutaneous,
    Intravenous,
    Intramuscular,
    Other,
}

/// <summary>A dose of IL-2 as a site sends it (every field optional so every problem is named at once).</summary>
public sealed record DoseRequest(
    DateOnly? GivenOn,
    TimeOnly? GivenAt,
    long? DoseIu,
    string? Route,
    string? Product,
    string? Lot,
    string? Phase,
    bool? ConfirmUnusualDose);

public sealed record DoseData(
    DateOnly GivenOn,
    TimeOnly? GivenAt,
    long DoseIu,
    DoseRoute Route,
    string Product,
    string? Lot,
    DosePhase Phase,
    bool ConfirmUnusualDose);

public sealed record DoseAdministered(Guid EntryId, Guid VisitId, DateOnly VisitDate, DoseData Data) : IVisitEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>A dose given: in IU, within the plausible range unless confirmed, not after the end of participation.</summary>
public sealed class DoseEntry : VisitEntryKindModule<DoseRequest, DoseData, DoseAdministered>
{
    public const long PlausibleMinIu = 100_000;
    public const long PlausibleMaxIu = 6_000_000;
    public const long AbsoluteMaxIu = 100_000_000;

    public override EntryKind Kind => EntryKind.Dose;

    public override string VisitList => "doses";

    public override bool InFacts => true;

    public override EntryForm Form => new("Doses", "Dose", "Add a dose",
    [
        new("givenOn", "Date given", "date", Initial: FieldInitial.VisitDate),
        new("doseIu", "Dose (IU)", "integer", Hint: "In international units: 1 MIU = 1000000 IU; usual doses 100000 to 6000000.",
            Initial: new(Value: "1000000")),
        new("route", "Route", "select", Options: "route", Initial: new(Value: "subcutaneous")),
        new("product", "Product", "text", Initial: new(Value: "aldesleukin")),
        new("lot", "Lot", "text", Optional: true),
        new("phase", "Schedule phase", "select", Options: "phase", Initial: new(From: "phase")),
        new("confirmUnusualDose", "This unusual dose (outside 0.1 to 6 MIU) is what was given", "check"),
    ]);

    public override DateOnly? DateOf(DoseData values) => values.GivenOn;

    public override DoseAdministered Start(Guid entryId, Guid visitId, DateOnly visitDate, DoseData values) =>
        new(entryId, visitId, visitDate, values);

    public override void Fold(PatientFacts facts, Guid entryId, DoseData values, EntryMoment moment)
    {
        if (!moment.Correction || facts.Doses.ContainsKey(entryId))
        {
            facts.Doses[entryId] = values;
        }
    }

    public override DoseData? Check(EntryRules rules, string p, DoseRequest r, Guid? self, StateEntry? existing)
    {
        var errors = rules.Errors;
        var start = rules.Count;
        var givenOn = rules.ClinicalDate(EntryRules.At(p, "givenOn"), r.GivenOn, "dose date");
        if (givenOn is { } d)
        {
            rules.NotBeforeEnrolment(EntryRules.At(p, "givenOn"), d, "A dose", 0);
            rules.NotAfterEnd(EntryRules.At(p, "givenOn"), d, "doses", self);
        }

        if (r.DoseIu is not { } iu)
        {
            errors.Add(EntryRules.At(p, "doseIu"), "Give the dose in international units (IU), e.g. 1000000 for 1 MIU.");
        }
        else if (iu <= 0 || iu > AbsoluteMaxIu)
        {
            errors.Add(EntryRules.At(p, "doseIu"),
                $"A dose of {iu:N0} IU is not possible: a dose is more than 0 and at most {AbsoluteMaxIu:N0} IU.");
        }
        else if ((iu < PlausibleMinIu || iu > PlausibleMaxIu) && r.ConfirmUnusualDose != true)
        {
            errors.Add(EntryRules.At(p, "doseIu"),
                $"A dose of {iu:N0} IU ({iu / 1_000_000m:0.###} MIU) is outside the usual 0.1 to 6 MIU. Check the unit (IU, not MIU); "
                + "if it is what was given, confirm it with confirmUnusualDose.");
        }

        var route = r.Route is null ? DoseRoute.Subcutaneous : errors.Enumeration<DoseRoute>(EntryRules.At(p, "route"), r.Route, "route");
        var product = errors.Required(EntryRules.At(p, "product"), r.Product, "Give the product given, e.g. aldesleukin.");
        rules.Text(EntryRules.At(p, "lot"), r.Lot);
        var phase = errors.Enumeration<DosePhase>(EntryRules.At(p, "phase"), r.Phase, "schedule phase");
        return rules.Count > start
            ? null
            : new DoseData(givenOn!.Value, r.GivenAt, r.DoseIu!.Value, route!.Value, product!, r.Lot?.Trim(), phase!.Value,
                r.ConfirmUnusualDose == true);
    }

    public override Table ExportTable(ExportShape shape) => new("ex", "Exposure: every IL-2 dose given",
    [
        ExportShape.Usubjid, shape.Day("exst", "the dose"),
        new("exdose", ColumnType.Integer, "IU", "Dose in international units"),
        new("exdosu", ColumnType.Text, null, "Dose unit (IU)"),
        new("exroute", ColumnType.Text, null, "Route"),
        new("phase", ColumnType.Text, null, "induction or maintenance"),
        new("exunusual", ColumnType.Text, null, "Y when outside 0.1–6 MIU and confirmed as intended"),
        .. shape.Text(new Column("exprod", ColumnType.Text, null, "Product as the site wrote it (free text)", FreeText: true)),
    ]);

    public override IEnumerable<object?[]> ExportRows(ExportPatient p) =>
        from d in Given(p.State)
        select p.Shape.WithText(
            [p.Key, p.Day(d.GivenOn), d.DoseIu, "IU", Kebab.Name(d.Route), Kebab.Name(d.Phase), d.ConfirmUnusualDose ? "Y" : "N"],
            d.Product);

    /// <summary>The doses given, in the order given (date, then entry id): the first is study day 1.</summary>
    public IEnumerable<DoseData> Given(PatientState state) =>
        Entries(state).OrderBy(d => d.Values.GivenOn).ThenBy(d => d.Id).Select(d => d.Values);
}
