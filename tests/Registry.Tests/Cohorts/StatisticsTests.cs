using Registry.Cohorts;
using Registry.Patients;

namespace Registry.Tests.Cohorts;

/// <summary>Known answers, worked by hand (the working is in each test).</summary>
public sealed class StatisticsTests
{
    [Fact]
    public void median_of_an_odd_and_an_even_count()
    {
        Assert.Equal(2, Statistics.Median([3, 1, 2]));
        // Even: the mean of the two middle values, (2 + 3) / 2.
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
        Assert.Null(Statistics.Median([]));
    }

    [Fact]
    public void quartiles_interpolate_between_order_statistics_as_r_and_numpy_do()
    {
        // Type 7: h = (n − 1)·p; q = x[floor h] + (h − floor h)·(x[floor h + 1] − x[floor h]).
        // [1, 2, 3, 4]: q1 → h = 0.75 → 1 + 0.75 = 1.75; q3 → h = 2.25 → 3 + 0.25 = 3.25.
        Assert.Equal(1.75, Statistics.Quantile([1, 2, 3, 4], 0.25)!.Value, 10);
        Assert.Equal(3.25, Statistics.Quantile([1, 2, 3, 4], 0.75)!.Value, 10);
        // [1.2, 1.5, 1.8, 2.4, 3.0]: q1 → h = 1 → 1.5; q3 → h = 3 → 2.4.
        Assert.Equal(1.5, Statistics.Quantile([3.0, 1.2, 2.4, 1.5, 1.8], 0.25)!.Value, 10);
        Assert.Equal(2.4, Statistics.Quantile([3.0, 1.2, 2.4, 1.5, 1.8], 0.75)!.Value, 10);
    }

    [Fact]
    public void wilson_interval_of_8_out_of_10()
    {
        // p = 0.8, z² = 3.8415: centre = (0.8 + 0.19207) / 1.38415 = 0.71674;
        // half = 1.96 / 1.38415 · √(0.016 + 0.0096037) = 0.22658 → [0.4902, 0.9433].
        var (low, high) = Statistics.Wilson(8, 10)!.Value;
        Assert.Equal(0.4902, low, 4);
        Assert.Equal(0.9433, high, 4);
    }

    [Fact]
    public void garwood_interval_of_a_poisson_count()
    {
        // k = 0: [0, χ²(0.975; 2) / 2] = [0, 7.3778 / 2] = [0, 3.6889].
        var zero = Statistics.Garwood(0);
        Assert.Equal(0, zero.Low);
        Assert.Equal(3.6889, zero.High, 4);
        // k = 5: [χ²(0.025; 10) / 2, χ²(0.975; 12) / 2] = [3.2470 / 2, 23.3367 / 2] = [1.6235, 11.6683].
        var five = Statistics.Garwood(5);
        Assert.Equal(1.6235, five.Low, 4);
        Assert.Equal(11.6683, five.High, 4);
    }

    [Fact]
    public void study_days_have_no_day_zero()
    {
        var first = new DateOnly(2026, 3, 9);
        Assert.Equal(1, StudyDays.Of(first, first));
        Assert.Equal(8, StudyDays.Of(first, new DateOnly(2026, 3, 16)));
        Assert.Equal(-1, StudyDays.Of(first, new DateOnly(2026, 3, 8)));
    }

    [Fact]
    public void target_windows_are_6_to_10_for_day_8_and_20_percent_of_the_distance_otherwise()
    {
        var options = new ResponseOptions();
        Assert.Equal(2, options.HalfWidth(8));
        Assert.Equal(3, options.HalfWidth(15));   // 0.2 · 14 = 2.8 → 3
        Assert.Equal(6, options.HalfWidth(29));   // 0.2 · 28 = 5.6 → 6
        Assert.Equal(17, options.HalfWidth(85));  // 0.2 · 84 = 16.8 → 17
        Assert.Equal(36, options.HalfWidth(183)); // 0.2 · 182 = 36.4 → 36
    }
}
