using Registry.Infrastructure;
using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// An adverse event (DOMAIN.md, Adverse events): its client id, onset and awareness, verbatim term, MedDRA codes, CTCAE
/// grade 1 to 5, seriousness criteria, causality, outcome, action taken and resolution; grade 5, the death criterion and
/// a fatal outcome go together. Adverse events are still recorded after the end of participation and may precede enrolment.
/// </summary>
public sealed class AdverseEventRulesTests
{
    private const string Ae = "adverseEvents[0]";

    [Fact]
    public void a_valid_adverse_event_is_recorded_under_its_client_id_with_its_text_trimmed()
    {
        var request = ValidAe() with { Term = "  injection site erythema ", MeddraPtCode = " 10022061 ", MeddraSocCode = "10018065 " };

        var recorded = Recorded<AdverseEventRecorded>(Visit(request));

        Assert.Equal(request.AdverseEventId, recorded.EntryId);
        var expected = new AdverseEventData(new DateOnly(2026, 11, 18), new DateOnly(2026, 11, 19), "injection site erythema", "10022061",
            "10018065", 1, recorded.Data.SeriousCriteria, Causality.Probable, true, AeOutcome.Recovering, ActionTaken.None, null);
        Assert.Equal(expected, recorded.Data);
        Assert.Empty(recorded.Data.SeriousCriteria);
    }

    [Fact]
    public void an_adverse_event_without_optional_values_keeps_none_and_no_seriousness_criteria()
    {
        var request = ValidAe() with
        {
            MeddraPtCode = null,
            MeddraSocCode = null,
            SeriousCriteria = null,
            Causality = null,
            Expected = null,
        };

        var data = Recorded<AdverseEventRecorded>(Visit(request)).Data;

        Assert.NotNull(data.SeriousCriteria);
        Assert.Empty(data.SeriousCriteria);
        var expected = new AdverseEventData(new DateOnly(2026, 11, 18), new DateOnly(2026, 11, 19), "injection site erythema", null, null,
            1, data.SeriousCriteria, null, null, AeOutcome.Recovering, ActionTaken.None, null);
        Assert.Equal(expected, data);
    }

    [Fact]
    public void an_empty_adverse_event_names_every_required_field()
    {
        var request = new AdverseEventRequest(Guid.NewGuid(), null, null, null, null, null, null, null, null, null, null, null, null);

        var errors = VisitErrors(Visit(request));

        AssertPaths(errors, $"{Ae}.onsetOn", $"{Ae}.awareOn", $"{Ae}.term", $"{Ae}.grade", $"{Ae}.outcome", $"{Ae}.actionTaken");
        AssertMessage(errors, $"{Ae}.onsetOn",
            "Give the onset date (yyyy-MM-dd, or yyyy-MM or yyyy when only the month or the year is known).");
        AssertMessage(errors, $"{Ae}.awareOn", "Give the date the site became aware of it (yyyy-MM-dd).");
        AssertMessage(errors, $"{Ae}.outcome",
            "Give the outcome: one of recovering, recovered, recovered-with-sequelae, not-recovered, fatal, unknown.");
        AssertMessage(errors, $"{Ae}.actionTaken", "Give the action taken with IL-2: one of none, dose-reduced, interrupted, withdrawn.");
    }

    // Partial dates (DOMAIN.md)

