using Registry.Cohorts;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Tests.Safety;

/// <summary>Exposure windows, treatment-emergent events and deaths (DOMAIN.md, safety figures); all in memory.</summary>
public sealed class ExposureTests
{
    private static readonly DateOnly First = new(2026, 1, 10);
    private static readonly DateOnly Far = new(2026, 12, 31);

    private static PatientFacts Patient(params DateOnly[] doses)
    {
        var p = new PatientFacts { Id = Guid.NewGuid(), DiseaseCode = "sle", SiteId = "FR01", EnrolledOn = First };
        foreach (var d in doses)
        {
            p.Doses[Guid.NewGuid()] = new DoseData(
                d, null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false);
        }

        return p;
    }

    private static AdverseEventData Report(
        DateOnly onset,
        string term = "Pyrexia",
        string? pt = "10037660",
        int grade = 1,
        SeriousCriterion[]? criteria = null,
        DateOnly? resolvedOn = null) =>
        new(onset, onset, term, pt, pt is null ? null : "10018065", grade, criteria ?? [], Causality.Possible, true,
            grade == 5 ? AeOutcome.Fatal : AeOutcome.Recovered, ActionTaken.None, resolvedOn);

    private static Guid Ae(PatientFacts p, AdverseEventData report)
    {
        var id = Guid.NewGuid();
        p.AdverseEvents[id] = new AdverseEventFact(report, DateTimeOffset.UnixEpoch, "nurse1");
        return id;
    }

    private static void FollowUp(
        PatientFacts p, Guid adverseEventId, int? grade, SeriousCriterion[]? criteria = null, DateOnly? resolvedOn = null)
    {
        var reportedOn = p.AdverseEvents[adverseEventId].Report.OnsetOn.First.AddDays(1);
        p.FollowUps[Guid.NewGuid()] = new FollowUpFact(
            adverseEventId,
            new AeFollowUpData(adverseEventId, reportedOn, grade, criteria, null, resolvedOn, null, null),
            DateTimeOffset.UnixEpoch.AddHours(p.FollowUps.Count + 1));
    }

    private static void AddEnd(PatientFacts p, EntryKind kind, DateOnly on, WithdrawalReason? reason)
    {
        p.Ends[Guid.NewGuid()] = new EndFact(kind, on, reason);
    }

    private static Teae Emergent(AdverseEventData report) => new(Guid.NewGuid(), report, AdverseEventNow.From(report), report.OnsetOn.First, 0);

    [Fact]
    public void exposure_runs_from_the_first_dose_to_28_days_after_the_last_dose_counting_both_ends()
    {
        // Doses on 10, 17 and 24 Jan (recorded out of order): 24 Jan + 28 = 21 Feb; 10 Jan to 21 Feb is 22 + 21 = 43 days.
        var p = Patient(First, new DateOnly(2026, 1, 24), new DateOnly(2026, 1, 17));

        var exposure = Exposure.Of(p, Far)!;

        Assert.Same(p, exposure.Facts);
        Assert.Equal(First, exposure.From);
        Assert.Equal(new DateOnly(2026, 2, 21), exposure.To);
        Assert.Equal(43, exposure.Days);
        Assert.Null(exposure.DiedOn);
        Assert.Empty(exposure.Events);
        Assert.False(exposure.DiscontinuedForAe);
    }

    [Fact]
    public void the_data_cut_off_ends_the_exposure_of_a_patient_still_in_follow_up()
    {
        // Last dose 24 Jan: follow-up to 21 Feb (day 43). A cut-off the day before ends it there; on or after it, it changes nothing.
        var p = Patient(First, new DateOnly(2026, 1, 24));

        var dayBefore = Exposure.Of(p, new DateOnly(2026, 2, 20))!;
        Assert.Equal(new DateOnly(2026, 2, 20), dayBefore.To);
        Assert.Equal(42, dayBefore.Days);

        Assert.Equal(43, Exposure.Of(p, new DateOnly(2026, 2, 21))!.Days);

        var dayAfter = Exposure.Of(p, new DateOnly(2026, 2, 22))!;
        Assert.Equal(new DateOnly(2026, 2, 21), dayAfter.To);
        Assert.Equal(43, dayAfter.Days);
    }

    [Fact]
    public void a_withdrawal_or_a_completion_ends_the_exposure_but_never_extends_it()
    {
        // Last dose 24 Jan, so exposure would run to 21 Feb.
        var withdrawn = Patient(First, new DateOnly(2026, 1, 24));
        AddEnd(withdrawn, EntryKind.Withdrawal, new DateOnly(2026, 2, 1), WithdrawalReason.PatientDecision);
        var completed = Patient(First, new DateOnly(2026, 1, 24));
        AddEnd(completed, EntryKind.Completion, new DateOnly(2026, 1, 31), null);
        var lateWithdrawal = Patient(First, new DateOnly(2026, 1, 24));
        AddEnd(lateWithdrawal, EntryKind.Withdrawal, new DateOnly(2026, 3, 1), WithdrawalReason.LostToFollowUp);

        // 10 Jan to 1 Feb: 22 + 1 = 23 days.
        var w = Exposure.Of(withdrawn, Far)!;
        Assert.Equal(new DateOnly(2026, 2, 1), w.To);
        Assert.Equal(23, w.Days);
        Assert.Null(w.DiedOn);

        // 10 Jan to 31 Jan: 22 days.
        var c = Exposure.Of(completed, Far)!;
        Assert.Equal(new DateOnly(2026, 1, 31), c.To);
        Assert.Equal(22, c.Days);

        // A withdrawal after the 28 days of follow-up does not lengthen them.
        var l = Exposure.Of(lateWithdrawal, Far)!;
        Assert.Equal(new DateOnly(2026, 2, 21), l.To);
        Assert.Equal(43, l.Days);
    }

