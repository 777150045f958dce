namespace Registry.Patients;

/// <summary>An adverse event as it stands: its report (as corrected) with its follow-ups applied in order.</summary>
public sealed record AdverseEventNow(
    DateOnly OnsetOn,
    DateOnly AwareOn,
    int Grade,
    int WorstGrade,
    IReadOnlyList<SeriousCriterion> SeriousCriteria,
    AeOutcome Outcome,
    DateOnly? ResolvedOn,
    Causality? Causality,
    bool? Expected)
{
    /// <summary>The event as first reported (or as corrected), before any follow-up.</summary>
    public static AdverseEventNow From(AdverseEventData report) => new(report.OnsetOn, report.AwareOn, report.Grade, report.Grade,
        report.SeriousCriteria, report.Outcome, report.ResolvedOn, report.Causality, report.Expected);
}

public static class AdverseEvents
{
    /// <summary>
    /// Folds an adverse event with its current follow-ups: the latest grade, the worst grade it has had,
    /// seriousness criteria accumulated, the latest outcome, causality and expectedness.
    /// </summary>
    public static AdverseEventNow Current(PatientState patient, Guid adverseEventId, Guid? excludeFollowUp = null)
    {
        var now = AdverseEventNow.From(patient.Entries[adverseEventId].Read<AdverseEventData>());
        foreach (var (id, entry) in patient.Current(EntryKinds.AeFollowUp))
        {
            var followUp = entry.Read<AeFollowUpData>();
            if (id != excludeFollowUp && followUp.AdverseEventId == adverseEventId)
            {
                now = Apply(now, followUp);
            }
        }

        return now;
    }

    public static AdverseEventNow Apply(AdverseEventNow now, AeFollowUpData f) => now with
    {
        Grade = f.Grade ?? now.Grade,
        WorstGrade = Math.Max(now.WorstGrade, f.Grade ?? now.Grade),
        SeriousCriteria = now.SeriousCriteria.Union(f.SeriousCriteria ?? []).ToList(),
        Outcome = f.Outcome ?? now.Outcome,
        ResolvedOn = f.ResolvedOn ?? now.ResolvedOn,
        Causality = f.Causality ?? now.Causality,
        Expected = f.Expected ?? now.Expected,
    };
}
