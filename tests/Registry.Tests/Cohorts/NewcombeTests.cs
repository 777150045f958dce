using Registry.Cohorts;

namespace Registry.Tests.Cohorts;

/// <summary>
/// The Newcombe hybrid-score interval of a difference of proportions (Newcombe 1998, method 10; DOMAIN.md): the worked
/// examples of Newcombe's Table II, to 4 decimals, and one zero cell worked by hand from its two Wilson intervals.
/// </summary>
public sealed class NewcombeTests
{
    [Theory]
    [InlineData(56, 70, 48, 80, 0.2, 0.0524, 0.3339)]
    [InlineData(9, 10, 3, 10, 0.6, 0.1705, 0.8090)]
    [InlineData(6, 7, 2, 7, 0.5714, 0.0582, 0.8062)]
    [InlineData(5, 56, 0, 29, 0.0893, -0.0381, 0.1926)]
    [InlineData(0, 10, 0, 20, 0.0, -0.1611, 0.2775)]
    [InlineData(0, 10, 0, 10, 0.0, -0.2775, 0.2775)]
    [InlineData(10, 10, 0, 20, 1.0, 0.6791, 1.0)]
    [InlineData(10, 10, 0, 10, 1.0, 0.6075, 1.0)]
    public void newcombe_s_examples_give_his_intervals(int k1, int n1, int k2, int n2, double d, double low, double high)
    {
        var (difference, l, h) = Statistics.Newcombe(k1, n1, k2, n2)!.Value;

        Assert.Equal(d, Math.Round(difference, 4));
        Assert.Equal(low, Math.Round(l, 4));
        Assert.Equal(high, Math.Round(h, 4));
    }

    [Fact]
    public void a_zero_cell_worked_by_hand_from_the_two_wilson_intervals()
    {
        // 0/10 versus 0/20: p1 = p2 = 0. Wilson (z = 1.96): 0/n has l = 0 and u = z² / (n + z²).
        const double z2 = 1.959963984540054 * 1.959963984540054;
        var u1 = z2 / (10 + z2);
        var u2 = z2 / (20 + z2);
        Assert.Equal((0.0, u1), Statistics.Wilson(0, 10)!.Value, new Tolerance());
        Assert.Equal((0.0, u2), Statistics.Wilson(0, 20)!.Value, new Tolerance());
        // lower = d − √((p1 − l1)² + (u2 − p2)²) = −u2; upper = d + √((u1 − p1)² + (p2 − l2)²) = u1.
        var (difference, low, high) = Statistics.Newcombe(0, 10, 0, 20)!.Value;

        Assert.Equal(0.0, difference);
        Assert.Equal(-u2, low, 12);
        Assert.Equal(u1, high, 12);
        Assert.Equal(-0.1611, Math.Round(low, 4));
        Assert.Equal(0.2775, Math.Round(high, 4));
    }

    [Fact]
    public void an_empty_group_has_no_difference()
    {
        Assert.Null(Statistics.Newcombe(0, 0, 3, 10));
        Assert.Null(Statistics.Newcombe(3, 10, 0, 0));
    }

    private sealed class Tolerance : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) x, (double, double) y) =>
            Math.Abs(x.Item1 - y.Item1) < 1e-12 && Math.Abs(x.Item2 - y.Item2) < 1e-12;

        public int GetHashCode((double, double) obj) => 0;
    }
}
