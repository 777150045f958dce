using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Patients;

namespace Registry.Tests.Cohorts;

public sealed class ResponseTests
{
    private static readonly DateOnly FirstDose = new(2026, 3, 9);
    private static readonly Response Response = new(new ResponseOptions());
    private static readonly DiseaseCatalogue Catalogue = DiseaseCatalogue.LoadSeed();
    private long _sequence;

    private PatientFacts Patient(string disease = "sle") => new()
    {
        Id = Guid.NewGuid(),
        DiseaseCode = disease,
        SiteId = "FR01",
        EnrolledOn = FirstDose.AddDays(-10),
        Doses = { [Guid.NewGuid()] = new DoseData(FirstDose, null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false) },
    };

    private PatientFacts WithTreg(PatientFacts p, int studyDay, decimal percent, Gating gating = Gating.Cd4Cd25Foxp3, decimal? tconv = null)
    {
        var date = studyDay >= 1 ? FirstDose.AddDays(studyDay - 1) : FirstDose.AddDays(studyDay);
        p.Tregs[Guid.NewGuid()] = new TregFact(date, percent, gating, tconv, ++_sequence);
        return p;
    }

    private PatientFacts WithScore(PatientFacts p, string instrument, int studyDay, decimal value)
    {
        var date = studyDay >= 1 ? FirstDose.AddDays(studyDay - 1) : FirstDose.AddDays(studyDay);
        p.Scores[Guid.NewGuid()] = new ScoreFact(date, instrument, value, ++_sequence);
        return p;
    }

    [Fact]
    public void fold_change_compares_the_nearest_day_8_sample_with_the_baseline()
    {
        var p = WithTreg(WithTreg(WithTreg(Patient(), -3, 4.0m), 7, 7.0m), 10, 9.0m);

        var outcome = Response.Treg(p, 8);

        Assert.Equal(1.75, outcome.FoldChange);
        Assert.True(outcome.Responder);
    }

    [Fact]
    public void a_tie_for_nearest_goes_to_the_earlier_sample()
    {
        // Days 7 and 9 are both one day from day 8: the earlier (day 7) wins.
        var p = WithTreg(WithTreg(WithTreg(Patient(), 1, 4.0m), 9, 8.0m), 7, 5.0m);
        Assert.Equal(1.25, Response.Treg(p, 8).FoldChange);
    }

    [Fact]
    public void the_responder_threshold_is_applied_after_rounding_to_four_decimals()
    {
        // 1.65 / 1.1 = 1.49999999… in binary, 1.5 after rounding: a responder.
        var p = WithTreg(WithTreg(Patient(), 1, 1.1m), 8, 1.65m);
        Assert.True(Response.Treg(p, 8).Responder);
        var q = WithTreg(WithTreg(Patient(), 1, 4.0m), 8, 5.99m);
        Assert.False(Response.Treg(q, 8).Responder);
    }

    [Fact]
    public void the_baseline_is_the_last_sample_up_to_day_1_within_30_days_and_a_later_record_wins_a_same_day_tie()
    {
        var p = WithTreg(Patient(), -40, 2.0m);                  // too early for a baseline
        Assert.Null(Response.TregBaseline(p));

        WithTreg(p, -5, 3.0m);
        WithTreg(p, 1, 4.0m);                                    // day 1 counts as before the dose
        WithTreg(p, 1, 5.0m);                                    // same day, same gating, recorded later: wins
        Assert.Equal(5.0m, Response.TregBaseline(p)!.TregPercentOfCd4);
    }

    [Fact]
    public void only_samples_of_the_baselines_gating_count_and_gating_other_is_left_out()
    {
        var p = WithTreg(WithTreg(Patient(), 1, 4.0m), 8, 9.0m, Gating.Cd4Cd25hiCd127lo);
        Assert.False(Response.Treg(p, 8).Evaluable);

        var other = WithTreg(WithTreg(Patient(), 1, 4.0m, Gating.Other), 8, 9.0m, Gating.Other);
        Assert.False(Response.Treg(other, 8).Evaluable);
    }

