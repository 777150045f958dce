using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// The completion of follow-up: a date from enrolment to the site's today, once per patient, with no dose, sample or score
/// after it.
/// </summary>
public sealed class CompletionRulesTests
{
    private const string DatePath = "completedOn";

    [Fact]
    public void a_valid_completion_is_recorded()
    {
        var decision = DecideCompletion(ValidCompletion());

        var completed = OnlyEvent<PatientCompleted>(decision);
        Assert.Equal(new CompletionData(VisitDate), completed.Data);
        Assert.Equal(new EntryRecorded(PatientId, 2, completed.EntryId), Assert.IsType<EntryRecorded>(decision.Answer!(2)));
    }

    [Fact]
    public void a_completion_needs_its_date()
    {
        AssertOnly(Rejected(DecideCompletion(new CompletionRequest(null))), DatePath, "Give the completion date (yyyy-MM-dd).");
    }

    [Fact]
    public void a_completion_today_is_accepted()
    {
        Assert.Equal(Today, OnlyEvent<PatientCompleted>(DecideCompletion(new CompletionRequest(Today))).Data.CompletedOn);
    }

    [Fact]
    public void a_completion_after_the_sites_today_is_rejected()
    {
        var errors = Rejected(DecideCompletion(new CompletionRequest(Tomorrow)));

        AssertOnly(errors, DatePath, $"The completion date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_completion_on_the_day_of_enrolment_is_accepted()
    {
        Assert.Equal(EnrolledOn, OnlyEvent<PatientCompleted>(DecideCompletion(new CompletionRequest(EnrolledOn))).Data.CompletedOn);
    }

    [Fact]
    public void a_completion_before_enrolment_is_rejected()
    {
        var before = EnrolledOn.AddDays(-1);

        var errors = Rejected(DecideCompletion(new CompletionRequest(before)));

        AssertOnly(errors, DatePath,
            $"The end of the patient's participation cannot be dated {Day(before)}, before the enrolment on {Day(EnrolledOn)}.");
    }

    [Fact]
    public void a_patient_completes_only_once()
    {
        var earlier = new DateOnly(2026, 11, 1);

        var errors = Rejected(DecideCompletion(ValidCompletion(), Given(Completed(earlier))));

        AssertOnly(errors, DatePath, $"The patient already completed on {Day(earlier)}; correct or void that entry instead.");
    }

    [Fact]
    public void a_patient_who_withdrew_cannot_complete()
    {
        var withdrawnOn = new DateOnly(2026, 11, 1);

        var errors = Rejected(DecideCompletion(ValidCompletion(), Given(Withdrawn(withdrawnOn))));

        AssertOnly(errors, DatePath, $"The patient already withdrew on {Day(withdrawnOn)}");
    }

    [Fact]
    public void a_voided_completion_allows_a_new_one()
    {
        var earlier = Guid.NewGuid();
        var patient = Given(Completed(new DateOnly(2026, 11, 1), earlier), Voided(earlier));

        Assert.Equal(VisitDate, OnlyEvent<PatientCompleted>(DecideCompletion(ValidCompletion(), patient)).Data.CompletedOn);
    }

    [Fact]
    public void doses_samples_and_scores_on_the_day_of_completion_are_allowed()
    {
        var patient = Given(DoseGiven(VisitDate), TregSampled(VisitDate), Scored(VisitDate));

        Assert.Equal(VisitDate, OnlyEvent<PatientCompleted>(DecideCompletion(ValidCompletion(), patient)).Data.CompletedOn);
    }

    [Theory]
    [InlineData("dose")]
    [InlineData("treg")]
    [InlineData("score")]
    public void a_dose_sample_or_score_after_the_completion_is_rejected(string kind)
    {
        var later = VisitDate.AddDays(3);
        object entry = kind switch
        {
            "dose" => DoseGiven(later),
            "treg" => TregSampled(later),
            "score" => Scored(later),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

        var errors = Rejected(DecideCompletion(ValidCompletion(), Given(entry)));

        AssertOnly(errors, DatePath, $"There are doses, samples or scores after {Day(VisitDate)} (the first on {Day(later)})");
    }

    [Fact]
    public void a_voided_later_sample_and_a_later_held_dose_do_not_count()
    {
        var sample = Guid.NewGuid();
        var patient = Given(TregSampled(VisitDate.AddDays(1), sample), Voided(sample), DoseHeldOn(VisitDate.AddDays(1)));

        Assert.Equal(VisitDate, OnlyEvent<PatientCompleted>(DecideCompletion(ValidCompletion(), patient)).Data.CompletedOn);
    }
}
