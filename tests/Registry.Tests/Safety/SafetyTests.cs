using Registry.Cohorts;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Tests.Safety;

public sealed class SafetyTests
{
    private static readonly DateOnly First = new(2026, 1, 1);
    private static readonly AsOf AsOf = new(1, null);

    private static PatientFacts Patient(string disease, params DateOnly[] doses)
    {
        var p = new PatientFacts { Id = Guid.NewGuid(), DiseaseCode = disease, SiteId = "FR01", EnrolledOn = First };
        foreach (var d in doses)
        {
            p.Doses[Guid.NewGuid()] = new DoseData(d, null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false);
        }

        return p;
    }

    private static Guid Ae(PatientFacts p, DateOnly onset, string pt = "10022061", string soc = "10018065", int grade = 1, params SeriousCriterion[] criteria)
    {
        var id = Guid.NewGuid();
        p.AdverseEvents[id] = new AdverseEventFact(
            new AdverseEventData(onset, onset, "injection site erythema", pt, soc, grade, criteria, Causality.Probable, true,
                grade == 5 ? AeOutcome.Fatal : AeOutcome.Recovering, ActionTaken.None, null),
            DateTimeOffset.UnixEpoch, "nurse1");
        return id;
    }

    [Fact]
    public void exposure_runs_to_28_days_after_the_last_dose_unless_a_withdrawal_ends_it_first()
    {
        var p = Patient("sle", First, First.AddDays(9));
        // First dose 1 Jan, last 10 Jan: to 7 Feb (last + 28), both ends counted: 38 days.
        Assert.Equal(38, Exposure.Of(p, new DateOnly(2026, 12, 31))!.Days);

        p.Ends[Guid.NewGuid()] = new EndFact(EntryKind.Withdrawal, First.AddDays(19), WithdrawalReason.PatientDecision);
        // Withdrawn on 20 Jan: 20 days.
        Assert.Equal(20, Exposure.Of(p, new DateOnly(2026, 12, 31))!.Days);

        // The data cut-off ends a patient still on treatment: 1 to 5 Jan is 5 days.
        Assert.Equal(5, Exposure.Of(Patient("sle", First), First.AddDays(4))!.Days);
    }

    [Fact]
    public void only_adverse_events_inside_the_exposure_count_and_a_voided_one_counts_nowhere()
    {
        var p = Patient("sle", First);
        Ae(p, First.AddDays(-3));            // before the first dose: medical history
        Ae(p, First.AddDays(2));             // time to onset 2 days
        Ae(p, First.AddDays(40));            // after last dose + 28
        var serious = Ae(p, First.AddDays(5), grade: 3, criteria: SeriousCriterion.Hospitalisation);
        p.AdverseEvents.Remove(serious);     // what the projection does with a voided event

        var profile = SafetyProfile.Compute("sle", [p], new DateOnly(2026, 12, 31), AsOf);

        Assert.Equal(1, profile.Events);
        Assert.Equal(0, profile.SeriousEvents);
        Assert.Equal(2, profile.TimeToOnset.Median);
        // 29 days = 0.0794 patient-years; 1 patient with an event → 1 / 0.079398 · 100 = 1259.48 per 100 PY.
        Assert.Equal(0.0794, profile.PatientYears);
        Assert.Equal(1259.4828, profile.EairPer100Py);
    }

    [Fact]
    public void a_grade_5_event_is_a_death_and_ends_exposure_on_its_date()
    {
        var p = Patient("sle", First, First.AddDays(14));
        Ae(p, First.AddDays(6), grade: 5, criteria: SeriousCriterion.Death);

        var exposure = Exposure.Of(p, new DateOnly(2026, 12, 31))!;

        Assert.Equal(First.AddDays(6), exposure.DiedOn);
        Assert.Equal(7, exposure.Days);
        Assert.Equal(1, SafetyProfile.Compute(null, [p], new DateOnly(2026, 12, 31), AsOf).Deaths);
    }

    [Fact]
    public void soc_and_preferred_term_tables_count_patients_events_and_worst_grade_per_patient()
    {
        var a = Patient("sle", First);
        Ae(a, First.AddDays(1), grade: 1);
        Ae(a, First.AddDays(3), grade: 2);
        var b = Patient("sle", First);
        Ae(b, First.AddDays(1), grade: 3, criteria: SeriousCriterion.Hospitalisation);

        var profile = SafetyProfile.Compute("sle", [a, b, Patient("sle")], new DateOnly(2026, 12, 31), AsOf);

        Assert.Equal(2, profile.ExposedPatients);
        var soc = Assert.Single(profile.BySoc);
        Assert.Equal("10018065", soc.SocCode);
        Assert.Equal(2, soc.Patients);
        Assert.Equal(3, soc.Events);
        var pt = Assert.Single(soc.ByPt);
        Assert.Equal(0, pt.WorstGrade["1"]);
        Assert.Equal(1, pt.WorstGrade["2"]);
        Assert.Equal(1, pt.WorstGrade["3"]);
        Assert.Equal(1, profile.SeriousEvents);
    }

    [Fact]
    public void a_zero_cell_signal_has_null_estimates_and_a_continuity_corrected_interval()
    {
        // a = 3, b = 7, c = 0, d = 20. PRR's denominator c / (c + d) is 0 and ROR's b·c is 0: both null.
        // Interval with 0.5 in every cell: ROR* = 3.5 · 20.5 / (7.5 · 0.5) = 19.1333; ln = 2.951429;
        // se = √(1/3.5 + 1/7.5 + 1/0.5 + 1/20.5) = 1.570932 → exp(2.951429 ∓ 3.078970) = [0.8803, 415.88].
        // χ² = 30 · (3·20 − 7·0)² / (10 · 20 · 3 · 27) = 108000 / 16200 = 6.6667. Not flagged: PRR is null.
        var row = Signals.Row("sle", "10022061", "erythema", 3, 7, 0, 20);

        Assert.Null(row.Prr);
        Assert.Null(row.Ror);
        Assert.True(row.ContinuityCorrected);
        Assert.Equal(0.8803, row.RorCi95![0]);
        Assert.Equal(415.8688, row.RorCi95[1], 1);
        Assert.Equal(6.6667, row.Chi2);
        Assert.False(row.Flagged);
    }

    [Fact]
    public void a_signal_is_flagged_with_three_cases_a_prr_of_two_and_a_chi_square_of_four()
    {
        // a = 4, b = 6, c = 2, d = 38: PRR = (4/10) / (2/40) = 8; ROR = 4·38 / (6·2) = 12.6667;
        // χ² = 50 · (152 − 12)² / (10 · 40 · 6 · 44) = 980000 / 105600 = 9.2803.
        var row = Signals.Row("sle", "10022061", "erythema", 4, 6, 2, 38);

        Assert.Equal(8, row.Prr);
        Assert.Equal(12.6667, row.Ror);
        Assert.Equal(9.2803, row.Chi2);
        Assert.False(row.ContinuityCorrected);
        Assert.True(row.Flagged);
    }

    [Fact]
    public void with_a_single_cohort_there_are_no_signals()
    {
        var p = Patient("sle", First);
        Ae(p, First.AddDays(1));
        Assert.Empty(Signals.Compute([p, Patient("sle", First)], new DateOnly(2026, 12, 31)));
    }
}
