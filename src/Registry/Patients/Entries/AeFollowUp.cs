using Registry.Infrastructure;
namespace Registry.Patients;

public sealed record AeFollowUpRequest(
    DateOnly? ReportedOn,
    int? Grade,
    List<string>? SeriousCriteria,
    string? Outcome,
    PartialDate? ResolvedOn,
    string? Causality,
    bool? Expected);

public sealed record AeFollowUpData(
    Guid AdverseEventId,
    DateOnly ReportedOn,
    int? Grade,
    IReadOnlyList<SeriousCriterion>? SeriousCriteria,
    AeOutcome? Outcome,
    PartialDate? ResolvedOn,
    Causality? Causality,
    bool? Expected);

/// <summary>New information on an adverse event: grade, seriousness (criteria only ever added), outcome.</summary>
public sealed record AdverseEventFollowedUp(Guid EntryId, AeFollowUpData Data) : IEntryEvent
{
    object IEntryEvent.Values => Data;
}

/// <summary>A follow-up of an adverse event, checked against the event as it stands with its earlier follow-ups.</summary>
public sealed class AeFollowUpEntry : EntryKindModule<AeFollowUpRequest, AeFollowUpData, AdverseEventFollowedUp>
{
    public override EntryKind Kind => EntryKind.AeFollowUp;

    public override bool InFacts => true;

    public override EntryForm Form => new("Follow-up", "Follow-up", null,
    [
        new("reportedOn", "Date the site learnt the new information", "date", Initial: FieldInitial.VisitDate),
        new("grade", "New CTCAE grade", "select", Optional: true, Wide: true, Options: "grade"),
        new("seriousCriteria", "Seriousness criteria to add", "multi", Options: "seriousCriteria"),
        new("outcome", "Outcome", "select", Optional: true, Options: "outcome"),
        new("resolvedOn", "Resolution date", "partial-date", Optional: true,
            Hint: PartialDate.FormHint),
        new("causality", "Causality (WHO-UMC)", "select", Optional: true, Options: "causality"),
        new("expected", "Expected", "bool", Optional: true),
    ]);

    public override DateOnly? DateOf(AeFollowUpData values) => values.ReportedOn;

    /// <summary>A correction of a follow-up: it stays about the same adverse event.</summary>
    public override AeFollowUpData? Check(EntryRules rules, string p, AeFollowUpRequest r, Guid? self, StateEntry? existing) =>
        Check(rules, p, Read(existing!.Data).AdverseEventId, r, self);

    public AeFollowUpData? Check(EntryRules rules, string p, Guid adverseEventId, AeFollowUpRequest r, Guid? self)
    {
        var errors = rules.Errors;
        var start = rules.Count;
        if (!rules.Patient.Entries.TryGetValue(adverseEventId, out var entry) || entry.Kind != EntryKind.AdverseEvent || entry.Voided)
        {
            errors.Add(EntryRules.At(p, "adverseEventId"), "There is no current adverse event with this id for this patient.");
            return null;
        }

        var current = AdverseEventFold.Current(rules.Patient, adverseEventId, excludeFollowUp: self);
        var reportedOn = rules.ClinicalDate(EntryRules.At(p, "reportedOn"), r.ReportedOn, "date the site learnt the new information");
        if (reportedOn is { } reported && reported < current.AwareOn)
        {
            errors.Add(EntryRules.At(p, "reportedOn"),
                $"New information cannot come ({reported:yyyy-MM-dd}) before the site first became aware of the event " +
                $"({current.AwareOn:yyyy-MM-dd}).");
        }

        var grade = rules.Grade(EntryRules.At(p, "grade"), r.Grade, required: false);
        var added = rules.Criteria(EntryRules.At(p, "seriousCriteria"), r.SeriousCriteria);
        var outcome = r.Outcome is null ? null : errors.Enumeration<AeOutcome>(EntryRules.At(p, "outcome"), r.Outcome, "outcome");
        var causality = r.Causality is null ? null : errors.Enumeration<Causality>(EntryRules.At(p, "causality"), r.Causality, "causality");
        rules.ResolvedOn(EntryRules.At(p, "resolvedOn"), r.ResolvedOn, current.OnsetOn, outcome ?? current.Outcome);
        if (r.Grade is null && r.SeriousCriteria is not { Count: > 0 } && r.Outcome is null && r.ResolvedOn is null && r.Causality is null
            && r.Expected is null)
        {
            errors.Add(p.Length == 0 ? "$" : p,
                "A follow-up brings new information: a grade, seriousness criteria, an outcome, a resolution date, " +
                "causality or expectedness.");
        }

        if (rules.Count == start)
        {
            rules.FatalityRules(p, grade ?? current.Grade, current.SeriousCriteria.Union(added ?? []).ToList(), outcome ?? current.Outcome);
        }

        return rules.Count > start
            ? null
            : new AeFollowUpData(adverseEventId, reportedOn!.Value, grade, added, outcome, r.ResolvedOn, causality, r.Expected);
    }
}
