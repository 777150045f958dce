using Registry.Cohorts;
using Registry.Patients;

namespace Registry.Safety;

public sealed record SignalRow(
    string DiseaseCode,
    string? PtCode,
    string Term,
    int A,
    int B,
    int C,
    int D,
    double? Prr,
    double? Ror,
    double[]? RorCi95,
    bool ContinuityCorrected,
    double? Chi2,
    bool Flagged);

/// <summary>
/// Disproportionality of a preferred term in one cohort against all the others (registry convention,
/// DOMAIN.md): counts of exposed patients with at least one treatment-emergent event of the term.
/// </summary>
public static class Signals
{
    public const int MinCases = 3;
    public const double MinPrr = 2;
    public const double MinChi2 = 4;

    public static IReadOnlyList<SignalRow> Compute(IReadOnlyList<PatientFacts> patients, DateOnly cutOff)
    {
        var exposed = patients.Select(p => Exposure.Of(p, cutOff)).OfType<PatientExposure>().ToList();
        var cohorts = exposed.GroupBy(e => e.Facts.DiseaseCode).ToDictionary(g => g.Key, g => g.ToList());
        if (cohorts.Count < 2)
        {
            return [];
        }

        var terms = exposed.SelectMany(e => e.Events).GroupBy(ae => ae.TermKey)
            .ToDictionary(g => g.Key, g => (
                PtCode: g.First().Report.MeddraPtCode,
                Term: g.GroupBy(x => x.Report.Term.Trim())
                    .OrderByDescending(x => x.Count())
                    .ThenBy(x => x.Key, StringComparer.Ordinal)
                    .First().Key));
        var rows = new List<SignalRow>();
        foreach (var (disease, members) in cohorts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var others = exposed.Where(e => e.Facts.DiseaseCode != disease).ToList();
            foreach (var (key, term) in terms.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                var a = members.Count(e => e.Events.Any(ae => ae.TermKey == key));
                if (a == 0)
                {
                    continue;
                }

                var c = others.Count(e => e.Events.Any(ae => ae.TermKey == key));
                rows.Add(Row(disease, term.PtCode, term.Term, a, members.Count - a, c, others.Count - c));
            }
        }

        return rows;
    }

    public static SignalRow Row(string disease, string? ptCode, string term, int a, int b, int c, int d)
    {
        double? prr = a + b == 0 || c + d == 0 || c == 0 ? null : (double)a / (a + b) / ((double)c / (c + d));
        double? ror = b == 0 || c == 0 ? null : (double)a * d / ((double)b * c);
        var corrected = a == 0 || b == 0 || c == 0 || d == 0;
        var (ca, cb, cc, cd) = corrected ? (a + 0.5, b + 0.5, c + 0.5, d + 0.5) : (a, b, c, (double)d);
        var logRor = Math.Log(ca * cd / (cb * cc));
        var se = Math.Sqrt(1 / ca + 1 / cb + 1 / cc + 1 / cd);
        double[] ci =
            [Statistics.Round(Math.Exp(logRor - Statistics.Z95 * se), 4), Statistics.Round(Math.Exp(logRor + Statistics.Z95 * se), 4)];
        double n = a + b + c + d;
        var margins = (double)(a + b) * (c + d) * (a + c) * (b + d);
        double? chi2 = margins == 0 ? null : n * Math.Pow((double)a * d - (double)b * c, 2) / margins;
        var flagged = a >= MinCases && prr >= MinPrr && chi2 >= MinChi2;
        return new SignalRow(disease, ptCode, term, a, b, c, d, Statistics.Round(prr, 4), Statistics.Round(ror, 4), ci, corrected,
            Statistics.Round(chi2, 4), flagged);
    }
}
