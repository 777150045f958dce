using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Tests.Cohorts;

/// <summary>
/// Every boundary of DOMAIN.md's response rules (study days, windows, baselines, the responder threshold) and
/// every field of the cohort figures, with hand-computed answers. The first dose is on 2026-03-09 (study day 1).
/// </summary>
public sealed class ResponseRuleTests
{
    private static readonly DateOnly FirstDose = new(2026, 3, 9);
    private static readonly Response Rules = new(new ResponseOptions());

    /// <summary>Medians, quartiles and means shown from one value: the arithmetic checked on a handful of patients.</summary>
    private static readonly Response Arithmetic = new(new ResponseOptions { MinEvaluableForSummaries = 1 });
    private static readonly AsOf AsOf = new(42, new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private static readonly Instrument Sledai = new("sledai-2k", "SLEDAI-2K", 0, 105, true, "points", true, "fall >= 4 (SRI-4 core)", null,
        new ResponseRule("all", [new RuleClause("improvement", ">=", 4)]));

    private static readonly Instrument Pasi = new("pasi", "PASI", 0, 72, false, "points", true, "fall >= 75 % (PASI 75)", null,
        new ResponseRule("all", [new RuleClause("improvementPercent", ">=", 75)]));

    private static readonly Instrument CgiS = new("cgi-s", "CGI severity", 1, 7, true, "points", true, "fall >= 1 (reg.)", null,
        new ResponseRule("all", [new RuleClause("improvement", ">=", 1)]));

    private static readonly Instrument CgiI = new("cgi-i", "CGI improvement", 1, 7, true, "points", true, "value <= 2 at target", null,
        new ResponseRule("all", [new RuleClause("value", "<=", 2)]));

    private static readonly Instrument Das28 = new("das28-crp", "DAS28-CRP", 0, 10, false, "points", true, "EULAR good", null,
        new ResponseRule("all", [new RuleClause("improvement", ">", 1.2m), new RuleClause("value", "<=", 3.2m)]));

    /// <summary>Lupus with CGI-I last (so a lookup that took any other instrument shows); RA without CGI-I.</summary>
    private static readonly DiseaseCatalogue Catalogue = new(
    [
        new Disease("sle", "Systemic lupus erythematosus", [Sledai, CgiS, CgiI]),
        new Disease("psoriasis", "Psoriasis", [Pasi, CgiS, CgiI]),
        new Disease("ra", "Rheumatoid arthritis", [Das28]),
    ]);

    private long _sequence;

    private static DateOnly Day(int studyDay) => studyDay >= 1 ? FirstDose.AddDays(studyDay - 1) : FirstDose.AddDays(studyDay);

    private static PatientFacts Patient(string disease = "sle", bool treated = true)
    {
        var patient = new PatientFacts
        {
            Id = Guid.NewGuid(),
            SiteId = "FR01",
            SubjectCode = "FR01-0001",
            DiseaseCode = disease,
            EnrolledOn = FirstDose.AddDays(-10),
        };
        if (treated)
        {
            patient.Doses[Guid.NewGuid()] =
                new DoseData(FirstDose, null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false);
        }

        return patient;
    }

    private TregFact Treg(PatientFacts patient, int studyDay, decimal percent, Gating gating = Gating.Cd4Cd25Foxp3, decimal? tconv = null)
    {
        var fact = new TregFact(Day(studyDay), percent, gating, tconv, ++_sequence);
        patient.Tregs[Guid.NewGuid()] = fact;
        return fact;
    }

    private void Score(PatientFacts patient, string instrument, int studyDay, decimal value) =>
        patient.Scores[Guid.NewGuid()] = new ScoreFact(Day(studyDay), instrument, value, ++_sequence);

    /// <summary>A treated patient with a baseline of 4 % on day 1 and 4 % × the fold change on day 8.</summary>
    private PatientFacts WithFoldChange(decimal foldChange)
    {
        var patient = Patient();
        Treg(patient, 1, 4m);
        Treg(patient, 8, 4m * foldChange);
        return patient;
    }

    private PatientFacts WithScores(Instrument instrument, decimal? baseline, decimal? atDay85, string disease = "sle")
    {
        var patient = Patient(disease);
        if (baseline is { } b)
        {
            Score(patient, instrument.Code, 1, b);
        }

        if (atDay85 is { } t)
        {
            Score(patient, instrument.Code, 85, t);
        }

        return patient;
    }

    // ---- Study days and windows ----

    [Fact]
    public void study_day_1_is_the_first_dose_and_the_day_before_is_minus_1()
    {
        Assert.Equal(1, StudyDays.Of(FirstDose, FirstDose));
        Assert.Equal(2, StudyDays.Of(FirstDose, FirstDose.AddDays(1)));
        Assert.Equal(8, StudyDays.Of(FirstDose, FirstDose.AddDays(7)));
        Assert.Equal(-1, StudyDays.Of(FirstDose, FirstDose.AddDays(-1)));
        Assert.Equal(-30, StudyDays.Of(FirstDose, FirstDose.AddDays(-30)));
    }

    [Theory]
    [InlineData(8, 2)]     // fixed: days 6 to 10
    [InlineData(2, 0)]     // 0.2 · 1 = 0.2 → 0
    [InlineData(3, 0)]     // 0.2 · 2 = 0.4 → 0
    [InlineData(4, 1)]     // 0.2 · 3 = 0.6 → 1
    [InlineData(15, 3)]    // 0.2 · 14 = 2.8 → 3
    [InlineData(29, 6)]    // 0.2 · 28 = 5.6 → 6
    [InlineData(85, 17)]   // 0.2 · 84 = 16.8 → 17
    [InlineData(183, 36)]  // 0.2 · 182 = 36.4 → 36 (0.2 · 184 = 36.8 would give 37)
    public void half_widths_are_fixed_for_day_8_and_twenty_percent_of_the_distance_from_day_1_otherwise(int targetDay, int halfWidth) =>
        Assert.Equal(halfWidth, new ResponseOptions().HalfWidth(targetDay));

    [Fact]
    public void a_half_width_exactly_between_two_whole_days_rounds_away_from_zero()
    {
        var options = new ResponseOptions { WindowFraction = 0.5, WindowHalfWidths = new() };
        Assert.Equal(1, options.HalfWidth(2));   // 0.5 · 1 = 0.5 → 1 (to even: 0)
        Assert.Equal(3, options.HalfWidth(6));   // 0.5 · 5 = 2.5 → 3 (to even: 2)
        Assert.Equal(4, options.HalfWidth(8));   // no fixed width left: 0.5 · 7 = 3.5 → 4
    }

    [Fact]
    public void the_default_options_are_the_domains_conventions()
    {
        var options = new ResponseOptions();
        Assert.Equal(new[] { 8, 15, 29, 85, 183 }, options.TargetDays);
        Assert.Equal(8, options.PrimaryTargetDay);
        var day8 = Assert.Single(options.WindowHalfWidths);
        Assert.Equal(8, day8.Key);
        Assert.Equal(2, day8.Value);
        Assert.Equal(0.2, options.WindowFraction);
        Assert.Equal(30, options.BaselineMaxDaysBefore);
        Assert.Equal(1.5, options.ResponderFoldChange);
        Assert.Equal(85, options.ClinicalTargetDay);
        Assert.Equal(5, options.MinEvaluableForRates);
        Assert.Equal("Response", ResponseOptions.Section);
        Assert.Same(options, new Response(options).Options);
    }

    // ---- Treg baseline ----

    [Fact]
    public void an_untreated_patient_has_no_baseline_and_is_not_treated()
    {
        var patient = Patient(treated: false);
        Treg(patient, 1, 4m);
        Treg(patient, 8, 8m);

        Assert.Null(Rules.TregBaseline(patient));
        var outcome = Rules.Treg(patient, 8);
        Assert.False(outcome.Treated);
        Assert.Null(outcome.Baseline);
        Assert.Null(outcome.AtTarget);
        Assert.Null(outcome.FoldChange);
        Assert.False(outcome.Responder);
        Assert.False(outcome.Evaluable);
    }

    [Fact]
    public void a_sample_on_day_1_is_the_baseline_and_a_sample_on_day_2_is_not()
    {
        var patient = Patient();
        Treg(patient, -3, 3m);
        var day1 = Treg(patient, 1, 4m);
        Treg(patient, 2, 9m);

        Assert.Same(day1, Rules.TregBaseline(patient));
    }

    [Fact]
    public void a_sample_30_days_before_the_first_dose_is_a_baseline_and_one_31_days_before_is_not()
    {
        var at30 = Patient();
        var sample = Treg(at30, -30, 3m);
        Assert.Same(sample, Rules.TregBaseline(at30));

        var at31 = Patient();
        Treg(at31, -31, 3m);
        Treg(at31, 8, 6m);
        Assert.Null(Rules.TregBaseline(at31));
        var outcome = Rules.Treg(at31, 8);
        Assert.True(outcome.Treated);
        Assert.Null(outcome.Baseline);
        Assert.Null(outcome.AtTarget);
        Assert.Null(outcome.FoldChange);
        Assert.False(outcome.Responder);
        Assert.False(outcome.Evaluable);
    }

    [Fact]
    public void the_latest_sample_before_the_first_dose_is_the_baseline_whatever_the_order_recorded()
    {
        var patient = Patient();
        Treg(patient, -20, 2m);
        var latest = Treg(patient, -2, 3m);
        Treg(patient, -10, 5m);

        Assert.Same(latest, Rules.TregBaseline(patient));
    }

    [Fact]
    public void two_samples_of_one_gating_on_one_day_the_one_recorded_later_is_the_baseline()
    {
        var patient = Patient();
        Treg(patient, 1, 4m);
        var later = Treg(patient, 1, 5m);

        Assert.Same(later, Rules.TregBaseline(patient));
    }

    [Fact]
    public void two_samples_of_different_gatings_on_one_day_the_one_recorded_later_is_the_baseline_and_sets_the_gating()
    {
        var patient = Patient();
        Treg(patient, 1, 4m, Gating.Cd4Cd25Foxp3);
        var later = Treg(patient, 1, 6m, Gating.Cd4Cd25hiCd127lo);
        Treg(patient, 8, 12m, Gating.Cd4Cd25Foxp3);
        var sameGating = Treg(patient, 8, 9m, Gating.Cd4Cd25hiCd127lo);

        var outcome = Rules.Treg(patient, 8);

        Assert.Same(later, outcome.Baseline);
        Assert.Same(sameGating, outcome.AtTarget);
        Assert.Equal(1.5, outcome.FoldChange);   // 9 / 6, never 12 / 6
    }

    // ---- Treg fold change and responders ----

    [Fact]
    public void the_fold_change_is_the_target_sample_over_the_baseline()
    {
        var patient = Patient();
        var baseline = Treg(patient, 1, 4m);
        var day8 = Treg(patient, 8, 7m);

        var outcome = Rules.Treg(patient, 8);

        Assert.True(outcome.Treated);
        Assert.Same(baseline, outcome.Baseline);
        Assert.Same(day8, outcome.AtTarget);
        Assert.Equal(1.75, outcome.FoldChange);   // 7 / 4
        Assert.True(outcome.Responder);
        Assert.True(outcome.Evaluable);
    }

    [Fact]
    public void a_fold_change_of_exactly_1_5_is_a_response()
    {
        var patient = Patient();
        Treg(patient, 1, 2m);
        Treg(patient, 8, 3m);

        var outcome = Rules.Treg(patient, 8);

        Assert.Equal(1.5, outcome.FoldChange);
        Assert.True(outcome.Responder);
    }

    [Fact]
    public void the_threshold_applies_to_the_fold_change_rounded_to_four_decimals()
    {
        // 7.4998 / 5 = 1.49996 → 1.5000: a responder, the fold change itself kept unrounded.
        var up = Patient();
        Treg(up, 1, 5m);
        Treg(up, 8, 7.4998m);
        var rounded = Rules.Treg(up, 8);
        Assert.Equal(1.49996, rounded.FoldChange);
        Assert.True(rounded.Responder);

        // 7.4997 / 5 = 1.49994 → 1.4999: not a responder.
        var down = Patient();
        Treg(down, 1, 5m);
        Treg(down, 8, 7.4997m);
        var below = Rules.Treg(down, 8);
        Assert.Equal(1.49994, below.FoldChange);
        Assert.False(below.Responder);
        Assert.True(below.Evaluable);
    }

    [Fact]
    public void a_zero_baseline_is_treated_but_not_evaluable()
    {
        var patient = Patient();
        var zero = Treg(patient, 1, 0m);
        Treg(patient, 8, 3m);

        var outcome = Rules.Treg(patient, 8);

        Assert.True(outcome.Treated);
        Assert.Same(zero, outcome.Baseline);
        Assert.Null(outcome.AtTarget);
        Assert.Null(outcome.FoldChange);
        Assert.False(outcome.Responder);
        Assert.False(outcome.Evaluable);
    }

    [Fact]
    public void a_baseline_of_gating_other_is_treated_but_not_evaluable()
    {
        var patient = Patient();
        var other = Treg(patient, 1, 4m, Gating.Other);
        Treg(patient, 8, 8m, Gating.Other);

        var outcome = Rules.Treg(patient, 8);

        Assert.True(outcome.Treated);
        Assert.Same(other, outcome.Baseline);
        Assert.Null(outcome.AtTarget);
        Assert.Null(outcome.FoldChange);
        Assert.False(outcome.Responder);
    }

    [Fact]
    public void without_a_sample_in_the_window_the_patient_keeps_the_baseline_but_is_not_evaluable()
    {
        // Day 8's window is days 6 to 10: days 5 and 11 are outside it.
        var patient = Patient();
        var baseline = Treg(patient, 1, 4m);
        Treg(patient, 5, 8m);
        Treg(patient, 11, 8m);

        var outcome = Rules.Treg(patient, 8);

        Assert.True(outcome.Treated);
        Assert.Same(baseline, outcome.Baseline);
        Assert.Null(outcome.AtTarget);
        Assert.Null(outcome.FoldChange);
        Assert.False(outcome.Responder);
        Assert.False(outcome.Evaluable);
    }

    [Fact]
    public void the_day_8_window_includes_days_6_and_10()
    {
        var day6 = Patient();
        Treg(day6, 1, 4m);
        Treg(day6, 6, 6m);
        Assert.Equal(1.5, Rules.Treg(day6, 8).FoldChange);   // 6 / 4

        var day10 = Patient();
        Treg(day10, 1, 4m);
        Treg(day10, 10, 8m);
        Assert.Equal(2.0, Rules.Treg(day10, 8).FoldChange);  // 8 / 4
    }

    [Theory]
    [InlineData(11, false)]   // day 15 ± 3: days 12 to 18
    [InlineData(12, true)]
    [InlineData(18, true)]
    [InlineData(19, false)]
    public void later_targets_have_a_window_of_twenty_percent_of_their_distance_from_day_1(int sampleDay, bool inWindow)
    {
        var patient = Patient();
        Treg(patient, 1, 4m);
        Treg(patient, sampleDay, 10m);

        var outcome = Rules.Treg(patient, 15);

        Assert.Equal(inWindow, outcome.Evaluable);
        Assert.Equal(inWindow ? 2.5 : (double?)null, outcome.FoldChange);   // 10 / 4
    }

    [Fact]
    public void the_sample_nearest_the_target_day_wins()
    {
        // Day 6 is 2 days from day 8, day 9 only 1: day 9 wins (10 / 4 = 2.5).
        var patient = Patient();
        Treg(patient, 1, 4m);
        Treg(patient, 6, 6m);
        var nearest = Treg(patient, 9, 10m);

        var outcome = Rules.Treg(patient, 8);

        Assert.Same(nearest, outcome.AtTarget);
        Assert.Equal(2.5, outcome.FoldChange);
    }

    [Fact]
    public void a_tie_for_nearest_goes_to_the_earlier_day()
    {
        // Days 9 and 7 are both one day from day 8; day 9 was recorded first, day 7 wins (6 / 4 = 1.5).
        var patient = Patient();
        Treg(patient, 1, 4m);
        Treg(patient, 9, 8m);
        var earlier = Treg(patient, 7, 6m);

        var outcome = Rules.Treg(patient, 8);

        Assert.Same(earlier, outcome.AtTarget);
        Assert.Equal(1.5, outcome.FoldChange);
    }

    [Fact]
    public void two_target_samples_of_one_gating_on_one_day_the_one_recorded_later_counts()
    {
        var patient = Patient();
        Treg(patient, 1, 4m);
        Treg(patient, 8, 6m);
        var later = Treg(patient, 8, 10m);

        var outcome = Rules.Treg(patient, 8);

        Assert.Same(later, outcome.AtTarget);
        Assert.Equal(2.5, outcome.FoldChange);   // 10 / 4
    }

    [Fact]
    public void only_samples_of_the_baselines_gating_count_at_the_target()
    {
        // The day-8 sample has another gating: the day-9 one (6 / 4 = 1.5) counts, not 12 / 4.
        var patient = Patient();
        Treg(patient, 1, 4m, Gating.Cd4Cd25Foxp3);
        Treg(patient, 8, 12m, Gating.Cd4Cd25hiCd127lo);
        var sameGating = Treg(patient, 9, 6m, Gating.Cd4Cd25Foxp3);

        var outcome = Rules.Treg(patient, 8);

        Assert.Same(sameGating, outcome.AtTarget);
        Assert.Equal(1.5, outcome.FoldChange);
    }

    [Fact]
    public void an_outcome_is_evaluable_exactly_when_it_has_a_fold_change()
    {
        Assert.True(new TregOutcome(true, null, null, 1.2, false).Evaluable);
        Assert.False(new TregOutcome(true, null, null, null, false).Evaluable);
    }

    // ---- Clinical response ----

    [Fact]
    public void an_untreated_patient_has_no_clinical_baseline_target_or_verdict()
    {
        var patient = Patient(treated: false);
        Score(patient, Sledai.Code, 1, 10m);
        Score(patient, Sledai.Code, 85, 2m);

        var outcome = Rules.Clinical(patient, Sledai, 85);

        Assert.Null(outcome.Baseline);
        Assert.Null(outcome.AtTarget);
        Assert.Null(outcome.Responder);
        Assert.Null(outcome.Change);
    }

    [Fact]
    public void the_clinical_change_is_the_target_score_minus_the_baseline_and_the_rule_judges_it()
    {
        var responder = Rules.Clinical(WithScores(Sledai, 10m, 6m), Sledai, 85);
        Assert.Equal(10m, responder.Baseline);
        Assert.Equal(6m, responder.AtTarget);
        Assert.Equal(-4m, responder.Change);   // 6 − 10: a fall of 4
        Assert.True(responder.Responder);

        var fallOf3 = Rules.Clinical(WithScores(Sledai, 10m, 7m), Sledai, 85);
        Assert.Equal(-3m, fallOf3.Change);      // a fall of 3 < 4
        Assert.False(fallOf3.Responder);
    }

    [Fact]
    public void the_clinical_baseline_is_the_latest_score_up_to_day_1_and_not_after()
    {
        var patient = Patient();
        Score(patient, Sledai.Code, -2, 11m);
        Score(patient, Sledai.Code, 1, 10m);
        Score(patient, Sledai.Code, 2, 30m);
        Score(patient, Sledai.Code, 85, 6m);

        var outcome = Rules.Clinical(patient, Sledai, 85);

        Assert.Equal(10m, outcome.Baseline);
        Assert.Equal(6m, outcome.AtTarget);
        Assert.True(outcome.Responder);
    }

    [Fact]
    public void a_clinical_baseline_may_be_30_days_before_the_first_dose_but_not_31()
    {
        var at30 = Patient();
        Score(at30, Sledai.Code, -30, 12m);
        Score(at30, Sledai.Code, 85, 8m);
        var within = Rules.Clinical(at30, Sledai, 85);
        Assert.Equal(12m, within.Baseline);
        Assert.True(within.Responder);          // 8 − 12 = −4

        var at31 = Patient();
        Score(at31, Sledai.Code, -31, 20m);
        Score(at31, Sledai.Code, 85, 10m);
        var tooEarly = Rules.Clinical(at31, Sledai, 85);
        Assert.Null(tooEarly.Baseline);
        Assert.Equal(10m, tooEarly.AtTarget);
        Assert.Null(tooEarly.Change);
        Assert.Null(tooEarly.Responder);        // a rule on change needs a baseline
    }

    [Fact]
    public void two_scores_on_one_day_the_one_recorded_later_counts()
    {
        var patient = Patient();
        Score(patient, Sledai.Code, 1, 10m);
        Score(patient, Sledai.Code, 1, 12m);
        Score(patient, Sledai.Code, 85, 9m);
        Score(patient, Sledai.Code, 85, 8m);

        var outcome = Rules.Clinical(patient, Sledai, 85);

        Assert.Equal(12m, outcome.Baseline);
        Assert.Equal(8m, outcome.AtTarget);
        Assert.Equal(-4m, outcome.Change);
        Assert.True(outcome.Responder);
    }

    [Fact]
    public void scores_of_other_instruments_are_left_out()
    {
        var patient = Patient();
        Score(patient, CgiS.Code, -1, 7m);
        Score(patient, Sledai.Code, 1, 10m);
        Score(patient, Sledai.Code, 85, 6m);
        Score(patient, CgiS.Code, 85, 1m);

        var outcome = Rules.Clinical(patient, Sledai, 85);

        Assert.Equal(10m, outcome.Baseline);
        Assert.Equal(6m, outcome.AtTarget);
    }

    [Theory]
    [InlineData(67, null)]   // day 85 ± 17: days 68 to 102
    [InlineData(68, 5)]
    [InlineData(102, 5)]
    [InlineData(103, null)]
    public void the_clinical_target_window_is_days_68_to_102(int day, int? expected)
    {
        var patient = Patient();
        Score(patient, Sledai.Code, 1, 10m);
        Score(patient, Sledai.Code, day, 5m);

        var outcome = Rules.Clinical(patient, Sledai, 85);

        Assert.Equal(10m, outcome.Baseline);
        Assert.Equal((decimal?)expected, outcome.AtTarget);
        Assert.Equal(expected is null ? null : (bool?)true, outcome.Responder);
    }

    [Fact]
    public void the_clinical_target_is_the_score_nearest_day_85()
    {
        // Day 88 is 3 days from day 85, day 80 five.
        var patient = Patient();
        Score(patient, Sledai.Code, 1, 10m);
        Score(patient, Sledai.Code, 80, 4m);
        Score(patient, Sledai.Code, 88, 7m);

        var outcome = Rules.Clinical(patient, Sledai, 85);

        Assert.Equal(7m, outcome.AtTarget);
        Assert.False(outcome.Responder);
    }

    [Fact]
    public void a_rule_on_the_value_at_the_target_needs_no_baseline()
    {
        var improved = Rules.Clinical(WithScores(CgiI, null, 2m), CgiI, 85);
        Assert.Null(improved.Baseline);
        Assert.Equal(2m, improved.AtTarget);
        Assert.Null(improved.Change);
        Assert.True(improved.Responder);

        Assert.False(Rules.Clinical(WithScores(CgiI, null, 3m), CgiI, 85).Responder);
    }

    [Fact]
    public void without_a_target_score_there_is_no_verdict()
    {
        var outcome = Rules.Clinical(WithScores(Sledai, 10m, null), Sledai, 85);

        Assert.Equal(10m, outcome.Baseline);
        Assert.Null(outcome.AtTarget);
        Assert.Null(outcome.Change);
        Assert.Null(outcome.Responder);
    }

    [Fact]
    public void a_percentage_rule_with_a_zero_baseline_has_a_change_but_no_verdict()
    {
        var outcome = Rules.Clinical(WithScores(Pasi, 0m, 5m, "psoriasis"), Pasi, 85);

        Assert.Equal(0m, outcome.Baseline);
        Assert.Equal(5m, outcome.Change);
        Assert.Null(outcome.Responder);
    }

    [Fact]
    public void a_change_needs_both_a_baseline_and_a_target()
    {
        Assert.Equal(-4m, new ClinicalOutcome(10m, 6m, true).Change);
        Assert.Null(new ClinicalOutcome(null, 6m, null).Change);
        Assert.Null(new ClinicalOutcome(10m, null, null).Change);
    }

    // ---- Cohort figures ----

    [Fact]
    public void treg_figures_of_no_patients_are_empty()
    {
        var figures = new CohortFigures(Rules, Catalogue).Treg([], 8, 0);

        Assert.Equal(8, figures.TargetDay);
        Assert.Equal(0, figures.Evaluable);
        Assert.Null(figures.MedianFoldChange);
        Assert.Null(figures.Q1);
        Assert.Null(figures.Q3);
        Assert.Equal(0, figures.Responders);
        Assert.Null(figures.ResponderRate);
        Assert.Null(figures.ResponderRateCi95);
        Assert.Null(figures.ResponderRateTreated);
    }

    [Fact]
    public void treg_figures_of_four_evaluable_patients_show_no_rates_and_with_summaries_allowed_their_quartiles()
    {
        // Fold changes 1.2, 1.5, 1.8, 2.0 (type 7): q1 → h = 0.75 → 1.2 + 0.75 · 0.3 = 1.425;
        // median → h = 1.5 → 1.65; q3 → h = 2.25 → 1.8 + 0.25 · 0.2 = 1.85. Responders: 1.5, 1.8, 2.0.
        var patients = new List<PatientFacts> { WithFoldChange(2.0m), WithFoldChange(1.2m), WithFoldChange(1.8m), WithFoldChange(1.5m) };
        var notEvaluable = Patient();
        Treg(notEvaluable, 1, 4m);
        patients.Add(notEvaluable);
        patients.Add(Patient(treated: false));

        var figures = new CohortFigures(Arithmetic, Catalogue).Treg(patients, 8, 5);

        Assert.Equal(8, figures.TargetDay);
        Assert.Equal(4, figures.Evaluable);
        Assert.Equal(1.65, figures.MedianFoldChange);
        Assert.Equal(1.425, figures.Q1);
        Assert.Equal(1.85, figures.Q3);
        Assert.Equal(3, figures.Responders);
        Assert.Null(figures.ResponderRate);
        Assert.Null(figures.ResponderRateCi95);
        Assert.Null(figures.ResponderRateTreated);
    }

    [Fact]
    public void below_five_values_no_median_quartile_or_mean_is_shown_but_the_counts_are()
    {
        var four = new List<PatientFacts> { WithFoldChange(2.0m), WithFoldChange(1.2m), WithFoldChange(1.8m), WithFoldChange(1.5m) };
        var treg = new CohortFigures(Rules, Catalogue).Treg(four, 8, 4);
        Assert.Equal(4, treg.Evaluable);
        Assert.Equal(3, treg.Responders);
        Assert.Null(treg.MedianFoldChange);
        Assert.Null(treg.Q1);
        Assert.Null(treg.Q3);

        var fifth = four.Append(WithFoldChange(2.5m)).ToList();
        Assert.Equal(1.8, new CohortFigures(Rules, Catalogue).Treg(fifth, 8, 5).MedianFoldChange);

        var scores = new[] { 6m, 6m, 7m }.Select(t => WithScores(Sledai, 10m, t)).ToList();
        var clinical = new CohortFigures(Rules, Catalogue).Clinical(scores, Sledai, 85);
        Assert.Equal(3, clinical.WithChange);
        Assert.Null(clinical.MeanChange);
    }

    [Fact]
    public void treg_figures_of_five_evaluable_patients_show_rates_and_a_wilson_interval()
    {
        // Fold changes 1.0, 1.2, 1.4, 1.5, 3.0: q1 → h = 1 → 1.2; median 1.4; q3 → h = 3 → 1.5.
        // 2 responders of 5 = 0.4; Wilson: centre (0.4 + 0.38415) / 1.76829 = 0.44345,
        // half 1.10839 · √(0.048 + 0.038415) = 0.32583 → [0.1176, 0.7693]; 2 of 8 treated = 0.25.
        var patients = new[] { 1.0m, 1.2m, 1.4m, 1.5m, 3.0m }.Select(WithFoldChange).ToList();
        var cohort = new CohortFigures(Rules, Catalogue);

        var figures = cohort.Treg(patients, 8, 8);

        Assert.Equal(5, figures.Evaluable);
        Assert.Equal(1.4, figures.MedianFoldChange);
        Assert.Equal(1.2, figures.Q1);
        Assert.Equal(1.5, figures.Q3);
        Assert.Equal(2, figures.Responders);
        Assert.Equal(0.4, figures.ResponderRate);
        Assert.Equal([0.1176, 0.7693], figures.ResponderRateCi95!);
        Assert.Equal(0.25, figures.ResponderRateTreated);

        // No treated patient given: no rate among the treated, the rest unchanged.
        var noneTreated = cohort.Treg(patients, 8, 0);
        Assert.Equal(0.4, noneTreated.ResponderRate);
        Assert.Null(noneTreated.ResponderRateTreated);
    }

    [Fact]
    public void clinical_figures_count_changes_verdicts_and_responders_separately()
    {
        // PASI, fall ≥ 75 %: 20 → 4 falls 80 % (responder, change −16); 20 → 10 falls 50 % (change −10);
        // 0 → 0 has a change (0) but no verdict; a target without baseline has neither; the untreated and a
        // baseline without target count nowhere. Mean change (−16 − 10 + 0) / 3 = −8.6667.
        var patients = new List<PatientFacts>
        {
            WithScores(Pasi, 20m, 4m, "psoriasis"),
            WithScores(Pasi, 20m, 10m, "psoriasis"),
            WithScores(Pasi, 0m, 0m, "psoriasis"),
            WithScores(Pasi, null, 3m, "psoriasis"),
            WithScores(Pasi, 10m, null, "psoriasis"),
            Patient("psoriasis", treated: false),
        };

        var figures = new CohortFigures(Arithmetic, Catalogue).Clinical(patients, Pasi, 85);

        Assert.Equal("pasi", figures.Instrument);
        Assert.Equal(85, figures.TargetDay);
        Assert.Equal(2, figures.Evaluable);
        Assert.Equal(-8.6667, figures.MeanChange);
        Assert.Equal(1, figures.Responders);
        Assert.Equal(3, figures.WithChange);
        Assert.Null(figures.ResponderRate);
    }

    [Fact]
    public void a_clinical_responder_rate_needs_five_evaluable_patients()
    {
        // SLEDAI from 10 to 6, 6, 7, 8, 2: changes −4, −4, −3, −2, −8; falls ≥ 4: three.
        var cohort = new CohortFigures(Rules, Catalogue);
        var patients = new[] { 6m, 6m, 7m, 8m, 2m }.Select(t => WithScores(Sledai, 10m, t)).ToList();

        var five = cohort.Clinical(patients, Sledai, 85);
        Assert.Equal(5, five.Evaluable);
        Assert.Equal(3, five.Responders);
        Assert.Equal(5, five.WithChange);
        Assert.Equal(-4.2, five.MeanChange);      // −21 / 5
        Assert.Equal(0.6, five.ResponderRate);    // 3 / 5

        var four = cohort.Clinical(patients.Take(4).ToList(), Sledai, 85);
        Assert.Equal(4, four.Evaluable);
        Assert.Equal(2, four.Responders);
        Assert.Null(four.MeanChange);             // −13 / 4, not shown below five values
        Assert.Null(four.ResponderRate);
        Assert.Equal(-3.25, new CohortFigures(Arithmetic, Catalogue).Clinical(patients.Take(4).ToList(), Sledai, 85).MeanChange);
    }

    [Fact]
    public void clinical_figures_of_no_patients_have_no_mean_and_no_rate()
    {
        var figures = new CohortFigures(Rules, Catalogue).Clinical([], Sledai, 85);

        Assert.Equal("sledai-2k", figures.Instrument);
        Assert.Equal(0, figures.Evaluable);
        Assert.Null(figures.MeanChange);
        Assert.Equal(0, figures.Responders);
        Assert.Equal(0, figures.WithChange);
        Assert.Null(figures.ResponderRate);
    }

    [Fact]
    public void a_summary_counts_enrolled_and_treated_and_gives_details_only_when_asked()
    {
        // Fold changes 2.0, 1.2, 1.8, 1.5, 2.5: median 1.8, q1 1.5, q3 2.0; 4 responders of 5 (Wilson
        // [0.3755, 0.9638]); 6 treated (one without a day-8 sample) → 4 / 6 = 0.6667; 7 enrolled.
        var patients = new[] { 2.0m, 1.2m, 1.8m, 1.5m, 2.5m }.Select(WithFoldChange).ToList();
        var noTarget = Patient();
        Treg(noTarget, 1, 4m);
        patients.Add(noTarget);
        patients.Add(Patient(treated: false));
        var cohort = new CohortFigures(Rules, Catalogue);

        var summary = cohort.Summarise("sle", patients, AsOf, detail: false);

        Assert.Equal("sle", summary.DiseaseCode);
        Assert.Equal(7, summary.Enrolled);
        Assert.Equal(6, summary.Treated);
        Assert.Same(AsOf, summary.AsOf);
        Assert.Equal(8, summary.Treg.TargetDay);
        Assert.Equal(5, summary.Treg.Evaluable);
        Assert.Equal(1.8, summary.Treg.MedianFoldChange);
        Assert.Equal(1.5, summary.Treg.Q1);
        Assert.Equal(2.0, summary.Treg.Q3);
        Assert.Equal(4, summary.Treg.Responders);
        Assert.Equal(0.8, summary.Treg.ResponderRate);
        Assert.Equal([0.3755, 0.9638], summary.Treg.ResponderRateCi95!);
        Assert.Equal(0.6667, summary.Treg.ResponderRateTreated);
        Assert.Equal(new[] { "sledai-2k", "cgi-s", "cgi-i" }, summary.Clinical.Select(c => c.Instrument));
        Assert.All(summary.Clinical, c => Assert.Equal(85, c.TargetDay));
        Assert.Null(summary.ByTargetDay);
        Assert.Null(summary.CgiImprovement);
        Assert.Null(summary.TregTconv);

        var detailed = cohort.Summarise("sle", patients, AsOf, detail: true);

        Assert.Equal(new[] { 8, 15, 29, 85, 183 }, detailed.ByTargetDay!.Select(f => f.TargetDay));
        Assert.Equal(new[] { 5, 0, 0, 0, 0 }, detailed.ByTargetDay!.Select(f => f.Evaluable));
        Assert.Equal(0.6667, detailed.ByTargetDay![0].ResponderRateTreated);
        Assert.NotNull(detailed.CgiImprovement);
        Assert.Equal(85, detailed.CgiImprovement.TargetDay);
        Assert.NotNull(detailed.TregTconv);
        Assert.Equal(8, detailed.TregTconv.TargetDay);
    }

    [Fact]
    public void a_disease_missing_from_the_catalogue_has_no_clinical_figures_and_no_cgi_improvement()
    {
        var summary = new CohortFigures(Rules, Catalogue).Summarise("unknown", [WithFoldChange(2m)], AsOf, detail: true);

        Assert.Equal(1, summary.Treated);
        Assert.Empty(summary.Clinical);
        Assert.Null(summary.CgiImprovement);
        Assert.NotNull(summary.ByTargetDay);
        Assert.NotNull(summary.TregTconv);
    }

    [Fact]
    public void a_disease_without_cgi_i_has_no_cgi_improvement_figures()
    {
        var patient = WithScores(Das28, 5.0m, 3.0m, "ra");

        var summary = new CohortFigures(Rules, Catalogue).Summarise("ra", [patient], AsOf, detail: true);

        Assert.Null(summary.CgiImprovement);
        var das28 = Assert.Single(summary.Clinical);
        Assert.Equal("das28-crp", das28.Instrument);
        Assert.Equal(1, das28.Responders);   // falls 2.0 > 1.2 and ends at 3.0 ≤ 3.2
    }

    [Fact]
    public void cgi_improvement_counts_each_value_at_day_85_and_those_improved()
    {
        // CGI-I at day 85: 1, 2, 2, 3, 7 → N 5, improved (≤ 2) 3. A day-30 value is outside 68–102; the
        // untreated patient has no study days; the CGI-S score is another instrument.
        var patients = new[] { 1m, 2m, 2m, 3m, 7m }.Select(v => WithScores(CgiI, null, v)).ToList();
        var outOfWindow = Patient();
        Score(outOfWindow, CgiI.Code, 30, 1m);
        Score(outOfWindow, CgiS.Code, 85, 1m);
        patients.Add(outOfWindow);
        var untreated = Patient(treated: false);
        Score(untreated, CgiI.Code, 85, 1m);
        patients.Add(untreated);

        var cgi = new CohortFigures(Rules, Catalogue).Summarise("sle", patients, AsOf, detail: true).CgiImprovement;

        Assert.NotNull(cgi);
        Assert.Equal(85, cgi.TargetDay);
        Assert.Equal(5, cgi.N);
        var counts = cgi.Counts;
        Assert.Equal(new[] { "1", "2", "3", "4", "5", "6", "7" }, counts.Keys.Order());
        Assert.Equal(new[] { 1, 2, 1, 0, 0, 0, 1 }, new[] { "1", "2", "3", "4", "5", "6", "7" }.Select(k => counts[k]));
        Assert.Equal(3, cgi.Improved);
    }

    [Fact]
    public void treg_tconv_ratios_at_baseline_and_their_fold_change_at_day_8()
    {
        // Baseline ratios: 5/20 = 0.25, 4/32 = 0.125, 4/8 = 0.5, 3/8 = 0.375 → sorted 0.125, 0.25, 0.375, 0.5,
        // median (0.25 + 0.375) / 2 = 0.3125. Changes: (10/20) / 0.25 = 2; (6/16) / 0.125 = 3 → median 2.5.
        // Left out of the baselines: no Tconv, a Tconv of 0, a Treg of 0, no baseline at all.
        var patients = new List<PatientFacts>();
        void With(decimal? baseTreg, decimal? baseTconv, decimal day8Treg, decimal? day8Tconv)
        {
            var patient = Patient();
            if (baseTreg is { } b)
            {
                Treg(patient, 1, b, tconv: baseTconv);
            }

            Treg(patient, 8, day8Treg, tconv: day8Tconv);
            patients.Add(patient);
        }

        With(5m, 20m, 10m, 20m);
        With(4m, 32m, 6m, 16m);
        With(4m, 8m, 6m, null);
        With(3m, 8m, 3m, 0m);
        With(4m, null, 8m, 20m);
        With(4m, 0m, 8m, 20m);
        With(0m, 10m, 8m, 20m);
        With(null, null, 8m, 20m);

        var ratio = new CohortFigures(Arithmetic, Catalogue).Summarise("sle", patients, AsOf, detail: true).TregTconv;

        Assert.NotNull(ratio);
        Assert.Equal(8, ratio.TargetDay);
        Assert.Equal(4, ratio.WithBaselineRatio);
        Assert.Equal(0.3125, ratio.MedianBaselineRatio);
        Assert.Equal(2, ratio.WithChange);
        Assert.Equal(2.5, ratio.MedianRatioFoldChange);
    }

    [Fact]
    public void treg_tconv_figures_of_no_patients_are_empty()
    {
        var ratio = new CohortFigures(Rules, Catalogue).Summarise("sle", [], AsOf, detail: true).TregTconv;

        Assert.NotNull(ratio);
        Assert.Equal(0, ratio.WithBaselineRatio);
        Assert.Null(ratio.MedianBaselineRatio);
        Assert.Equal(0, ratio.WithChange);
        Assert.Null(ratio.MedianRatioFoldChange);
    }

    [Fact]
    public void figures_follow_the_configured_target_days_and_minimum()
    {
        var options = new ResponseOptions { PrimaryTargetDay = 15, ClinicalTargetDay = 29, TargetDays = [29], MinEvaluableForRates = 1 };
        var patient = Patient();
        Treg(patient, 1, 4m);
        Treg(patient, 15, 6m);
        Score(patient, CgiI.Code, 29, 1m);

        var summary = new CohortFigures(new Response(options), Catalogue).Summarise("sle", [patient], AsOf, detail: true);

        // One evaluable of one: 6 / 4 = 1.5, a responder; Wilson(1, 1) = [0.2065, 1].
        Assert.Equal(15, summary.Treg.TargetDay);
        Assert.Equal(1, summary.Treg.Evaluable);
        Assert.Equal(1.0, summary.Treg.ResponderRate);
        Assert.Equal([0.2065, 1.0], summary.Treg.ResponderRateCi95!);
        Assert.Equal(1.0, summary.Treg.ResponderRateTreated);
        Assert.All(summary.Clinical, c => Assert.Equal(29, c.TargetDay));
        Assert.Equal(new[] { 29 }, summary.ByTargetDay!.Select(f => f.TargetDay));
        Assert.NotNull(summary.CgiImprovement);
        Assert.Equal(29, summary.CgiImprovement.TargetDay);
        Assert.Equal(1, summary.CgiImprovement.Improved);
        Assert.NotNull(summary.TregTconv);
        Assert.Equal(15, summary.TregTconv.TargetDay);
    }
}
