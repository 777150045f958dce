using Registry.Cohorts;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Tests.Safety;

/// <summary>Disproportionality across cohorts (DOMAIN.md, signals), every figure computed by hand; all in memory.</summary>
public sealed class SignalsTests
{
    private const string ErythemaPt = "10022061";
    private const string PyrexiaPt = "10037660";
    private const string HeadachePt = "10019211";

    private static readonly DateOnly First = new(2026, 1, 10);
    private static readonly DateOnly CutOff = new(2026, 12, 31);

    /// <summary>A patient of the cohort, dosed once on <see cref="First"/> (exposed to 7 Feb) if <paramref name="dosed"/>.</summary>
    private static PatientFacts Patient(string disease, bool dosed = true)
    {
        var p = new PatientFacts { Id = Guid.NewGuid(), DiseaseCode = disease, SiteId = "FR01", EnrolledOn = First };
        if (dosed)
        {
            p.Doses[Guid.NewGuid()] = new DoseData(
                First, null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false);
        }

        return p;
    }

    /// <summary>Adds an adverse event <paramref name="day"/> days after <see cref="First"/> and returns the patient.</summary>
    private static PatientFacts Ae(PatientFacts p, string term, string? pt, int day = 2)
    {
        var onset = First.AddDays(day);
        p.AdverseEvents[Guid.NewGuid()] = new AdverseEventFact(
            new AdverseEventData(onset, onset, term, pt, pt is null ? null : "10018065", 1, [], Causality.Possible, true,
                AeOutcome.Recovered, ActionTaken.None, null),
            DateTimeOffset.UnixEpoch,
            "nurse1");
        return p;
    }

    [Fact]
    public void estimates_of_a_table_without_an_empty_cell()
    {
        // a = 4, b = 6, c = 2, d = 38. PRR = (4/10) / (2/40) = 0.4 / 0.05 = 8; ROR = 4·38 / (6·2) = 152 / 12 = 12.6667;
        // ln ROR = 2.538974, se = √(1/4 + 1/6 + 1/2 + 1/38) = 0.971073 → exp(2.538974 ∓ 1.959964 · 0.971073) = [1.8884, 84.9652];
        // χ² = 50 · (152 − 12)² / (10 · 40 · 6 · 44) = 980000 / 105600 = 9.2803.
        var row = Signals.Row("sle", ErythemaPt, "Injection site erythema", 4, 6, 2, 38);

        Assert.Equal("sle", row.DiseaseCode);
        Assert.Equal(ErythemaPt, row.PtCode);
        Assert.Equal("Injection site erythema", row.Term);
        Assert.Equal((4, 6, 2, 38), (row.A, row.B, row.C, row.D));
        Assert.Equal(8.0, row.Prr);
        Assert.Equal(12.6667, row.Ror);
        Assert.Equal(1.8884, row.RorCi95![0], 0.001);
        Assert.Equal(84.9652, row.RorCi95![1], 0.001);
        Assert.False(row.ContinuityCorrected);
        Assert.Equal(9.2803, row.Chi2);
        Assert.True(row.Flagged);

        // a = 4, b = 6, c = 5, d = 5 (c = d): PRR = 0.4 / 0.5 = 0.8; ROR = 20 / 30 = 0.6667;
        // se = √(1/4 + 1/6 + 1/5 + 1/5) = 0.903696 → exp(−0.405465 ∓ 1.771212) = [0.1134, 3.9186];
        // χ² = 20 · (20 − 30)² / (10 · 10 · 9 · 11) = 2000 / 9900 = 0.2020.
        var even = Signals.Row("ra", PyrexiaPt, "Pyrexia", 4, 6, 5, 5);

        Assert.Equal(0.8, even.Prr);
        Assert.Equal(0.6667, even.Ror);
        Assert.Equal(0.1134, even.RorCi95![0], 0.001);
        Assert.Equal(3.9186, even.RorCi95![1], 0.001);
        Assert.False(even.ContinuityCorrected);
        Assert.Equal(0.202, even.Chi2);
        Assert.False(even.Flagged);
    }

