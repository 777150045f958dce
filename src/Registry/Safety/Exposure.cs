using Registry.Cohorts;
using Registry.Patients;

namespace Registry.Safety;

/// <summary>A treatment-emergent adverse event as the safety figures count it (corrected, follow-ups applied).</summary>
/// <param name="OnsetOn">The onset, imputed when partial (<see cref="PartialDate.ImputeStart"/>).</param>
public sealed record Teae(Guid AdverseEventId, AdverseEventData Report, AdverseEventNow Now, DateOnly OnsetOn, int TimeToOnsetDays)
{
    public bool Serious => Now.SeriousCriteria.Count > 0;

    /// <summary>MedDRA preferred term when coded; else the verbatim term, lower-cased, standing in for it.</summary>
    public string TermKey => Report.MeddraPtCode ?? Report.Term.Trim().ToLowerInvariant();
}

/// <summary>One exposed patient's window and the adverse events inside it.</summary>
public sealed record PatientExposure(PatientFacts Facts, DateOnly From, DateOnly To, DateOnly? DiedOn, IReadOnlyList<Teae> Events)
{
    public int Days => Math.Max(0, To.DayNumber - From.DayNumber + 1);

    public bool DiscontinuedForAe => Facts.End is { Kind: EntryKind.Withdrawal, Reason: WithdrawalReason.AdverseEvent };
}

/// <summary>
/// Exposure as DOMAIN.md defines it: from the first dose to the earliest of last dose + 28 days,
/// withdrawal, completion, death, or the data cut-off (today for live figures), both ends counted.
/// </summary>
public static class Exposure
{
    public const double DaysPerYear = 365.25;
    public const int DaysAfterLastDose = 28;

    public static PatientExposure? Of(PatientFacts facts, DateOnly cutOff)
    {
        if (facts.FirstDoseOn is not { } first || facts.LastDoseOn is not { } last)
        {
            return null;
        }

        var died = DeathDate(facts);
        var end = new[] { last.AddDays(DaysAfterLastDose), cutOff, facts.End?.On ?? DateOnly.MaxValue, died ?? DateOnly.MaxValue }.Min();
        // A partial onset is imputed as DOMAIN.md says: an event in the first dose's month (or year, when only the year is
        // known) counts from the first dose, so it is treatment-emergent; one known only to an earlier period is not.
        var events = facts.AdverseEvents
            .Select(ae => (ae, Onset: AdverseEventFold.ImputedOnset(ae.Value.Report, facts.Current(ae.Key), first)))
            .Where(x => x.Onset >= first && x.Onset <= end)
            .Select(x => new Teae(x.ae.Key, x.ae.Value.Report, facts.Current(x.ae.Key), x.Onset, StudyDays.Of(first, x.Onset) - 1))
            .ToList();
        return new PatientExposure(facts, first, end, died, events);
    }

    /// <summary>A withdrawal for death (its date), or a grade-5 adverse event (its resolution date, else its onset).</summary>
    public static DateOnly? DeathDate(PatientFacts facts)
    {
        var dates = new List<DateOnly>();
        if (facts.End is { Kind: EntryKind.Withdrawal, Reason: WithdrawalReason.Death } end)
        {
            dates.Add(end.On);
        }

        foreach (var id in facts.AdverseEvents.Keys)
        {
            var now = facts.Current(id);
            if (now.WorstGrade == 5)
            {
                // Known only as a partial onset, a death is imputed as an end (the period's last day), never pulled back to
                // the first dose (which would end the exposure on day 1).
                dates.Add(now.ResolvedOn?.ImputeEnd(null) ?? now.OnsetOn.ImputeEnd(null));
            }
        }

        return dates.Count == 0 ? null : dates.Min();
    }
}
