using Registry.Infrastructure;
namespace Registry.Patients;

public enum SeriousCriterion
{
    Death,
    LifeThreatening,
    Hospitalisation,
    Disability,
    CongenitalAnomaly,
    MedicallyImportant,
}

public enum Causality
{
    Certain,
    Probable,
    Possible,
    Unlikely,
    Conditional,
    Unassessable,
}

public enum AeOutcome
{
    Recovering,
    Recovered,
    RecoveredWithSequelae,
    NotRecovered,
    Fatal,
    Unknown,
}

public enum ActionTaken
{
    None,
    DoseReduced,
    Interrupted,
    Withdrawn,
}

public sealed record AdverseEventRequest(
    Guid? AdverseEventId,
    PartialDate? OnsetOn,
    DateOnly? AwareOn,
    string? Term,
    string? MeddraPtCode,
    string? MeddraSocCode,
    int? Grade,
    List<string>? SeriousCriteria,
    string? Causality,
    bool? Expected,
    string? Outcome,
    string? ActionTaken,
    PartialDate? ResolvedOn);

/// <summary>An adverse event's report; its onset and resolution as the site knows them (<see cref="PartialDate"/>).</summary>
public sealed record AdverseEventData(
    PartialDate OnsetOn,
    DateOnly AwareOn,
    string Term,
    string? MeddraPtCode,
    string? MeddraSocCode,
    int Grade,
    IReadOnlyList<SeriousCriterion> SeriousCriteria,
    Causality? Causality,
    bool? Expected,
    AeOutcome Outcome,
    ActionTaken ActionTaken,
    PartialDate? ResolvedOn);

/// <summary>An adverse event as first reported; its entry id is the client's <c>adverseEventId</c>.</summary>
public sealed record AdverseEventRecorded(Guid EntryId, Guid VisitId, DateOnly VisitDate, AdverseEventData Data) : IVisitEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>
/// An adverse event: CTCAE grade, seriousness criteria, WHO-UMC causality, expectedness, outcome. Its state
/// with its follow-ups is folded once, by <see cref="AdverseEventFold"/>.
/// </summary>
public sealed class AdverseEventEntry : VisitEntryKindModule<AdverseEventRequest, AdverseEventData, AdverseEventRecorded>
{
    public override EntryKind Kind => EntryKind.AdverseEvent;

    public override string VisitList => "adverseEvents";

    public override IReadOnlyCollection<string> Immutable => ["adverseEventId"];

    public override bool InFacts => true;

    public override EntryForm Form => new("Adverse events", "Adverse event", "Add an adverse event",
    [
        new("term", "Event (verbatim term)", "text"),
        new("onsetOn", "Onset date", "partial-date", Initial: FieldInitial.VisitDate,
            Hint: PartialDate.FormHint),
        new("awareOn", "Date the site became aware", "date", Initial: FieldInitial.VisitDate),
        new("grade", "CTCAE grade", "select", Wide: true, Options: "grade"),
        new("seriousCriteria", "Seriousness criteria (none ticked: not serious)", "multi", Options: "seriousCriteria"),
        new("causality", "Causality (WHO-UMC)", "select", Optional: true, Options: "causality"),
        new("expected", "Expected (in the reference safety information)", "bool", Optional: true),
        new("outcome", "Outcome", "select", Options: "outcome"),
        new("actionTaken", "Action taken with IL-2", "select", Options: "actionTaken", Initial: new(Value: "none")),
        new("resolvedOn", "Resolution date", "partial-date", Optional: true,
            Hint: PartialDate.FormHint),
        new("meddraPtCode", "MedDRA preferred term code", "text", Optional: true, Hint: "8 digits, if coded."),
        new("meddraSocCode", "MedDRA system organ class code", "text", Optional: true),
    ]);

    /// <summary>The onset's first possible day: where the event sorts on the timeline (its data keep the onset as known).</summary>
    public override DateOnly? DateOf(AdverseEventData values) => values.OnsetOn.First;

    public override AdverseEventRecorded Start(Guid entryId, Guid visitId, DateOnly visitDate, AdverseEventData values) =>
        new(entryId, visitId, visitDate, values);

    public override Guid NewEntryId(object request) => ((AdverseEventRequest)request).AdverseEventId!.Value;

    /// <summary>A new event of a visit: its client id is given, unique in the visit and new to the patient.</summary>
    public override AdverseEventData? CheckInVisit(
        EntryRules rules, string path, AdverseEventRequest r, IReadOnlyList<AdverseEventRequest?> visitItems)
    {
        var before = rules.Count;
        if (r.AdverseEventId is not { } aeId || aeId == Guid.Empty)
        {
            rules.Errors.Add($"{path}.adverseEventId",
                "Give the adverse event a client-generated id (a UUID): follow-ups and corrections refer to it.");
        }
        else if (visitItems.Count(x => x?.AdverseEventId == aeId) > 1)
        {
            rules.Errors.Add($"{path}.adverseEventId", "Two adverse events of this visit have the same id.");
        }
        else if (rules.Patient.Entries.ContainsKey(aeId))
        {
            rules.Errors.Add($"{path}.adverseEventId",
                "This id already belongs to an entry of this patient: to add information to that event, send a follow-up.");
        }

        var data = Check(rules, path, r, null, null);
        return rules.Count > before ? null : data;
    }

