using Registry.Catalogue;
using Registry.Patients;

namespace Registry.Cohorts;

/// <summary>One patient's Treg fold change at a target day; null values say why it is not evaluable.</summary>
public sealed record TregOutcome(bool Treated, TregFact? Baseline, TregFact? AtTarget, double? FoldChange, bool Responder)
{
    public bool Evaluable => FoldChange is not null;
}

public sealed record ClinicalOutcome(decimal? Baseline, decimal? AtTarget, bool? Responder)
{
    public decimal? Change => Baseline is { } b && AtTarget is { } t ? t - b : null;
}

/// <summary>Baselines, target-day measurements and responses for one patient, exactly as DOMAIN.md defines them.</summary>
public sealed class Response(ResponseOptions options)
{
    public ResponseOptions Options => options;

    /// <summary>Same gating, same day: the one recorded later wins (it is the newer information).</summary>
    public static IEnumerable<TregFact> Deduplicated(PatientFacts facts) =>
        facts.Tregs.Values
            .GroupBy(t => (t.SampledOn, t.Gating))
            .Select(g => g.MaxBy(t => t.RecordedSequence)!);

    /// <summary>The last measurement on or before the first dose (a sample on day 1 counts), at most 30 days before it.</summary>
    public TregFact? TregBaseline(PatientFacts facts) =>
        facts.FirstDoseOn is not { } first
            ? null
            : Deduplicated(facts)
                .Where(t => t.SampledOn <= first && t.SampledOn >= first.AddDays(-options.BaselineMaxDaysBefore))
                .OrderBy(t => t.SampledOn).ThenBy(t => t.RecordedSequence)
                .LastOrDefault();

    public TregOutcome Treg(PatientFacts facts, int targetDay)
    {
        if (facts.FirstDoseOn is not { } first)
        {
            return new TregOutcome(false, null, null, null, false);
        }

        var baseline = TregBaseline(facts);
        if (baseline is null || baseline.TregPercentOfCd4 == 0 || baseline.Gating == Gating.Other)
        {
            return new TregOutcome(true, baseline, null, null, false);
        }

        var atTarget = Nearest(
            Deduplicated(facts).Where(t => t.Gating == baseline.Gating), t => StudyDays.Of(first, t.SampledOn), targetDay);
        if (atTarget is null)
        {
            return new TregOutcome(true, baseline, null, null, false);
        }

        var foldChange = (double)(atTarget.TregPercentOfCd4 / baseline.TregPercentOfCd4);
        return new TregOutcome(true, baseline, atTarget, foldChange, Statistics.Round(foldChange, 4) >= options.ResponderFoldChange);
    }

    public ClinicalOutcome Clinical(PatientFacts facts, Instrument instrument, int targetDay)
    {
        if (facts.FirstDoseOn is null)
        {
            return new ClinicalOutcome(null, null, null);
        }

        var (baseline, atTarget) = Scores(facts, instrument, targetDay);
        bool? responder = atTarget is { } value && (baseline is not null || !instrument.Rule.NeedsBaseline)
            ? instrument.Rule.Evaluate(baseline?.Value, value.Value, instrument.HigherIsWorse)
            : null;
        return new ClinicalOutcome(baseline?.Value, atTarget?.Value, responder);
    }

    /// <summary>
    /// The scores a clinical outcome uses: the baseline (the last on or before the first dose, within the baseline window)
    /// and the one nearest the target day; of two on one day, the one recorded later.
    /// </summary>
    public (ScoreFact? Baseline, ScoreFact? AtTarget) Scores(PatientFacts facts, Instrument instrument, int targetDay)
    {
        if (facts.FirstDoseOn is not { } first)
        {
            return (null, null);
        }

        var scores = facts.Scores.Values
            .Where(s => s.Instrument == instrument.Code)
            .GroupBy(s => s.AssessedOn)
            .Select(g => g.MaxBy(s => s.RecordedSequence)!)
            .ToList();
        var baseline = scores
            .Where(s => s.AssessedOn <= first && s.AssessedOn >= first.AddDays(-options.BaselineMaxDaysBefore))
            .MaxBy(s => s.AssessedOn);
        return (baseline, Nearest(scores, s => StudyDays.Of(first, s.AssessedOn), targetDay));
    }

    /// <summary>The measurement nearest the target day within its window; the earlier one on a tie.</summary>
    private T? Nearest<T>(IEnumerable<T> items, Func<T, int> studyDay, int targetDay) where T : class
    {
        var halfWidth = options.HalfWidth(targetDay);
        return items
            .Select(item => (Item: item, Day: studyDay(item)))
            .Where(x => x.Day >= targetDay - halfWidth && x.Day <= targetDay + halfWidth)
            .OrderBy(x => Math.Abs(x.Day - targetDay)).ThenBy(x => x.Day)
            .Select(x => x.Item)
            .FirstOrDefault();
    }
}