    [Fact]
    public void a_zero_baseline_is_not_evaluable_and_an_untreated_patient_is_not_treated()
    {
        Assert.False(Response.Treg(WithTreg(WithTreg(Patient(), 1, 0m), 8, 3m), 8).Evaluable);
        var untreated = Patient();
        untreated.Doses.Clear();
        Assert.False(Response.Treg(untreated, 8).Treated);
    }

    [Fact]
    public void clinical_response_follows_each_instruments_rule()
    {
        var sledai = Catalogue.FindInstrument("sle", "sledai-2k")!;
        Assert.True(Response.Clinical(WithScore(WithScore(Patient(), "sledai-2k", 1, 10), "sledai-2k", 85, 6), sledai, 85).Responder);
        Assert.False(Response.Clinical(WithScore(WithScore(Patient(), "sledai-2k", 1, 10), "sledai-2k", 85, 7), sledai, 85).Responder);

        var das28 = Catalogue.FindInstrument("ra", "das28-crp")!;
        // EULAR good: fall > 1.2 and end ≤ 3.2. 5.0 → 3.3 falls 1.7 but ends above 3.2.
        Assert.False(Response.Clinical(WithScore(WithScore(Patient("ra"), "das28-crp", -2, 5.0m), "das28-crp", 80, 3.3m), das28, 85).Responder);
        Assert.True(Response.Clinical(WithScore(WithScore(Patient("ra"), "das28-crp", -2, 5.0m), "das28-crp", 80, 3.1m), das28, 85).Responder);

        var cgiI = Catalogue.FindInstrument("ra", "cgi-i")!;
        // CGI-I measures change itself: no baseline needed, value ≤ 2 at the target.
        Assert.True(Response.Clinical(WithScore(Patient("ra"), "cgi-i", 90, 2), cgiI, 85).Responder);

        var pasi = Catalogue.FindInstrument("psoriasis", "pasi")!;
        // A percentage rule with a baseline of 0 is not evaluable.
        Assert.Null(Response.Clinical(WithScore(WithScore(Patient("psoriasis"), "pasi", 1, 0), "pasi", 85, 0), pasi, 85).Responder);
    }

    [Fact]
    public void cohort_figures_report_rates_and_intervals_only_from_five_evaluable_patients()
    {
        var figures = new CohortFigures(Response, Catalogue);
        // Fold changes 2.0, 1.2, 1.8, 1.5: 3 responders of 4 evaluable; no rate, and no median (1.65) below five values.
        var four = new[] { 2.0m, 1.2m, 1.8m, 1.5m }.Select(fc => WithTreg(WithTreg(Patient(), 1, 4m), 8, 4m * fc)).ToList();
        var small = figures.Treg(four, 8, treated: 4);
        Assert.Equal(4, small.Evaluable);
        Assert.Null(small.MedianFoldChange);
        Assert.Equal(3, small.Responders);
        Assert.Null(small.ResponderRate);
        Assert.Null(small.ResponderRateCi95);

        // A fifth evaluable (2.5) and a treated patient without a day-8 sample: 4 of 5 respond (Wilson [0.3755, 0.9638]),
        // 4 of 6 treated = 0.6667. Median of 1.2, 1.5, 1.8, 2.0, 2.5 = 1.8; q1 = 1.5, q3 = 2.0.
        var five = four.Append(WithTreg(WithTreg(Patient(), 1, 4m), 8, 10m)).Append(WithTreg(Patient(), 1, 4m)).ToList();
        var enough = figures.Treg(five, 8, treated: 6);
        Assert.Equal(5, enough.Evaluable);
        Assert.Equal(1.8, enough.MedianFoldChange);
        Assert.Equal(1.5, enough.Q1);
        Assert.Equal(2.0, enough.Q3);
        Assert.Equal(0.8, enough.ResponderRate);
        Assert.Equal([0.3755, 0.9638], enough.ResponderRateCi95!);
        Assert.Equal(0.6667, enough.ResponderRateTreated);
    }
}