    [Fact]
    public void an_onset_known_only_to_the_month_is_kept_as_given()
    {
        var recorded = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { OnsetOn = new PartialDate(2026, 11) }));

        Assert.Equal("2026-11", recorded.Data.OnsetOn.ToString());
    }

    [Fact]
    public void an_onset_known_to_the_month_cannot_follow_a_resolution_or_the_awareness_within_it()
    {
        var errors = VisitErrors(Visit(ValidAe() with
        {
            OnsetOn = new PartialDate(2026, 3),
            AwareOn = new DateOnly(2026, 2, 27),
            Outcome = "recovered",
            ResolvedOn = new DateOnly(2026, 2, 10),
        }));

        AssertMessage(errors, $"{Ae}.resolvedOn", "An adverse event cannot resolve (2026-02-10) before its onset (2026-03).");
        AssertMessage(errors, $"{Ae}.awareOn", "before its onset (2026-03)");
    }

    [Fact]
    public void an_onset_and_a_resolution_in_the_same_partial_month_go_together()
    {
        var recorded = Recorded<AdverseEventRecorded>(Visit(ValidAe() with
        {
            OnsetOn = new PartialDate(2026, 3),
            AwareOn = new DateOnly(2026, 3, 20),
            Outcome = "recovered",
            ResolvedOn = new PartialDate(2026, 3, 5),
        }));

        Assert.Equal("2026-03-05", recorded.Data.ResolvedOn.ToString());
    }

    [Fact]
    public void a_partial_onset_in_a_month_still_to_come_is_refused()
    {
        var errors = VisitErrors(Visit(ValidAe() with { OnsetOn = new PartialDate(2026, 12) }));

        AssertMessage(errors, $"{Ae}.onsetOn", "is after the site's today");
    }

    // The client's id

    [Fact]
    public void an_adverse_event_needs_its_client_id()
    {
        var errors = VisitErrors(Visit(ValidAe() with { AdverseEventId = null }));

        AssertPaths(errors, $"{Ae}.adverseEventId");
    }

    [Fact]
    public void an_empty_client_id_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidAe() with { AdverseEventId = Guid.Empty }));

        AssertPaths(errors, $"{Ae}.adverseEventId");
    }

    [Fact]
    public void an_adverse_event_with_a_bad_id_still_names_its_other_problems()
    {
        var errors = VisitErrors(Visit(ValidAe() with { AdverseEventId = null, Grade = null }));

        AssertPaths(errors, $"{Ae}.adverseEventId", $"{Ae}.grade");
    }

    [Fact]
    public void two_adverse_events_of_one_visit_cannot_share_an_id()
    {
        var first = ValidAe();

        var errors = VisitErrors(EmptyVisit() with { AdverseEvents = [first, first with { Term = "fever" }] });

        AssertPaths(errors, "adverseEvents[0].adverseEventId", "adverseEvents[1].adverseEventId");
    }

    [Fact]
    public void two_adverse_events_of_one_visit_with_their_own_ids_are_both_recorded()
    {
        var first = ValidAe();
        var second = ValidAe() with { Term = "fever" };

        var events = Accepted(DecideVisit(EmptyVisit() with { AdverseEvents = [first, second] }));

        Assert.Equal(
            new[] { first.AdverseEventId!.Value, second.AdverseEventId!.Value },
            events.Select(e => Assert.IsType<AdverseEventRecorded>(e).EntryId));
    }

    [Fact]
    public void an_id_of_an_entry_the_patient_already_has_is_rejected()
    {
        var used = Guid.NewGuid();

        var errors = VisitErrors(Visit(ValidAe() with { AdverseEventId = used }), Given(DoseGiven(VisitDate, used)));

        AssertPaths(errors, $"{Ae}.adverseEventId");
    }

    [Fact]
    public void an_id_of_an_earlier_adverse_event_is_rejected_even_when_it_was_voided()
    {
        var used = Guid.NewGuid();

        var errors = VisitErrors(Visit(ValidAe() with { AdverseEventId = used }), Given(AeReported(used), Voided(used)));

        AssertPaths(errors, $"{Ae}.adverseEventId");
    }

    // Dates

    [Fact]
    public void an_adverse_event_starting_and_known_today_is_accepted()
    {
        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { OnsetOn = Today, AwareOn = Today })).Data;

        Assert.Equal(Today, data.OnsetOn);
        Assert.Equal(Today, data.AwareOn);
    }

    [Fact]
    public void an_adverse_event_starting_or_known_after_the_sites_today_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidAe() with { OnsetOn = Tomorrow, AwareOn = Tomorrow }));

        AssertPaths(errors, $"{Ae}.onsetOn", $"{Ae}.awareOn");
        AssertMessage(errors, $"{Ae}.onsetOn", $"The onset date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
        AssertMessage(errors, $"{Ae}.awareOn", $"The date the site became aware of it {Day(Tomorrow)} is after the site's today");
    }

    [Fact]
    public void the_site_can_become_aware_of_an_event_on_its_onset()
    {
        var onset = new DateOnly(2026, 11, 18);

        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { OnsetOn = onset, AwareOn = onset })).Data;

        Assert.Equal(onset, data.AwareOn);
    }

    [Fact]
    public void the_site_cannot_become_aware_of_an_event_before_its_onset()
    {
        var onset = new DateOnly(2026, 11, 18);
        var aware = onset.AddDays(-1);

        var errors = VisitErrors(Visit(ValidAe() with { OnsetOn = onset, AwareOn = aware }));

        AssertOnly(errors, $"{Ae}.awareOn", $"The site cannot have become aware of it ({Day(aware)}) before its onset ({Day(onset)}).");
    }

    [Fact]
    public void a_missing_onset_is_not_compared_with_the_awareness()
    {
        var errors = VisitErrors(Visit(ValidAe() with { OnsetOn = null }));

        AssertPaths(errors, $"{Ae}.onsetOn");
    }

    [Fact]
    public void an_adverse_event_may_start_before_enrolment()
    {
        var onset = EnrolledOn.AddDays(-200);

        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { OnsetOn = onset })).Data;

        Assert.Equal(onset, data.OnsetOn);
    }

    [Fact]
    public void adverse_events_are_still_recorded_after_withdrawal()
    {
        var patient = Given(Withdrawn(new DateOnly(2026, 11, 1)));

        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe()), patient).Data;

        Assert.Equal(new DateOnly(2026, 11, 18), data.OnsetOn);
    }

    // Term and MedDRA codes

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void an_adverse_event_needs_its_verbatim_term(string? term)
    {
        var errors = VisitErrors(Visit(ValidAe() with { Term = term }));

        AssertPaths(errors, $"{Ae}.term");
    }

    [Fact]
    public void a_term_of_500_characters_is_accepted()
    {
        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { Term = Text(500) })).Data;

        Assert.Equal(Text(500), data.Term);
    }

    [Fact]
    public void a_term_of_more_than_500_characters_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidAe() with { Term = Text(501) }));

        AssertOnly(errors, $"{Ae}.term", "At most 500 characters.");
    }

    [Theory]
    [InlineData("10022061", "10022061")]
    [InlineData(" 10022061 ", "10022061")]
    [InlineData("10000000", "10000000")]
    [InlineData("19999999", "19999999")]
    public void a_meddra_code_is_8_digits_starting_with_1(string code, string expected)
    {
        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { MeddraPtCode = code, MeddraSocCode = code })).Data;

        Assert.Equal(expected, data.MeddraPtCode);
        Assert.Equal(expected, data.MeddraSocCode);
    }

    [Theory]
    [InlineData("1002206")]
    [InlineData("100220610")]
    [InlineData("20022061")]
    [InlineData("x10022061")]
    [InlineData("10022061x")]
    [InlineData("1002206a")]
    [InlineData("1002 2061")]
    [InlineData("")]
    [InlineData("  ")]
    public void a_preferred_term_code_that_is_not_8_digits_starting_with_1_is_rejected(string code)
    {
        var errors = VisitErrors(Visit(ValidAe() with { MeddraPtCode = code }));

        AssertOnly(errors, $"{Ae}.meddraPtCode",
            $"A MedDRA preferred-term code is 8 digits starting with 1, e.g. 10022061; '{code}' is not.");
    }

    [Theory]
    [InlineData("skin")]
    [InlineData("1001806")]
    public void a_system_organ_class_code_that_is_not_8_digits_starting_with_1_is_rejected(string code)
    {
        var errors = VisitErrors(Visit(ValidAe() with { MeddraSocCode = code }));

        AssertOnly(errors, $"{Ae}.meddraSocCode",
            $"A MedDRA system organ class code is 8 digits starting with 1, e.g. 10022061; '{code}' is not.");
    }

    // Grade and seriousness

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void grades_1_to_4_are_accepted(int grade)
    {
        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { Grade = grade })).Data;

        Assert.Equal(grade, data.Grade);
    }

    [Fact]
    public void grade_5_is_accepted_as_a_death()
    {
        var request = ValidAe() with { Grade = 5, SeriousCriteria = ["death"], Outcome = "fatal" };

        var data = Recorded<AdverseEventRecorded>(Visit(request)).Data;

        Assert.Equal(5, data.Grade);
        Assert.Equal(new[] { SeriousCriterion.Death }, data.SeriousCriteria);
        Assert.Equal(AeOutcome.Fatal, data.Outcome);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(6)]
    public void a_grade_outside_1_to_5_is_rejected(int grade)
    {
        var errors = VisitErrors(Visit(ValidAe() with { Grade = grade }));

        AssertOnly(errors, $"{Ae}.grade", $"A CTCAE grade is 1 (mild) to 5 (death); {grade} is not one.");
    }

    [Fact]
    public void a_grade_out_of_range_is_the_only_grade_problem_even_for_a_death()
    {
        var errors = VisitErrors(Visit(ValidAe() with { Grade = 0, SeriousCriteria = ["death"], Outcome = "fatal" }));

        AssertPaths(errors, $"{Ae}.grade");
        Assert.Single(errors[$"{Ae}.grade"]);
    }

    [Fact]
    public void a_missing_grade_is_the_only_grade_problem_even_for_a_death()
    {
        var errors = VisitErrors(Visit(ValidAe() with { Grade = null, SeriousCriteria = ["death"], Outcome = "fatal" }));

        AssertOnly(errors, $"{Ae}.grade", "Give the CTCAE grade");
        Assert.Single(errors[$"{Ae}.grade"]);
    }

    [Fact]
    public void a_grade_5_event_without_outcome_is_only_asked_for_its_outcome()
    {
        var errors = VisitErrors(Visit(ValidAe() with { Grade = 5, SeriousCriteria = ["death"], Outcome = null }));

        AssertPaths(errors, $"{Ae}.outcome");
        Assert.Single(errors[$"{Ae}.outcome"]);
    }

    [Theory]
    [InlineData(5, "death", "fatal", "")]
    [InlineData(5, null, "fatal", "seriousCriteria")]
    [InlineData(5, "death", "recovered", "outcome")]
    [InlineData(5, null, "not-recovered", "outcome,seriousCriteria")]
    [InlineData(4, "death", "not-recovered", "grade")]
    [InlineData(4, null, "fatal", "grade")]
    [InlineData(4, "life-threatening", "fatal", "grade")]
    [InlineData(4, "life-threatening", "not-recovered", "")]
    [InlineData(1, null, "recovering", "")]
    public void grade_5_the_death_criterion_and_a_fatal_outcome_go_together(int grade, string? criterion, string outcome, string problems)
    {
        var criteria = criterion is null ? new List<string>() : new List<string> { criterion };

        var decision = DecideVisit(Visit(ValidAe() with { Grade = grade, SeriousCriteria = criteria, Outcome = outcome }));

        if (problems.Length == 0)
        {
            Assert.Single(Accepted(decision));
        }
        else
        {
            AssertPaths(Rejected(decision), problems.Split(',').Select(field => $"{Ae}.{field}").ToArray());
        }
    }

    [Theory]
    [InlineData("life-threatening", SeriousCriterion.LifeThreatening)]
    [InlineData("hospitalisation", SeriousCriterion.Hospitalisation)]
    [InlineData("disability", SeriousCriterion.Disability)]
    [InlineData("congenital-anomaly", SeriousCriterion.CongenitalAnomaly)]
    [InlineData("medically-important", SeriousCriterion.MedicallyImportant)]
    public void each_seriousness_criterion_is_read_from_its_kebab_name(string criterion, SeriousCriterion expected)
    {
        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { Grade = 3, SeriousCriteria = [criterion] })).Data;

        Assert.Equal(new[] { expected }, data.SeriousCriteria);
    }

    [Fact]
    public void several_seriousness_criteria_are_kept_in_order()
    {
        var request = ValidAe() with { Grade = 3, SeriousCriteria = ["medically-important", "hospitalisation"] };

        var data = Recorded<AdverseEventRecorded>(Visit(request)).Data;

        Assert.Equal(new[] { SeriousCriterion.MedicallyImportant, SeriousCriterion.Hospitalisation }, data.SeriousCriteria);
    }

    [Fact]
    public void an_unknown_seriousness_criterion_is_rejected_at_its_index()
    {
        var errors = VisitErrors(Visit(ValidAe() with { Grade = 3, SeriousCriteria = ["hospitalisation", "serious"] }));

        AssertOnly(errors, $"{Ae}.seriousCriteria[1]", "'serious' is not a known seriousness criterion");
    }

    [Fact]
    public void a_seriousness_criterion_listed_twice_is_rejected_at_its_second_place()
    {
        var request = ValidAe() with { Grade = 3, SeriousCriteria = ["hospitalisation", "disability", "hospitalisation"] };

        var errors = VisitErrors(Visit(request));

        AssertOnly(errors, $"{Ae}.seriousCriteria[2]", "'hospitalisation' is listed twice.");
    }

    // Causality, expectedness, outcome, action taken

    [Theory]
    [InlineData("certain", Causality.Certain)]
    [InlineData("probable", Causality.Probable)]
    [InlineData("possible", Causality.Possible)]
    [InlineData("unlikely", Causality.Unlikely)]
    [InlineData("conditional", Causality.Conditional)]
    [InlineData("unassessable", Causality.Unassessable)]
    public void each_causality_is_read_from_its_kebab_name(string causality, Causality expected)
    {
        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { Causality = causality })).Data;

        Assert.Equal(expected, data.Causality);
    }

    [Fact]
    public void an_unknown_causality_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidAe() with { Causality = "likely" }));

        AssertOnly(errors, $"{Ae}.causality", "'likely' is not a known causality");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(true)]
    [InlineData(false)]
    public void expectedness_is_kept_as_given(bool? expected)
    {
        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { Expected = expected })).Data;

        Assert.Equal(expected, data.Expected);
    }

    [Theory]
    [InlineData("recovering", AeOutcome.Recovering)]
    [InlineData("recovered", AeOutcome.Recovered)]
    [InlineData("recovered-with-sequelae", AeOutcome.RecoveredWithSequelae)]
    [InlineData("not-recovered", AeOutcome.NotRecovered)]
    [InlineData("fatal", AeOutcome.Fatal)]
    [InlineData("unknown", AeOutcome.Unknown)]
    public void each_outcome_is_read_from_its_kebab_name(string outcome, AeOutcome expected)
    {
        var request = outcome == "fatal" ? ValidAe() with { Grade = 5, SeriousCriteria = ["death"] } : ValidAe();

        var data = Recorded<AdverseEventRecorded>(Visit(request with { Outcome = outcome })).Data;

        Assert.Equal(expected, data.Outcome);
    }

    [Fact]
    public void an_unknown_outcome_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidAe() with { Outcome = "better" }));

        AssertOnly(errors, $"{Ae}.outcome", "'better' is not a known outcome");
    }

    [Theory]
    [InlineData("none", ActionTaken.None)]
    [InlineData("dose-reduced", ActionTaken.DoseReduced)]
    [InlineData("interrupted", ActionTaken.Interrupted)]
    [InlineData("withdrawn", ActionTaken.Withdrawn)]
    public void each_action_taken_is_read_from_its_kebab_name(string action, ActionTaken expected)
    {
        var data = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { ActionTaken = action })).Data;

        Assert.Equal(expected, data.ActionTaken);
    }

    [Fact]
    public void an_unknown_action_taken_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidAe() with { ActionTaken = "stopped" }));

        AssertOnly(errors, $"{Ae}.actionTaken", "'stopped' is not a known action taken with IL-2");
    }

    // Resolution

    [Theory]
    [InlineData("recovered")]
    [InlineData("recovered-with-sequelae")]
    [InlineData("fatal")]
    public void a_resolution_date_goes_with_an_outcome_that_ended_the_event(string outcome)
    {
        var request = outcome == "fatal" ? ValidAe() with { Grade = 5, SeriousCriteria = ["death"] } : ValidAe();

        var data = Recorded<AdverseEventRecorded>(Visit(request with { Outcome = outcome, ResolvedOn = VisitDate })).Data;

        Assert.Equal(VisitDate, data.ResolvedOn);
    }

    [Theory]
    [InlineData("recovering")]
    [InlineData("not-recovered")]
    [InlineData("unknown")]
    public void a_resolution_date_does_not_go_with_an_outcome_that_did_not_end_the_event(string outcome)
    {
        var errors = VisitErrors(Visit(ValidAe() with { Outcome = outcome, ResolvedOn = VisitDate }));

        AssertOnly(errors, $"{Ae}.resolvedOn",
            $"A resolution date goes with an outcome of recovered, recovered-with-sequelae or fatal, not {outcome}.");
    }

    [Fact]
    public void an_event_can_resolve_on_its_onset_and_today()
    {
        var onset = new DateOnly(2026, 11, 18);

        var sameDay = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { Outcome = "recovered", ResolvedOn = onset })).Data;
        var today = Recorded<AdverseEventRecorded>(Visit(ValidAe() with { Outcome = "recovered", ResolvedOn = Today })).Data;

        Assert.Equal(onset, sameDay.ResolvedOn);
        Assert.Equal(Today, today.ResolvedOn);
    }

    [Fact]
    public void an_event_cannot_resolve_before_its_onset()
    {
        var onset = new DateOnly(2026, 11, 18);
        var resolved = onset.AddDays(-1);

        var errors = VisitErrors(Visit(ValidAe() with { Outcome = "recovered", ResolvedOn = resolved }));

        AssertOnly(errors, $"{Ae}.resolvedOn", $"An adverse event cannot resolve ({Day(resolved)}) before its onset ({Day(onset)}).");
    }

    [Fact]
    public void an_event_cannot_resolve_after_the_sites_today()
    {
        var errors = VisitErrors(Visit(ValidAe() with { Outcome = "recovered", ResolvedOn = Tomorrow }));

        AssertOnly(errors, $"{Ae}.resolvedOn", $"The resolution date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }
}
