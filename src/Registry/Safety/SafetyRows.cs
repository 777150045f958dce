using Registry.Patients;

namespace Registry.Safety;

/// <summary>
/// What a patient's facts contribute to the safety profile and signals: the exposure window before any cut-off and the
/// treatment-emergent events inside it (<see cref="Exposure"/> with no cut-off). Computed by the facts projection;
/// triggers copy them into <c>registry.exposure_rows</c> and <c>registry.teae_rows</c>, which <see cref="SafetyQuery"/>
/// aggregates with the request's cut-off.
/// </summary>
public sealed class SafetyRows : IPatientFigures
{
    public void Apply(PatientFacts facts)
    {
        var exposure = Exposure.Of(facts, DateOnly.MaxValue);
        facts.Exposure = exposure is null
            ? null
            : new ExposureRow(exposure.From, exposure.To, exposure.DiedOn is not null, exposure.DiscontinuedForAe);
        facts.Teaes = exposure?.Events
            .Select(e => new TeaeRow(e.AdverseEventId, e.OnsetOn, e.Report.MeddraPtCode is null ? null : e.Report.MeddraSocCode,
                e.Report.MeddraPtCode, e.TermKey, e.Report.Term.Trim(), e.Now.WorstGrade, e.Serious, e.TimeToOnsetDays))
            .ToList() ?? [];
        facts.SeriousAdverseEventIds = facts.AeHistory
            .Where(h => h.Value.Any(m => m.Now is { SeriousCriteria.Count: > 0 }))
            .Select(h => h.Key)
            .Order()
            .ToList();
    }
}
