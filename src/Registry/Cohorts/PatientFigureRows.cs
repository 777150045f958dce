using Registry.Catalogue;
using Registry.Patients;

namespace Registry.Cohorts;

/// <summary>
/// One patient's contributions to the cohort figures, exactly as <see cref="CohortFigures"/> counts them,
/// computed by the facts projection and aggregated by PostgreSQL (<see cref="CohortFigureQuery"/>):
/// a <c>patient</c> row (treated or not), a <c>treg</c> row per target day (the fold change when evaluable),
/// a <c>clinical:&lt;instrument&gt;</c> row
/// per instrument of the disease at the clinical target day (the change, the response, the value at the
/// target), and the Treg : Tconv ratio at baseline and its fold change at the primary target day.
/// Changing the response settings or the catalogue's instruments takes a rebuild of the facts.
/// </summary>
public sealed class PatientFigureRows(Response response, DiseaseCatalogue catalogue) : IPatientFigures
{
    /// <summary>One per patient: Responder says whether the patient was treated (has a first dose).</summary>
    public const string Patient = "patient";

    public const string Treg = "treg";

    public const string TregTconvBaseline = "tregtconv-baseline";

    public const string TregTconvChange = "tregtconv-change";

    public static string Clinical(string instrument) => "clinical:" + instrument;

    public void Apply(PatientFacts facts) => facts.Figures = Of(facts);

    public List<FigureRow> Of(PatientFacts facts)
    {
        var options = response.Options;
        var rows = new List<FigureRow> { new(Patient, 0, null, facts.FirstDoseOn is not null) };
        foreach (var day in options.TargetDays.Append(options.PrimaryTargetDay).Distinct())
        {
            var outcome = response.Treg(facts, day);
            rows.Add(new FigureRow(Treg, day, outcome.FoldChange, outcome.Evaluable ? outcome.Responder : null));
        }

        foreach (var instrument in catalogue.FindDisease(facts.DiseaseCode)?.Instruments ?? [])
        {
            var outcome = response.Clinical(facts, instrument, options.ClinicalTargetDay);
            rows.Add(new FigureRow(Clinical(instrument.Code), options.ClinicalTargetDay,
                outcome.Change is { } change ? (double)change : null, outcome.Responder, outcome.AtTarget, outcome.Change));
        }

        var primary = response.Treg(facts, options.PrimaryTargetDay);
        if (primary.Baseline is { TconvPercentOfCd4: > 0 } b && b.TregPercentOfCd4 != 0)
        {
            var baselineRatio = (double)(b.TregPercentOfCd4 / b.TconvPercentOfCd4!.Value);
            rows.Add(new FigureRow(TregTconvBaseline, options.PrimaryTargetDay, baselineRatio));
            if (primary.AtTarget is { TconvPercentOfCd4: > 0 } t)
            {
                rows.Add(new FigureRow(TregTconvChange, options.PrimaryTargetDay,
                    (double)(t.TregPercentOfCd4 / t.TconvPercentOfCd4!.Value) / baselineRatio));
            }
        }

        return rows;
    }
}
