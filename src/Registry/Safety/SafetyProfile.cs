using System.Globalization;
using Registry.Cohorts;
using Registry.Patients;

namespace Registry.Safety;

public sealed record PtFigures(string? PtCode, string Term, int Patients, int Events, IReadOnlyDictionary<string, int> WorstGrade);

public sealed record SocFigures(
    string? SocCode,
    int Patients,
    int Events,
    double? EairPer100Py,
    double[]? EairCi95,
    IReadOnlyList<PtFigures> ByPt);

public sealed record OnsetFigures(int N, double? Median, double? Q1, double? Q3, IReadOnlyDictionary<string, int> ByWeek);

public sealed record ProfileFigures(
    string? DiseaseCode,
    int ExposedPatients,
    double PatientYears,
    int PatientsWithAe,
    int Events,
    int SeriousEvents,
    int Deaths,
    int DiscontinuationsDueToAe,
    double? EairPer100Py,
    double[]? EairCi95,
    double? EaerPer100Py,
    IReadOnlyList<SocFigures> BySoc,
    OnsetFigures TimeToOnset,
    DateOnly CutOff,
    AsOf AsOf);

/// <summary>The safety profile of a set of patients (a cohort, or all), as DOMAIN.md defines its figures.</summary>
public static class SafetyProfile
{
    public static ProfileFigures Compute(string? diseaseCode, IReadOnlyList<PatientFacts> patients, DateOnly cutOff, AsOf asOf)
    {
        var exposed = patients.Select(p => Exposure.Of(p, cutOff)).OfType<PatientExposure>().ToList();
        var years = exposed.Sum(e => e.Days) / Exposure.DaysPerYear;
        var events = exposed.SelectMany(e => e.Events.Select(ae => (Patient: e, Event: ae))).ToList();
        var withAe = exposed.Count(e => e.Events.Count > 0);
        var (eair, ci) = Rate(withAe, years);
        var (eaer, _) = Rate(events.Count, years);

        var bySoc = events
            .GroupBy(x => x.Event.Report.MeddraPtCode is null ? null : x.Event.Report.MeddraSocCode)
            .Select(soc =>
            {
                var (socRate, socCi) = Rate(soc.Select(x => x.Patient.Facts.Id).Distinct().Count(), years);
                return new SocFigures(
                    soc.Key,
                    soc.Select(x => x.Patient.Facts.Id).Distinct().Count(),
                    soc.Count(),
                    socRate,
                    socCi,
                    soc.GroupBy(x => x.Event.TermKey)
                        .Select(pt => new PtFigures(
                            pt.First().Event.Report.MeddraPtCode,
                            pt.GroupBy(x => x.Event.Report.Term.Trim())
                                .OrderByDescending(g => g.Count())
                                .ThenBy(g => g.Key, StringComparer.Ordinal)
                                .First().Key,
                            pt.Select(x => x.Patient.Facts.Id).Distinct().Count(),
                            pt.Count(),
                            WorstGrades(pt.GroupBy(x => x.Patient.Facts.Id).Select(g => g.Max(x => x.Event.Now.WorstGrade)))))
                        .OrderByDescending(p => p.Patients).ThenBy(p => p.Term, StringComparer.Ordinal)
                        .ToList());
            })
            .OrderByDescending(s => s.Patients).ThenBy(s => s.SocCode ?? "~", StringComparer.Ordinal)
            .ToList();

        var onsets = events.Select(x => (double)x.Event.TimeToOnsetDays).ToList();
        var byWeek = events
            .GroupBy(x => x.Event.TimeToOnsetDays / 7)
            .OrderBy(g => g.Key)
            .ToDictionary(g => $"{g.Key * 7}-{g.Key * 7 + 6}", g => g.Count());

        return new ProfileFigures(
            diseaseCode,
            exposed.Count,
            Statistics.Round(years, 4),
            withAe,
            events.Count,
            events.Count(x => x.Event.Serious),
            exposed.Count(e => e.DiedOn is not null),
            exposed.Count(e => e.DiscontinuedForAe),
            eair,
            ci,
            eaer,
            bySoc,
            new OnsetFigures(
                onsets.Count, Statistics.Median(onsets), Statistics.Quantile(onsets, 0.25), Statistics.Quantile(onsets, 0.75), byWeek),
            cutOff,
            asOf);
    }

    /// <summary>Per 100 patient-years, with the exact (Garwood) 95 % Poisson interval.</summary>
    public static (double? Rate, double[]? Ci) Rate(int count, double patientYears)
    {
        if (patientYears <= 0)
        {
            return (null, null);
        }

        var (low, high) = Statistics.Garwood(count);
        return (Statistics.Round(count / patientYears * 100, 4),
            [Statistics.Round(low / patientYears * 100, 4), Statistics.Round(high / patientYears * 100, 4)]);
    }

    /// <summary>How many patients had each worst grade, 1 to 5, from counts by grade.</summary>
    public static Dictionary<string, int> WorstGrades(IEnumerable<(int Grade, int Patients)> patientsByWorstGrade)
    {
        var counts = patientsByWorstGrade.ToList();
        return Enumerable.Range(1, 5).ToDictionary(g => g.ToString(CultureInfo.InvariantCulture),
            g => counts.Where(x => x.Grade == g).Sum(x => x.Patients));
    }

    private static Dictionary<string, int> WorstGrades(IEnumerable<int> worstPerPatient)
    {
        var grades = worstPerPatient.ToList();
        return Enumerable.Range(1, 5).ToDictionary(g => g.ToString(CultureInfo.InvariantCulture), g => grades.Count(x => x == g));
    }
}
