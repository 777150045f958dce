namespace Registry.Cohorts;

/// <summary>
/// The registry's response conventions (DOMAIN.md), configurable in the <c>Response</c> section.
/// Defaults: targets at study days 8, 15, 29, 85 and 183; the day-8 window is days 6 to 10, the others
/// ± 20 % of their distance from day 1, rounded half away from zero; baseline at most 30 days before
/// the first dose; a responder's fold change is at least 1.5 after rounding to 4 decimals; clinical
/// response at day 85; rates and intervals only from 5 evaluable patients.
/// </summary>
public sealed class ResponseOptions
{
    public const string Section = "Response";

    public List<int> TargetDays { get; set; } = [8, 15, 29, 85, 183];

    public int PrimaryTargetDay { get; set; } = 8;

    /// <summary>Half-widths given explicitly rather than by <see cref="WindowFraction"/> (day 8: ± 2).</summary>
    public Dictionary<int, int> WindowHalfWidths { get; set; } = new() { [8] = 2 };

    public double WindowFraction { get; set; } = 0.2;

    public int BaselineMaxDaysBefore { get; set; } = 30;

    public double ResponderFoldChange { get; set; } = 1.5;

    public int ClinicalTargetDay { get; set; } = 85;

    public int MinEvaluableForRates { get; set; } = 5;

    /// <summary>
    /// Below this many values a median, quartile or mean is not shown (null), as a rate is not below
    /// <see cref="MinEvaluableForRates"/>: with two or three patients a median is nearly a patient's own value.
    /// The count beside it (evaluable, with a change) is always shown.
    /// </summary>
    public int MinEvaluableForSummaries { get; set; } = 5;

    /// <summary>A median, quartile or mean of <paramref name="values"/> values, or null below the minimum.</summary>
    public double? Summary(int values, double? summary) => values >= MinEvaluableForSummaries ? summary : null;

    public int HalfWidth(int targetDay) =>
        WindowHalfWidths.TryGetValue(targetDay, out var fixedWidth)
            ? fixedWidth
            : (int)Math.Round(WindowFraction * (targetDay - 1), MidpointRounding.AwayFromZero);
}
