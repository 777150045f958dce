namespace Registry.Catalogue;

/// <summary>
/// One condition of an instrument's primary response rule. Measures, all in the instrument's direction:
/// <c>improvement</c> (points better than baseline), <c>improvementPercent</c> (% of baseline),
/// <c>worsening</c>, <c>worseningPercent</c>, and <c>value</c> (the value at the target day).
/// </summary>
public sealed record RuleClause(string Measure, string Op, decimal Value);

/// <summary>An instrument's primary response rule, as data (catalogue.seed.json): clauses combined with all or any.</summary>
public sealed record ResponseRule(string Combine, IReadOnlyList<RuleClause> Clauses)
{
    public const string Value = "value";

    /// <summary>False for rules on the value at the target only (CGI-I, total improvement score, BVAS remission).</summary>
    public bool NeedsBaseline => Clauses.Any(c => c.Measure != Value);

    /// <summary>Whether a patient responds; null when not evaluable (no baseline, or a percentage of a zero baseline).</summary>
    public bool? Evaluate(decimal? baseline, decimal value, bool higherIsWorse)
    {
        var results = new List<bool>();
        foreach (var clause in Clauses)
        {
            decimal? measured = clause.Measure switch
            {
                Value => value,
                "improvement" => baseline is { } b ? Better(b, value, higherIsWorse) : null,
                "worsening" => baseline is { } b ? -Better(b, value, higherIsWorse) : null,
                "improvementPercent" => baseline is { } b and not 0 ? Better(b, value, higherIsWorse) / b * 100 : null,
                "worseningPercent" => baseline is { } b and not 0 ? -Better(b, value, higherIsWorse) / b * 100 : null,
                _ => throw new InvalidOperationException($"Unknown rule measure '{clause.Measure}'."),
            };
            if (measured is not { } m)
            {
                return null;
            }

            results.Add(clause.Op switch
            {
                ">=" => m >= clause.Value,
                ">" => m > clause.Value,
                "<=" => m <= clause.Value,
                "<" => m < clause.Value,
                "==" => m == clause.Value,
                _ => throw new InvalidOperationException($"Unknown rule operator '{clause.Op}'."),
            });
        }

        return Combine == "any" ? results.Any(r => r) : results.All(r => r);
    }

    private static decimal Better(decimal baseline, decimal value, bool higherIsWorse) =>
        higherIsWorse ? baseline - value : value - baseline;
}