    [Fact]
    public void a_patient_never_dosed_has_no_exposure()
    {
        var p = Patient();
        Ae(p, Report(First));

        Assert.Null(Exposure.Of(p, Far));
    }

    [Fact]
    public void a_cut_off_before_the_first_dose_gives_no_days_rather_than_negative_ones()
    {
        // First dose 10 Jan, cut-off 5 Jan: 5 − 10 + 1 = −4 days, shown as 0; the event on the first dose is after the cut-off.
        var p = Patient(First);
        Ae(p, Report(First));

        var exposure = Exposure.Of(p, First.AddDays(-5))!;

        Assert.Equal(First, exposure.From);
        Assert.Equal(First.AddDays(-5), exposure.To);
        Assert.Equal(0, exposure.Days);
        Assert.Empty(exposure.Events);
        // A window of a single day counts that day.
        Assert.Equal(1, new PatientExposure(p, First, First, null, []).Days);
    }

    [Fact]
    public void only_adverse_events_from_the_first_dose_to_the_end_of_exposure_are_treatment_emergent()
    {
        // Doses 10 and 20 Jan: exposure to 20 Jan + 28 = 17 Feb.
        var p = Patient(First, First.AddDays(10));
        Ae(p, Report(First.AddDays(-1)));                            // the day before the first dose: medical history
        var onFirstDose = Ae(p, Report(First));                      // study day 1: time to onset 0
        var dayAfter = Ae(p, Report(First.AddDays(1)));              // study day 2: time to onset 1
        var lastDay = Ae(p, Report(new DateOnly(2026, 2, 17)));      // 10 Jan to 17 Feb: 21 + 17 = 38 days later
        Ae(p, Report(new DateOnly(2026, 2, 18)));                    // the day after the exposure ends

        var exposure = Exposure.Of(p, Far)!;

        Assert.Equal(new DateOnly(2026, 2, 17), exposure.To);
        Assert.Equal(new[] { onFirstDose, dayAfter, lastDay }, exposure.Events.Select(e => e.AdverseEventId));
        Assert.Equal(new[] { 0, 1, 38 }, exposure.Events.Select(e => e.TimeToOnsetDays));
    }

    [Fact]
    public void a_treatment_emergent_event_carries_its_report_and_its_follow_ups()
    {
        var p = Patient(First);
        var id = Ae(p, Report(First.AddDays(2), grade: 2));
        FollowUp(p, id, 4, [SeriousCriterion.Hospitalisation], new DateOnly(2026, 1, 20));

        var teae = Assert.Single(Exposure.Of(p, Far)!.Events);

        Assert.Equal(id, teae.AdverseEventId);
        Assert.Same(p.AdverseEvents[id].Report, teae.Report);
        Assert.Equal(2, teae.Report.Grade);
        Assert.Equal(4, teae.Now.Grade);
        Assert.Equal(4, teae.Now.WorstGrade);
        Assert.Equal(new[] { SeriousCriterion.Hospitalisation }, teae.Now.SeriousCriteria);
        Assert.Equal(new DateOnly(2026, 1, 20), teae.Now.ResolvedOn);
        Assert.True(teae.Serious);
        Assert.Equal(2, teae.TimeToOnsetDays);
        Assert.Equal("10037660", teae.TermKey);
    }

    [Fact]
    public void an_event_is_serious_when_it_has_any_seriousness_criterion()
    {
        Assert.False(Emergent(Report(First, grade: 3)).Serious);
        Assert.True(Emergent(Report(First, criteria: [SeriousCriterion.MedicallyImportant])).Serious);
        Assert.True(Emergent(Report(First, criteria: [SeriousCriterion.Hospitalisation, SeriousCriterion.Disability])).Serious);
    }

    [Fact]
    public void the_term_key_is_the_preferred_term_code_or_else_the_trimmed_lower_cased_verbatim_term()
    {
        Assert.Equal("10022061", Emergent(Report(First, "  Injection Site Erythema ", "10022061")).TermKey);
        Assert.Equal("injection site erythema", Emergent(Report(First, "  Injection Site Erythema ", null)).TermKey);
    }