    public override AdverseEventData? Check(EntryRules rules, string p, AdverseEventRequest r, Guid? self, StateEntry? existing)
    {
        var errors = rules.Errors;
        var start = rules.Count;
        var onsetOn = rules.ClinicalDate(EntryRules.At(p, "onsetOn"), r.OnsetOn, "onset date");
        var awareOn = rules.ClinicalDate(EntryRules.At(p, "awareOn"), r.AwareOn, "date the site became aware of it");
        if (onsetOn is { } onset && awareOn is { } aware && aware < onset.First)
        {
            errors.Add(EntryRules.At(p, "awareOn"),
                $"The site cannot have become aware of it ({aware:yyyy-MM-dd}) before its onset ({onset}).");
        }

        var term = errors.Required(EntryRules.At(p, "term"), r.Term,
            "Give the adverse event's verbatim term, as the patient or physician described it.");
        rules.Text(EntryRules.At(p, "term"), r.Term);
        rules.MeddraCode(EntryRules.At(p, "meddraPtCode"), r.MeddraPtCode, "preferred-term");
        rules.MeddraCode(EntryRules.At(p, "meddraSocCode"), r.MeddraSocCode, "system organ class");
        var grade = rules.Grade(EntryRules.At(p, "grade"), r.Grade, required: true);
        var criteria = rules.Criteria(EntryRules.At(p, "seriousCriteria"), r.SeriousCriteria) ?? [];
        var causality = r.Causality is null ? null : errors.Enumeration<Causality>(EntryRules.At(p, "causality"), r.Causality, "causality");
        var outcome = errors.Enumeration<AeOutcome>(EntryRules.At(p, "outcome"), r.Outcome, "outcome");
        var action = errors.Enumeration<ActionTaken>(EntryRules.At(p, "actionTaken"), r.ActionTaken, "action taken with IL-2");
        rules.ResolvedOn(EntryRules.At(p, "resolvedOn"), r.ResolvedOn, onsetOn, outcome);
        // A correction of the onset is checked against the resolution its follow-ups recorded too.
        if (self is { } id && onsetOn is { } newOnset && rules.Patient.AdverseEvents.ContainsKey(id)
            && AdverseEventFold.Current(rules.Patient, id).ResolvedOn is { } resolvedNow && newOnset.First > resolvedNow.Last)
        {
            errors.Add(EntryRules.At(p, "onsetOn"),
                $"The onset ({newOnset}) cannot follow the resolution a follow-up recorded ({resolvedNow}).");
        }
        rules.FatalityRules(p, grade, criteria, outcome);
        return rules.Count > start
            ? null
            : new AdverseEventData(onsetOn!.Value, awareOn!.Value, term!, EntryRules.Trimmed(r.MeddraPtCode),
                EntryRules.Trimmed(r.MeddraSocCode), grade!.Value, criteria, causality, r.Expected, outcome!.Value, action!.Value,
                r.ResolvedOn);
    }

    public override Table ExportTable(ExportShape shape) => new("ae",
        "Adverse events, with follow-ups applied (worst grade, accumulated seriousness)",
    [
        ExportShape.Usubjid,
        new("aeptcd", ColumnType.Text, null, "MedDRA preferred-term code, when the site coded it"),
        new("aesoccd", ColumnType.Text, null, "MedDRA primary system organ class code"),
        new("aetoxgr", ColumnType.Integer, "CTCAE grade", "Worst CTCAE v5 grade"),
        new("aeser", ColumnType.Text, null, "Y when serious"),
        new("aesercrit", ColumnType.Text, null, "Seriousness criteria, |-separated"),
        new("aerel", ColumnType.Text, null, "Causality (WHO-UMC); empty when not assessed"),
        new("aeexp", ColumnType.Text, null, "Y expected, N unexpected, empty when not assessed"),
        new("aeout", ColumnType.Text, null, "Outcome"),
        shape.Day("aest", "onset (imputed when partial: the first dose's day when in its month or year, else the period's first day)"),
        ExportShape.Flag("aest", "the onset"),
        shape.Day("aeen", "resolution (imputed when partial: the period's last day)"),
        ExportShape.Flag("aeen", "the resolution"),
        .. shape.Text(new Column("aeterm", ColumnType.Text, null, "Verbatim term as the site wrote it (free text)", FreeText: true)),
    ]);

    /// <summary>Each adverse event as its follow-ups leave it (<see cref="AdverseEventFold"/>), in the order first entered.</summary>
    public override IEnumerable<object?[]> ExportRows(ExportPatient p)
    {
        foreach (var (id, entry) in p.State.Current(Kind).OrderBy(e => e.Value.Date).ThenBy(e => e.Key))
        {
            var report = entry.Read<AdverseEventData>();
            var now = AdverseEventFold.Current(p.State, id);
            yield return p.Shape.WithText(
            [
                p.Key, report.MeddraPtCode, report.MeddraSocCode, now.WorstGrade, now.SeriousCriteria.Count > 0 ? "Y" : "N",
                string.Join('|', now.SeriousCriteria.Select(c => Kebab.Name(c))), now.Causality is { } c ? Kebab.Name(c) : null,
                now.Expected is { } x ? (x ? "Y" : "N") : null, Kebab.Name(now.Outcome),
                p.Day(AdverseEventFold.ImputedOnset(report, now, p.FirstDose)), now.OnsetOn.Imputed,
                p.EndDay(now.ResolvedOn), now.ResolvedOn?.Imputed,
            ], report.Term);
        }
    }
}
