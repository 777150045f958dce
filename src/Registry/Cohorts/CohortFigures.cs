using Registry.Catalogue;
using Registry.Patients;

namespace Registry.Cohorts;

/// <summary>
/// The point of the event log figures reflect: <see cref="Sequence"/> the last event, <see cref="At"/> its
/// timestamp. <see cref="Complete"/> (live figures only): true when they include every write committed
/// before the request; false when the projections had not caught up within the wait's bound.
/// </summary>
public sealed record AsOf(
    long Sequence,
    DateTimeOffset? At,
    [property: System.Text.Json.Serialization.JsonIgnore(
        Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    bool? Complete = null);

public sealed record TregFigures(
    int TargetDay,
    int Evaluable,
    double? MedianFoldChange,
    double? Q1,
    double? Q3,
    int Responders,
    double? ResponderRate,
    double[]? ResponderRateCi95,
    double? ResponderRateTreated);

public sealed record ClinicalFigures(
    string Instrument,
    int TargetDay,
    int Evaluable,
    double? MeanChange,
    int Responders,
    int WithChange,
    double? ResponderRate);

public sealed record CgiImprovementFigures(int TargetDay, int N, IReadOnlyDictionary<string, int> Counts, int Improved);

public sealed record TregTconvFigures(
    int TargetDay,
    int WithBaselineRatio,
    double? MedianBaselineRatio,
    int WithChange,
    double? MedianRatioFoldChange);

public sealed record CohortSummary(
    string DiseaseCode,
    int Enrolled,
    int Treated,
    TregFigures Treg,
    IReadOnlyList<ClinicalFigures> Clinical,
    AsOf AsOf,
    IReadOnlyList<TregFigures>? ByTargetDay = null,
    CgiImprovementFigures? CgiImprovement = null,
    TregTconvFigures? TregTconv = null);

/// <summary>
/// A disease cohort's response figures: from PostgreSQL's aggregates of the patients' figure rows
/// (<see cref="FromAggregates"/>, what the endpoints serve), or from the patients' facts in memory
/// (<see cref="Summarise"/>, the definition the rows and the tests follow); both give the same numbers.
/// </summary>
public sealed class CohortFigures(Response response, DiseaseCatalogue catalogue)
{
    private ResponseOptions Options => response.Options;

    /// <summary>The target days of the Treg figures a summary shows (<paramref name="detail"/>: every one).</summary>
    public IReadOnlyCollection<int> TregDays(bool detail) =>
        detail ? [.. Options.TargetDays, Options.PrimaryTargetDay] : [Options.PrimaryTargetDay];

    /// <summary>The measures a summary reads (<paramref name="detail"/>: every target day, CGI-I and Treg : Tconv too).</summary>
    public IReadOnlyCollection<string> Measures(IEnumerable<string> diseaseCodes, bool detail) =>
    [
        PatientFigureRows.Patient,
        PatientFigureRows.Treg,
        .. diseaseCodes.SelectMany(d => catalogue.FindDisease(d)?.Instruments ?? [])
            .Select(i => PatientFigureRows.Clinical(i.Code))
            .Distinct(),
        .. detail ? new[] { PatientFigureRows.TregTconvBaseline, PatientFigureRows.TregTconvChange } : [],
    ];

    /// <summary>The summary from the cohort's aggregates, in the same shape and with the same numbers as <see cref="Summarise"/>.</summary>
    public CohortSummary FromAggregates(string diseaseCode, CohortAggregates cohort, AsOf asOf, bool detail)
    {
        var patients = cohort.Find(PatientFigureRows.Patient, 0);
        var treated = patients?.Responders ?? 0;
        var instruments = catalogue.FindDisease(diseaseCode)?.Instruments ?? [];
        var cgiI = instruments.FirstOrDefault(i => i.Code == "cgi-i");
        return new CohortSummary(
            diseaseCode,
            patients?.Rows ?? 0,
            treated,
            Treg(cohort.Find(PatientFigureRows.Treg, Options.PrimaryTargetDay), Options.PrimaryTargetDay, treated),
            instruments.Select(i => Clinical(cohort.Find(PatientFigureRows.Clinical(i.Code), Options.ClinicalTargetDay), i.Code)).ToList(),
            asOf,
            detail ? Options.TargetDays.Select(day => Treg(cohort.Find(PatientFigureRows.Treg, day), day, treated)).ToList() : null,
            detail && cgiI is not null ? CgiImprovement(cohort.AtTarget) : null,
            detail ? TregTconv(cohort) : null);
    }

    private TregFigures Treg(FigureAggregate? rows, int targetDay, int treated)
    {
        var evaluable = rows?.WithValue ?? 0;
        var responders = rows?.Responders ?? 0;
        var enough = evaluable >= Options.MinEvaluableForRates;
        var ci = enough ? Statistics.Wilson(responders, evaluable) : null;
        return new TregFigures(
            targetDay,
            evaluable,
            Statistics.Round(Options.Summary(evaluable, rows?.Median), 4),
            Statistics.Round(Options.Summary(evaluable, rows?.Q1), 4),
            Statistics.Round(Options.Summary(evaluable, rows?.Q3), 4),
            responders,
            enough ? Statistics.Round((double)responders / evaluable, 4) : null,
            ci is { } interval ? [Statistics.Round(interval.Low, 4), Statistics.Round(interval.High, 4)] : null,
            enough && treated > 0 ? Statistics.Round((double)responders / treated, 4) : null);
    }

    private ClinicalFigures Clinical(FigureAggregate? rows, string instrument)
    {
        var evaluable = rows?.Evaluable ?? 0;
        var responders = rows?.Responders ?? 0;
        return new ClinicalFigures(
            instrument,
            Options.ClinicalTargetDay,
            evaluable,
            rows?.MeanChange is { } mean && Options.Summary(rows.WithValue, 0) is not null ? Statistics.Round(mean, 4) : null,
            responders,
            rows?.WithValue ?? 0,
            evaluable >= Options.MinEvaluableForRates ? Statistics.Round((double)responders / evaluable, 4) : null);
    }

    private CgiImprovementFigures CgiImprovement(IReadOnlyDictionary<decimal, int> atTarget)
    {
        var counts = Enumerable.Range(1, 7).ToDictionary(
            v => v.ToString(System.Globalization.CultureInfo.InvariantCulture),
            v => atTarget.Where(x => x.Key == v).Sum(x => x.Value));
        return new CgiImprovementFigures(
            Options.ClinicalTargetDay, atTarget.Values.Sum(), counts, atTarget.Where(x => x.Key <= 2).Sum(x => x.Value));
    }

    private TregTconvFigures TregTconv(CohortAggregates cohort)
    {
        var baseline = cohort.Find(PatientFigureRows.TregTconvBaseline, Options.PrimaryTargetDay);
        var change = cohort.Find(PatientFigureRows.TregTconvChange, Options.PrimaryTargetDay);
        return new TregTconvFigures(
            Options.PrimaryTargetDay,
            baseline?.WithValue ?? 0,
            Statistics.Round(Options.Summary(baseline?.WithValue ?? 0, baseline?.Median), 4),
            change?.WithValue ?? 0,
            Statistics.Round(Options.Summary(change?.WithValue ?? 0, change?.Median), 4));
    }

    public CohortSummary Summarise(string diseaseCode, IReadOnlyList<PatientFacts> patients, AsOf asOf, bool detail)
    {
        var treated = patients.Count(p => p.FirstDoseOn is not null);
        var instruments = catalogue.FindDisease(diseaseCode)?.Instruments ?? [];
        return new CohortSummary(
            diseaseCode,
            patients.Count,
            treated,
            Treg(patients, Options.PrimaryTargetDay, treated),
            instruments.Select(i => Clinical(patients, i, Options.ClinicalTargetDay)).ToList(),
            asOf,
            detail ? Options.TargetDays.Select(day => Treg(patients, day, treated)).ToList() : null,
            detail ? CgiImprovement(patients, instruments.FirstOrDefault(i => i.Code == "cgi-i")) : null,
            detail ? TregTconv(patients, Options.PrimaryTargetDay) : null);
    }

    public TregFigures Treg(IReadOnlyList<PatientFacts> patients, int targetDay, int treated)
    {
        var outcomes = patients.Select(p => response.Treg(p, targetDay)).Where(o => o.Evaluable).ToList();
        var foldChanges = outcomes.Select(o => o.FoldChange!.Value).ToList();
        var responders = outcomes.Count(o => o.Responder);
        var enough = outcomes.Count >= Options.MinEvaluableForRates;
        var ci = enough ? Statistics.Wilson(responders, outcomes.Count) : null;
        return new TregFigures(
            targetDay,
            outcomes.Count,
            Statistics.Round(Options.Summary(outcomes.Count, Statistics.Median(foldChanges)), 4),
            Statistics.Round(Options.Summary(outcomes.Count, Statistics.Quantile(foldChanges, 0.25)), 4),
            Statistics.Round(Options.Summary(outcomes.Count, Statistics.Quantile(foldChanges, 0.75)), 4),
            responders,
            enough ? Statistics.Round((double)responders / outcomes.Count, 4) : null,
            ci is { } interval ? [Statistics.Round(interval.Low, 4), Statistics.Round(interval.High, 4)] : null,
            enough && treated > 0 ? Statistics.Round((double)responders / treated, 4) : null);
    }

    public ClinicalFigures Clinical(IReadOnlyList<PatientFacts> patients, Instrument instrument, int targetDay)
    {
        var outcomes = patients.Select(p => response.Clinical(p, instrument, targetDay)).ToList();
        var changes = outcomes.Where(o => o.Change is not null).Select(o => o.Change!.Value).ToList();
        var evaluable = outcomes.Count(o => o.Responder is not null);
        var responders = outcomes.Count(o => o.Responder == true);
        return new ClinicalFigures(
            instrument.Code,
            targetDay,
            evaluable,
            changes.Count == 0 || Options.Summary(changes.Count, 0) is null ? null : Statistics.Round(changes.Average(), 4),
            responders,
            changes.Count,
            evaluable >= Options.MinEvaluableForRates ? Statistics.Round((double)responders / evaluable, 4) : null);
    }

    private CgiImprovementFigures? CgiImprovement(IReadOnlyList<PatientFacts> patients, Instrument? cgiI)
    {
        if (cgiI is null)
        {
            return null;
        }

        var values = patients.Select(p => response.Clinical(p, cgiI, Options.ClinicalTargetDay).AtTarget).OfType<decimal>().ToList();
        var counts = Enumerable.Range(1, 7).ToDictionary(
            v => v.ToString(System.Globalization.CultureInfo.InvariantCulture),
            v => values.Count(x => x == v));
        return new CgiImprovementFigures(Options.ClinicalTargetDay, values.Count, counts, values.Count(v => v <= 2));
    }

    /// <summary>Treg : Tconv ratio where sites give conventional T-cell figures: at baseline, and its fold change at the target.</summary>
    private TregTconvFigures TregTconv(IReadOnlyList<PatientFacts> patients, int targetDay)
    {
        var baselines = new List<double>();
        var changes = new List<double>();
        foreach (var patient in patients)
        {
            var outcome = response.Treg(patient, targetDay);
            if (outcome.Baseline is not { TconvPercentOfCd4: > 0 } b || b.TregPercentOfCd4 == 0)
            {
                continue;
            }

            var baselineRatio = (double)(b.TregPercentOfCd4 / b.TconvPercentOfCd4!.Value);
            baselines.Add(baselineRatio);
            if (outcome.AtTarget is { TconvPercentOfCd4: > 0 } t)
            {
                changes.Add((double)(t.TregPercentOfCd4 / t.TconvPercentOfCd4!.Value) / baselineRatio);
            }
        }

        return new TregTconvFigures(
            targetDay,
            baselines.Count,
            Statistics.Round(Options.Summary(baselines.Count, Statistics.Median(baselines)), 4),
            changes.Count,
            Statistics.Round(Options.Summary(changes.Count, Statistics.Median(changes)), 4));
    }
}