    [Fact]
    public void only_a_withdrawal_for_an_adverse_event_is_a_discontinuation_due_to_one()
    {
        var forAe = Patient(First);
        AddEnd(forAe, EntryKind.Withdrawal, First.AddDays(5), WithdrawalReason.AdverseEvent);
        var forOther = Patient(First);
        AddEnd(forOther, EntryKind.Withdrawal, First.AddDays(5), WithdrawalReason.PatientDecision);
        var completed = Patient(First);
        AddEnd(completed, EntryKind.Completion, First.AddDays(5), null);

        Assert.True(Exposure.Of(forAe, Far)!.DiscontinuedForAe);
        Assert.False(Exposure.Of(forOther, Far)!.DiscontinuedForAe);
        Assert.False(Exposure.Of(completed, Far)!.DiscontinuedForAe);
        Assert.False(Exposure.Of(Patient(First), Far)!.DiscontinuedForAe);
    }

    [Fact]
    public void there_is_no_death_without_a_withdrawal_for_death_or_a_grade_5_event()
    {
        var p = Patient(First);
        Ae(p, Report(First.AddDays(1), grade: 4, criteria: [SeriousCriterion.LifeThreatening]));
        AddEnd(p, EntryKind.Withdrawal, First.AddDays(5), WithdrawalReason.AdverseEvent);
        var completed = Patient(First);
        AddEnd(completed, EntryKind.Completion, First.AddDays(5), null);

        Assert.Null(Exposure.DeathDate(p));
        Assert.Null(Exposure.Of(p, Far)!.DiedOn);
        Assert.Null(Exposure.DeathDate(completed));
        Assert.Null(Exposure.DeathDate(Patient(First)));
    }

    [Fact]
    public void a_withdrawal_for_death_dates_the_death_and_ends_the_exposure()
    {
        // Withdrawn for death on 1 Feb: 10 Jan to 1 Feb is 23 days.
        var p = Patient(First, new DateOnly(2026, 1, 24));
        AddEnd(p, EntryKind.Withdrawal, new DateOnly(2026, 2, 1), WithdrawalReason.Death);

        var exposure = Exposure.Of(p, Far)!;

        Assert.Equal(new DateOnly(2026, 2, 1), Exposure.DeathDate(p));
        Assert.Equal(new DateOnly(2026, 2, 1), exposure.DiedOn);
        Assert.Equal(new DateOnly(2026, 2, 1), exposure.To);
        Assert.Equal(23, exposure.Days);
    }

    [Fact]
    public void a_grade_5_event_dates_the_death_by_its_resolution_else_by_its_onset()
    {
        var resolved = Patient(First);
        Ae(resolved, Report(First.AddDays(3), grade: 5, criteria: [SeriousCriterion.Death], resolvedOn: First.AddDays(6)));
        var unresolved = Patient(First);
        Ae(unresolved, Report(First.AddDays(3), grade: 5, criteria: [SeriousCriterion.Death]));

        Assert.Equal(First.AddDays(6), Exposure.DeathDate(resolved));
        Assert.Equal(First.AddDays(3), Exposure.DeathDate(unresolved));
    }

    [Fact]
    public void a_follow_up_raising_the_grade_to_5_makes_the_event_a_death()
    {
        var p = Patient(First);
        var id = Ae(p, Report(First.AddDays(5), grade: 3));
        FollowUp(p, id, 5, [SeriousCriterion.Death], First.AddDays(8));

        Assert.Equal(First.AddDays(8), Exposure.DeathDate(p));
    }

    [Fact]
    public void the_earliest_of_several_death_dates_counts()
    {
        // Withdrawal for death on 10 Feb, a grade-5 event resolved on 3 Feb, another one with onset 5 Feb: 3 Feb.
        var p = Patient(First, new DateOnly(2026, 1, 24));
        AddEnd(p, EntryKind.Withdrawal, new DateOnly(2026, 2, 10), WithdrawalReason.Death);
        Ae(p, Report(new DateOnly(2026, 1, 30), grade: 5, criteria: [SeriousCriterion.Death], resolvedOn: new DateOnly(2026, 2, 3)));
        Ae(p, Report(new DateOnly(2026, 2, 5), grade: 5, criteria: [SeriousCriterion.Death]));

        Assert.Equal(new DateOnly(2026, 2, 3), Exposure.DeathDate(p));
    }

    [Fact]
    public void a_death_ends_the_exposure_on_its_date()
    {
        // Doses 10 and 20 Jan (follow-up to 17 Feb); a grade-5 event from 25 Jan, resolved (death) on 27 Jan:
        // 10 to 27 Jan is 18 days, and the fatal event itself is treatment-emergent.
        var p = Patient(First, First.AddDays(10));
        var fatal = Ae(
            p, Report(new DateOnly(2026, 1, 25), grade: 5, criteria: [SeriousCriterion.Death], resolvedOn: new DateOnly(2026, 1, 27)));

        var exposure = Exposure.Of(p, Far)!;

        Assert.Equal(new DateOnly(2026, 1, 27), exposure.DiedOn);
        Assert.Equal(new DateOnly(2026, 1, 27), exposure.To);
        Assert.Equal(18, exposure.Days);
        Assert.Equal(fatal, Assert.Single(exposure.Events).AdverseEventId);
    }
}
