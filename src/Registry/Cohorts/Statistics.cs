using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Registry.Cohorts;

/// <summary>The statistics of DOMAIN.md, as pure functions (known-answer tests in Registry.Tests).</summary>
public static class Statistics
{
    public const double Z95 = 1.959963984540054;

    /// <summary>The p-quantile by linear interpolation between order statistics (R's and numpy's default, "type 7").</summary>
    public static double? Quantile(IReadOnlyCollection<double> values, double p) =>
        values.Count == 0 ? null : SortedArrayStatistics.QuantileCustom(values.Order().ToArray(), p, QuantileDefinition.R7);

    public static double? Median(IReadOnlyCollection<double> values) => Quantile(values, 0.5);

    /// <summary><see cref="Quantile"/> of values already in ascending order (no sort, no copy).</summary>
    public static double? QuantileOfSorted(double[] sorted, double p) =>
        sorted.Length == 0 ? null : SortedArrayStatistics.QuantileCustom(sorted, p, QuantileDefinition.R7);

    /// <summary>95 % Wilson score interval of a proportion.</summary>
    public static (double Low, double High)? Wilson(int successes, int n)
    {
        if (n == 0)
        {
            return null;
        }

        var p = (double)successes / n;
        var z2 = Z95 * Z95;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = Z95 / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>
    /// The difference of two proportions p1 − p2 with its Newcombe hybrid-score 95 % interval (Newcombe 1998, method 10),
    /// from the two Wilson intervals (l1, u1) and (l2, u2): lower = d − √((p1 − l1)² + (u2 − p2)²), upper =
    /// d + √((u1 − p1)² + (p2 − l2)²) (DOMAIN.md, "Comparing two rates"). Null when either group is empty.
    /// </summary>
    public static (double Difference, double Low, double High)? Newcombe(int k1, int n1, int k2, int n2)
    {
        if (Wilson(k1, n1) is not { } w1 || Wilson(k2, n2) is not { } w2)
        {
            return null;
        }

        var p1 = (double)k1 / n1;
        var p2 = (double)k2 / n2;
        var d = p1 - p2;
        var low = d - Math.Sqrt(((p1 - w1.Low) * (p1 - w1.Low)) + ((w2.High - p2) * (w2.High - p2)));
        var high = d + Math.Sqrt(((w1.High - p1) * (w1.High - p1)) + ((p2 - w2.Low) * (p2 - w2.Low)));
        return (d, Math.Max(-1, low), Math.Min(1, high));
    }

    /// <summary>
    /// Exact (Garwood) 95 % interval of a Poisson count: [χ²(0.025; 2k)/2, χ²(0.975; 2k+2)/2], the lower
    /// bound 0 when k = 0. Divide by the exposure for a rate.
    /// </summary>
    public static (double Low, double High) Garwood(int k)
    {
        var low = k == 0 ? 0 : ChiSquared.InvCDF(2 * k, 0.025) / 2;
        var high = ChiSquared.InvCDF(2 * k + 2, 0.975) / 2;
        return (low, high);
    }

    public static double Round(double value, int decimals) => Math.Round(value, decimals, MidpointRounding.AwayFromZero);

    public static double? Round(double? value, int decimals) => value is { } v ? Round(v, decimals) : null;

    /// <summary>An exact decimal (a mean of score changes) rounded half away from zero, then as a double.</summary>
    public static double Round(decimal value, int decimals) => (double)Math.Round(value, decimals, MidpointRounding.AwayFromZero);
}