    [Fact]
    public void a_signal_is_flagged_at_exactly_three_cases_a_prr_of_two_and_a_chi_square_of_four()
    {
        // a = 3 (the minimum), b = 1, c = 1, d = 11: PRR = (3/4) / (1/12) = 9;
        // χ² = 16 · (33 − 1)² / (4 · 12 · 4 · 12) = 16384 / 2304 = 7.1111.
        var threeCases = Signals.Row("sle", ErythemaPt, "erythema", 3, 1, 1, 11);
        Assert.Equal(9.0, threeCases.Prr);
        Assert.Equal(7.1111, threeCases.Chi2);
        Assert.True(threeCases.Flagged);

        // a = 20, b = 20, c = 10, d = 30: PRR = (20/40) / (10/40) = 2 exactly; ROR = 600 / 200 = 3;
        // χ² = 80 · (600 − 200)² / (40 · 40 · 30 · 50) = 12800000 / 2400000 = 5.3333.
        var prrOfTwo = Signals.Row("sle", ErythemaPt, "erythema", 20, 20, 10, 30);
        Assert.Equal(2.0, prrOfTwo.Prr);
        Assert.Equal(3.0, prrOfTwo.Ror);
        Assert.Equal(5.3333, prrOfTwo.Chi2);
        Assert.True(prrOfTwo.Flagged);

        // a = 6, b = 2, c = 2, d = 6: PRR = (6/8) / (2/8) = 3; χ² = 16 · (36 − 4)² / (8 · 8 · 8 · 8) = 16384 / 4096 = 4 exactly.
        var chi2OfFour = Signals.Row("sle", ErythemaPt, "erythema", 6, 2, 2, 6);
        Assert.Equal(3.0, chi2OfFour.Prr);
        Assert.Equal(9.0, chi2OfFour.Ror);
        Assert.Equal(4.0, chi2OfFour.Chi2);
        Assert.True(chi2OfFour.Flagged);
    }

    [Fact]
    public void a_signal_is_not_flagged_when_any_criterion_falls_just_short()
    {
        // a = 2 < 3 although PRR = (2/3) / (1/13) = 8.6667 and χ² = 16 · (24 − 1)² / (3 · 13 · 3 · 13) = 8464 / 1521 = 5.5648.
        var twoCases = Signals.Row("sle", ErythemaPt, "erythema", 2, 1, 1, 12);
        Assert.Equal(8.6667, twoCases.Prr);
        Assert.Equal(5.5648, twoCases.Chi2);
        Assert.False(twoCases.Flagged);

        // PRR = (20/41) / (10/40) = 1.9512 < 2 although χ² = 81 · (600 − 210)² / (41 · 40 · 30 · 51) = 4.9100.
        var prrBelowTwo = Signals.Row("sle", ErythemaPt, "erythema", 20, 21, 10, 30);
        Assert.Equal(1.9512, prrBelowTwo.Prr);
        Assert.Equal(4.91, prrBelowTwo.Chi2);
        Assert.False(prrBelowTwo.Flagged);

        // χ² = 17 · (36 − 4)² / (6 · 11 · 6 · 11) = 17408 / 4356 = 3.9963 < 4 although a = 4 and PRR = (4/6) / (2/11) = 3.6667.
        var chi2BelowFour = Signals.Row("sle", ErythemaPt, "erythema", 4, 2, 2, 9);
        Assert.Equal(3.6667, chi2BelowFour.Prr);
        Assert.Equal(3.9963, chi2BelowFour.Chi2);
        Assert.False(chi2BelowFour.Flagged);
    }

