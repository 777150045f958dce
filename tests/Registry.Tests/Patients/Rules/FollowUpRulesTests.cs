using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// A follow-up of an adverse event (DOMAIN.md, API.md): new information learnt on <c>reportedOn</c>, not before the site
/// first knew of the event, checked against the event as it stands with its earlier follow-ups (criteria accumulate).
/// The event reported here began on 2026-11-10, the site knew on 2026-11-12: grade 2, recovering, not serious.
/// </summary>
public sealed class FollowUpRulesTests
{
    private static readonly Guid AeId = Guid.NewGuid();

    private static readonly DateOnly ReportedOn = new(2026, 11, 21);

    private static Decision FollowUp(AeFollowUpRequest request, PatientState? patient = null) =>
        DecideFollowUp(AeId, request, patient ?? Given(AeReported(AeId)));

    private static AeFollowUpData Recorded(AeFollowUpRequest request, PatientState? patient = null) =>
        OnlyEvent<AdverseEventFollowedUp>(FollowUp(request, patient)).Data;

    private static IDictionary<string, string[]> Errors(AeFollowUpRequest request, PatientState? patient = null) =>
        Rejected(FollowUp(request, patient));

    private static AeFollowUpRequest Nothing() => new(ReportedOn, null, null, null, null, null, null);

    /// <summary>An earlier follow-up: the event led to death.</summary>
    private static AeFollowUpData Fatal() => new(AeId, ReportedOn, 5, [SeriousCriterion.Death], AeOutcome.Fatal, null, null, null);

    [Fact]
    public void a_follow_up_records_what_it_brings_and_nothing_else()
    {
        var decision = FollowUp(ValidFollowUp());

        var followUp = OnlyEvent<AdverseEventFollowedUp>(decision);
        Assert.Equal(new AeFollowUpData(AeId, ReportedOn, 3, null, null, null, null, null), followUp.Data);
        Assert.NotEqual(AeId, followUp.EntryId);
        Assert.Equal(new EntryRecorded(PatientId, 3, followUp.EntryId), Assert.IsType<EntryRecorded>(decision.Answer!(3)));
    }

    [Fact]
    public void a_follow_up_with_every_field_keeps_each()
    {
        var request = new AeFollowUpRequest(
            ReportedOn, 3, ["hospitalisation", "medically-important"], "recovered", VisitDate, "certain", true);

        var data = Recorded(request);

        Assert.Equal(new[] { SeriousCriterion.Hospitalisation, SeriousCriterion.MedicallyImportant }, data.SeriousCriteria);
        Assert.Equal(
            new AeFollowUpData(AeId, ReportedOn, 3, data.SeriousCriteria, AeOutcome.Recovered, VisitDate, Causality.Certain, true),
            data);
    }

    [Fact]
    public void an_empty_list_of_criteria_is_kept_empty_and_no_list_as_none()
    {
        var none = Recorded(ValidFollowUp());
        var empty = Recorded(ValidFollowUp() with { SeriousCriteria = [] });

        Assert.Null(none.SeriousCriteria);
        Assert.NotNull(empty.SeriousCriteria);
        Assert.Empty(empty.SeriousCriteria);
    }

    [Fact]
    public void a_follow_up_of_an_unknown_adverse_event_is_not_found()
    {
        NotFound(DecideFollowUp(Guid.NewGuid(), ValidFollowUp(), Given(AeReported(AeId))));
    }

    [Fact]
    public void a_follow_up_of_an_entry_that_is_not_an_adverse_event_is_not_found()
    {
        var dose = Guid.NewGuid();

        NotFound(DecideFollowUp(dose, ValidFollowUp(), Given(DoseGiven(VisitDate, dose))));
    }

    [Fact]
    public void a_follow_up_of_a_voided_adverse_event_is_not_found()
    {
        NotFound(DecideFollowUp(AeId, ValidFollowUp(), Given(AeReported(AeId), Voided(AeId))));
    }

    [Fact]
    public void follow_ups_are_still_recorded_after_withdrawal()
    {
        var data = Recorded(ValidFollowUp(), Given(AeReported(AeId), Withdrawn(new DateOnly(2026, 11, 15))));

        Assert.Equal(ReportedOn, data.ReportedOn);
    }

    // The date the site learnt it

    [Fact]
    public void a_follow_up_needs_the_date_the_site_learnt_it()
    {
        var errors = Errors(ValidFollowUp() with { ReportedOn = null });

        AssertOnly(errors, "reportedOn", "Give the date the site learnt the new information (yyyy-MM-dd).");
    }

    [Fact]
    public void a_follow_up_learnt_today_is_accepted()
    {
        Assert.Equal(Today, Recorded(ValidFollowUp() with { ReportedOn = Today }).ReportedOn);
    }

    [Fact]
    public void a_follow_up_learnt_after_the_sites_today_is_rejected()
    {
        var errors = Errors(ValidFollowUp() with { ReportedOn = Tomorrow });

        AssertOnly(errors, "reportedOn",
            $"The date the site learnt the new information {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_follow_up_learnt_the_day_the_site_became_aware_of_the_event_is_accepted()
    {
        Assert.Equal(AeAware, Recorded(ValidFollowUp() with { ReportedOn = AeAware }).ReportedOn);
    }

    [Fact]
    public void a_follow_up_cannot_be_learnt_before_the_site_became_aware_of_the_event()
    {
        var before = AeAware.AddDays(-1);

        var errors = Errors(ValidFollowUp() with { ReportedOn = before });

        AssertOnly(errors, "reportedOn",
            $"New information cannot come ({Day(before)}) before the site first became aware of the event ({Day(AeAware)}).");
    }

    // Something new

    [Fact]
    public void a_follow_up_without_new_information_is_rejected()
    {
        AssertPaths(Errors(Nothing()), "$");
    }

    [Fact]
    public void an_empty_list_of_criteria_is_no_new_information()
    {
        AssertPaths(Errors(Nothing() with { SeriousCriteria = [] }), "$");
    }

    [Fact]
    public void an_empty_follow_up_names_its_date_and_asks_for_something_new()
    {
        AssertPaths(Errors(new AeFollowUpRequest(null, null, null, null, null, null, null)), "reportedOn", "$");
    }

    [Theory]
    [InlineData("grade")]
    [InlineData("seriousCriteria")]
    [InlineData("outcome")]
    [InlineData("resolvedOn")]
    [InlineData("causality")]
    [InlineData("expected")]
    public void any_one_field_is_new_information(string field)
    {
        var request = field switch
        {
            "grade" => Nothing() with { Grade = 3 },
            "seriousCriteria" => Nothing() with { SeriousCriteria = ["hospitalisation"] },
            "outcome" => Nothing() with { Outcome = "recovered-with-sequelae" },
            "resolvedOn" => Nothing() with { ResolvedOn = VisitDate },
            "causality" => Nothing() with { Causality = "certain" },
            "expected" => Nothing() with { Expected = false },
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
        };

        var data = Recorded(request, Given(AeReported(AeId, AeData(2, AeOutcome.Recovered))));

        Assert.Equal(AeId, data.AdverseEventId);
    }

    // Each field

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void a_new_grade_outside_1_to_5_is_rejected(int grade)
    {
        var errors = Errors(Nothing() with { Grade = grade });

        AssertOnly(errors, "grade", $"A CTCAE grade is 1 (mild) to 5 (death); {grade} is not one.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void a_new_grade_from_1_to_4_is_accepted(int grade)
    {
        Assert.Equal(grade, Recorded(Nothing() with { Grade = grade }).Grade);
    }

    [Fact]
    public void an_unknown_seriousness_criterion_is_rejected_at_its_index()
    {
        var errors = Errors(Nothing() with { SeriousCriteria = ["serious"] });

        AssertOnly(errors, "seriousCriteria[0]", "'serious' is not a known seriousness criterion");
    }

    [Fact]
    public void a_seriousness_criterion_listed_twice_is_rejected()
    {
        var errors = Errors(Nothing() with { SeriousCriteria = ["hospitalisation", "hospitalisation"] });

        AssertOnly(errors, "seriousCriteria[1]", "'hospitalisation' is listed twice.");
    }

    [Fact]
    public void an_unknown_outcome_is_rejected()
    {
        AssertOnly(Errors(Nothing() with { Outcome = "better" }), "outcome", "'better' is not a known outcome");
    }

    [Fact]
    public void an_unknown_causality_is_rejected()
    {
        AssertOnly(Errors(Nothing() with { Causality = "likely" }), "causality", "'likely' is not a known causality");
    }

    // Resolution, against the event as it stands

    [Fact]
    public void a_resolution_date_with_an_outcome_that_ended_the_event_is_accepted()
    {
        var data = Recorded(Nothing() with { Outcome = "recovered", ResolvedOn = VisitDate });

        Assert.Equal(AeOutcome.Recovered, data.Outcome);
        Assert.Equal(VisitDate, data.ResolvedOn);
    }

    [Fact]
    public void a_resolution_date_alone_is_checked_against_the_events_current_outcome()
    {
        var errors = Errors(Nothing() with { ResolvedOn = VisitDate });

        AssertOnly(errors, "resolvedOn", "not recovering.");
    }

    [Fact]
    public void a_resolution_date_with_an_outcome_that_did_not_end_the_event_is_rejected()
    {
        var errors = Errors(Nothing() with { Outcome = "not-recovered", ResolvedOn = VisitDate });

        AssertOnly(errors, "resolvedOn", "not not-recovered.");
    }

    [Fact]
    public void an_event_can_resolve_on_its_onset_and_today()
    {
        Assert.Equal(AeOnset, Recorded(Nothing() with { Outcome = "recovered", ResolvedOn = AeOnset }).ResolvedOn);
        Assert.Equal(Today, Recorded(Nothing() with { Outcome = "recovered", ResolvedOn = Today }).ResolvedOn);
    }

    [Fact]
    public void an_event_cannot_resolve_before_its_onset()
    {
        var before = AeOnset.AddDays(-1);

        var errors = Errors(Nothing() with { Outcome = "recovered", ResolvedOn = before });

        AssertOnly(errors, "resolvedOn", $"An adverse event cannot resolve ({Day(before)}) before its onset ({Day(AeOnset)}).");
    }

    [Fact]
    public void an_event_cannot_resolve_after_the_sites_today()
    {
        var errors = Errors(Nothing() with { Outcome = "recovered", ResolvedOn = Tomorrow });

        AssertOnly(errors, "resolvedOn", $"The resolution date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    // Death, against the event as it stands

    [Theory]
    [InlineData(5, "death", "fatal", "")]
    [InlineData(5, null, null, "outcome,seriousCriteria")]
    [InlineData(5, "death", null, "outcome")]
    [InlineData(5, null, "fatal", "seriousCriteria")]
    [InlineData(null, null, "fatal", "grade")]
    [InlineData(null, "death", null, "grade")]
    [InlineData(4, "death", "fatal", "grade")]
    [InlineData(4, "life-threatening", "not-recovered", "")]
    public void grade_5_the_death_criterion_and_a_fatal_outcome_go_together(int? grade, string? criterion, string? outcome, string problems)
    {
        var criteria = criterion is null ? null : new List<string> { criterion };

        var decision = FollowUp(Nothing() with { Grade = grade, SeriousCriteria = criteria, Outcome = outcome });

        if (problems.Length == 0)
        {
            Assert.Single(Accepted(decision));
        }
        else
        {
            AssertPaths(Rejected(decision), problems.Split(','));
        }
    }

    [Fact]
    public void death_is_only_checked_once_the_follow_up_is_otherwise_right()
    {
        var errors = Errors(Nothing() with { ReportedOn = null, Grade = 5 });

        AssertPaths(errors, "reportedOn");
    }

    [Fact]
    public void a_death_already_reported_needs_not_be_repeated()
    {
        var patient = Given(AeReported(AeId, AeData(5, AeOutcome.Fatal, SeriousCriterion.Death)));

        var data = Recorded(Nothing() with { Causality = "certain" }, patient);

        Assert.Equal(Causality.Certain, data.Causality);
    }

    [Fact]
    public void the_death_criterion_of_an_earlier_follow_up_still_counts()
    {
        var patient = Given(
            AeReported(AeId),
            FollowedUp(Guid.NewGuid(), Fatal()));

        Assert.Equal(Causality.Certain, Recorded(Nothing() with { Causality = "certain" }, patient).Causality);
        AssertPaths(Errors(Nothing() with { Grade = 4 }, patient), "grade");
    }

    [Fact]
    public void a_voided_follow_up_no_longer_counts()
    {
        var earlier = Guid.NewGuid();
        var patient = Given(
            AeReported(AeId),
            FollowedUp(earlier, Fatal()),
            Voided(earlier));

        AssertPaths(Errors(Nothing() with { Outcome = "fatal" }, patient), "grade");
    }
}