    [Fact]
    public void an_empty_cell_nulls_the_estimates_whose_denominator_it_empties_and_corrects_the_interval()
    {
        // a = 0: PRR = 0 / (5/20) = 0, ROR = 0 · 15 / (10 · 5) = 0; corrected: 0.5·15.5 / (10.5·5.5) = 0.134199,
        // se = √(1/0.5 + 1/10.5 + 1/5.5 + 1/15.5) = 1.530220 → [0.0067, 2.6932]; χ² = 30 · 50² / (10 · 20 · 5 · 25) = 3.
        var noCase = Signals.Row("sle", ErythemaPt, "erythema", 0, 10, 5, 15);
        Assert.Equal(0.0, noCase.Prr);
        Assert.Equal(0.0, noCase.Ror);
        Assert.True(noCase.ContinuityCorrected);
        Assert.Equal(0.0067, noCase.RorCi95![0], 0.001);
        Assert.Equal(2.6932, noCase.RorCi95![1], 0.001);
        Assert.Equal(3.0, noCase.Chi2);
        Assert.False(noCase.Flagged);

        // b = 0: PRR = (5/5) / (5/20) = 4, ROR's b·c = 0: null; corrected: 5.5·15.5 / (0.5·5.5) = 31,
        // se = √(1/5.5 + 1/0.5 + 1/5.5 + 1/15.5) = 1.558253 → [1.4621, 657.278]; χ² = 25 · 75² / (5 · 20 · 10 · 15) = 9.375: flagged.
        var allCases = Signals.Row("sle", ErythemaPt, "erythema", 5, 0, 5, 15);
        Assert.Equal(4.0, allCases.Prr);
        Assert.Null(allCases.Ror);
        Assert.True(allCases.ContinuityCorrected);
        Assert.Equal(1.4621, allCases.RorCi95![0], 0.001);
        Assert.Equal(657.278, allCases.RorCi95![1], 0.001);
        Assert.Equal(9.375, allCases.Chi2);
        Assert.True(allCases.Flagged);

        // c = 0: PRR's c/(c+d) and ROR's b·c are 0: both null; corrected: 3.5·20.5 / (7.5·0.5) = 19.1333,
        // se = √(1/3.5 + 1/7.5 + 1/0.5 + 1/20.5) = 1.570932 → [0.8803, 415.8824]; χ² = 30 · 60² / (10 · 20 · 3 · 27) = 6.6667.
        var noneElsewhere = Signals.Row("sle", ErythemaPt, "erythema", 3, 7, 0, 20);
        Assert.Null(noneElsewhere.Prr);
        Assert.Null(noneElsewhere.Ror);
        Assert.True(noneElsewhere.ContinuityCorrected);
        Assert.Equal(0.8803, noneElsewhere.RorCi95![0], 0.001);
        Assert.Equal(415.8824, noneElsewhere.RorCi95![1], 0.001);
        Assert.Equal(6.6667, noneElsewhere.Chi2);
        Assert.False(noneElsewhere.Flagged);

        // d = 0: PRR = (3/10) / (5/5) = 0.3, ROR = 3 · 0 / (7 · 5) = 0; corrected: 3.5·0.5 / (7.5·5.5) = 0.042424,
        // se = √(1/3.5 + 1/7.5 + 1/5.5 + 1/0.5) = 1.612720 → [0.0018, 1.0008]; χ² = 15 · 35² / (10 · 5 · 8 · 7) = 6.5625.
        var allElsewhere = Signals.Row("sle", ErythemaPt, "erythema", 3, 7, 5, 0);
        Assert.Equal(0.3, allElsewhere.Prr);
        Assert.Equal(0.0, allElsewhere.Ror);
        Assert.True(allElsewhere.ContinuityCorrected);
        Assert.Equal(0.0018, allElsewhere.RorCi95![0], 0.001);
        Assert.Equal(1.0008, allElsewhere.RorCi95![1], 0.001);
        Assert.Equal(6.5625, allElsewhere.Chi2);
        Assert.False(allElsewhere.Flagged);
    }

    [Fact]
    public void an_empty_margin_leaves_chi_square_and_both_estimates_null()
    {
        // a = b = 0 (no patient in the cohort): a + b = 0 and b = 0; the margins' product is 0.
        // Corrected: 0.5·1.5 / (0.5·1.5) = 1, se = √(2 + 2 + 1/1.5 + 1/1.5) = 2.309401 → exp(∓4.526343) = [0.0108, 92.42].
        var emptyCohort = Signals.Row("sle", ErythemaPt, "erythema", 0, 0, 1, 1);
        Assert.Null(emptyCohort.Prr);
        Assert.Null(emptyCohort.Ror);
        Assert.Null(emptyCohort.Chi2);
        Assert.True(emptyCohort.ContinuityCorrected);
        Assert.Equal(0.0108, emptyCohort.RorCi95![0], 0.001);
        Assert.Equal(92.42, emptyCohort.RorCi95![1], 0.001);
        Assert.False(emptyCohort.Flagged);

        // c = d = 0 (no other cohort): c + d = 0 and c = 0. Corrected: 3.5·0.5 / (7.5·0.5) = 0.466667,
        // se = √(1/3.5 + 1/7.5 + 2 + 2) = 2.102153 → exp(−0.762140 ∓ 4.120144) = [0.0076, 28.7318].
        var noOthers = Signals.Row("sle", ErythemaPt, "erythema", 3, 7, 0, 0);
        Assert.Null(noOthers.Prr);
        Assert.Null(noOthers.Ror);
        Assert.Null(noOthers.Chi2);
        Assert.True(noOthers.ContinuityCorrected);
        Assert.Equal(0.0076, noOthers.RorCi95![0], 0.001);
        Assert.Equal(28.7318, noOthers.RorCi95![1], 0.001);
        Assert.False(noOthers.Flagged);
    }

    [Fact]
    public void each_cohort_and_term_counts_exposed_patients_with_at_least_one_treatment_emergent_event()
    {
        // sle, exposed: s1 (pyrexia, erythema), s2 (erythema), s3 (none), history (erythema before the first dose: not counted);
        // never dosed: not exposed, not counted at all. ra, exposed: r1 (uncoded headache, erythema), r2 (pyrexia), r3 (none).
        var s1 = Ae(Ae(Patient("sle"), "Pyrexia", PyrexiaPt), "Injection site erythema", ErythemaPt);
        var s2 = Ae(Patient("sle"), "Injection site erythema", ErythemaPt);
        var s3 = Patient("sle");
        var neverDosed = Ae(Patient("sle", dosed: false), "Injection site erythema", ErythemaPt);
        var history = Ae(Patient("sle"), "Injection site erythema", ErythemaPt, day: -1);
        var r1 = Ae(Ae(Patient("ra"), " Headache ", null), "Injection site erythema", ErythemaPt);
        var r2 = Ae(Patient("ra"), "Pyrexia", PyrexiaPt);
        var r3 = Patient("ra");

        var rows = Signals.Compute([s1, s2, s3, neverDosed, history, r1, r2, r3], CutOff);

        // Cohorts in ordinal order, then terms by key (codes before the uncoded "headache"); 4 exposed in sle, 3 in ra.
        // ra:  erythema a = 1 (r1), b = 3 − 1, c = 2 (s1, s2), d = 4 − 2; pyrexia 1, 2, 1 (s1), 3; headache 1, 2, 0, 4.
        // sle: erythema a = 2, b = 4 − 2, c = 1 (r1), d = 3 − 1; pyrexia 1, 3, 1 (r2), 2; headache a = 0: no row.
        Assert.Equal(
            new (string, string?, string, int, int, int, int)[]
            {
                ("ra", ErythemaPt, "Injection site erythema", 1, 2, 2, 2),
                ("ra", PyrexiaPt, "Pyrexia", 1, 2, 1, 3),
                ("ra", null, "Headache", 1, 2, 0, 4),
                ("sle", ErythemaPt, "Injection site erythema", 2, 2, 1, 2),
                ("sle", PyrexiaPt, "Pyrexia", 1, 3, 1, 2),
            },
            rows.Select(r => (r.DiseaseCode, r.PtCode, r.Term, r.A, r.B, r.C, r.D)));
        // Each row is Row's figures: ra headache has c = 0, so a null PRR and a corrected interval.
        Assert.Null(rows[2].Prr);
        Assert.True(rows[2].ContinuityCorrected);
    }

    [Fact]
    public void a_term_is_named_by_its_most_frequent_trimmed_verbatim_term_and_coded_by_its_first_event()
    {
        // Erythema: "Redness " and " Redness" are "Redness" twice, "Erythema" once. Pyrexia: "Pyrexia" and "Fever" tie: "Fever".
        // Headache: coded twice in sle; in ra the code was typed as an uncoded verbatim term, so it shares the key 10019211.
        var s1 = Ae(Ae(Ae(Patient("sle"), "Redness ", ErythemaPt), "Pyrexia", PyrexiaPt), "Headache", HeadachePt);
        var s2 = Ae(Ae(Ae(Patient("sle"), " Redness", ErythemaPt), "Fever", PyrexiaPt), "Headache", HeadachePt);
        var r1 = Ae(Ae(Patient("ra"), "Erythema", ErythemaPt), HeadachePt, null);

        var rows = Signals.Compute([s1, s2, r1], CutOff);

        Assert.Equal(
            new (string, string?, string)[]
            {
                ("ra", HeadachePt, "Headache"),
                ("ra", ErythemaPt, "Redness"),
                ("sle", HeadachePt, "Headache"),
                ("sle", ErythemaPt, "Redness"),
                ("sle", PyrexiaPt, "Fever"),
            },
            rows.Select(r => (r.DiseaseCode, r.PtCode, r.Term)));
        // ra has no pyrexia (a = 0); sle's pyrexia: a = 2, b = 0, c = 0, d = 1.
        Assert.Equal((2, 0, 0, 1), (rows[4].A, rows[4].B, rows[4].C, rows[4].D));
    }

    [Fact]
    public void there_are_no_signals_without_two_cohorts_of_exposed_patients()
    {
        Assert.Empty(Signals.Compute([], CutOff));

        // One cohort with an event.
        Assert.Empty(Signals.Compute([Ae(Patient("sle"), "Pyrexia", PyrexiaPt), Patient("sle")], CutOff));

        // A second cohort whose only patient was never dosed is no cohort.
        var neverDosed = Ae(Patient("ra", dosed: false), "Pyrexia", PyrexiaPt);
        Assert.Empty(Signals.Compute([Ae(Patient("sle"), "Pyrexia", PyrexiaPt), neverDosed], CutOff));

        // Two cohorts without a treatment-emergent event: no term to compare.
        Assert.Empty(Signals.Compute([Patient("sle"), Ae(Patient("ra"), "Pyrexia", PyrexiaPt, day: -3)], CutOff));
    }

    [Fact]
    public void two_cohorts_are_enough_for_signals()
    {
        // sle: 1 of 1 with pyrexia; ra: 0 of 1. a = 1, b = 0, c = 0, d = 1.
        var row = Assert.Single(Signals.Compute([Ae(Patient("sle"), "Pyrexia", PyrexiaPt), Patient("ra")], CutOff));

        Assert.Equal("sle", row.DiseaseCode);
        Assert.Equal((1, 0, 0, 1), (row.A, row.B, row.C, row.D));
    }
}
