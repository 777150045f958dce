using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// A withdrawal (DOMAIN.md): a date from enrolment to the site's today with a coded reason; once per patient; no dose,
/// sample or score may remain after it (adverse events, medications and held doses may).
/// </summary>
public sealed class WithdrawalRulesTests
{
    private const string DatePath = "withdrawnOn";

    [Fact]
    public void a_valid_withdrawal_is_recorded_with_its_reason_trimmed()
    {
        var decision = DecideWithdrawal(ValidWithdrawal() with { Reason = "  moved abroad " });

        var withdrawn = OnlyEvent<PatientWithdrawn>(decision);
        Assert.Equal(new WithdrawalData(VisitDate, WithdrawalReason.PatientDecision, "moved abroad"), withdrawn.Data);
        Assert.Equal(new EntryRecorded(PatientId, 2, withdrawn.EntryId), Assert.IsType<EntryRecorded>(decision.Answer!(2)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void a_withdrawal_without_details_keeps_none(string? reason)
    {
        var withdrawn = OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal() with { Reason = reason }));

        Assert.Null(withdrawn.Data.Reason);
    }

    [Theory]
    [InlineData("adverse-event", WithdrawalReason.AdverseEvent)]
    [InlineData("lack-of-efficacy", WithdrawalReason.LackOfEfficacy)]
    [InlineData("patient-decision", WithdrawalReason.PatientDecision)]
    [InlineData("lost-to-follow-up", WithdrawalReason.LostToFollowUp)]
    [InlineData("death", WithdrawalReason.Death)]
    [InlineData("other", WithdrawalReason.Other)]
    public void each_reason_is_read_from_its_kebab_name(string reasonCode, WithdrawalReason expected)
    {
        var withdrawn = OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal() with { ReasonCode = reasonCode }));

        Assert.Equal(expected, withdrawn.Data.ReasonCode);
    }

    [Fact]
    public void an_unknown_reason_is_rejected()
    {
        var errors = Rejected(DecideWithdrawal(ValidWithdrawal() with { ReasonCode = "moved" }));

        AssertOnly(errors, "reasonCode", "'moved' is not a known reason for withdrawal");
    }

    [Fact]
    public void an_empty_withdrawal_names_its_date_and_its_reason()
    {
        var errors = Rejected(DecideWithdrawal(new WithdrawalRequest(null, null, null)));

        AssertPaths(errors, DatePath, "reasonCode");
        AssertMessage(errors, DatePath, "Give the withdrawal date (yyyy-MM-dd).");
        AssertMessage(errors, "reasonCode",
            "Give the reason for withdrawal: one of adverse-event, lack-of-efficacy, patient-decision, lost-to-follow-up, death, other.");
    }

    [Fact]
    public void details_of_500_characters_are_accepted()
    {
        Assert.Equal(Text(500), OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal() with { Reason = Text(500) })).Data.Reason);
    }

    [Fact]
    public void details_of_more_than_500_characters_are_rejected()
    {
        AssertOnly(Rejected(DecideWithdrawal(ValidWithdrawal() with { Reason = Text(501) })), "reason", "At most 500 characters.");
    }

    // The date

    [Fact]
    public void a_withdrawal_today_is_accepted()
    {
        Assert.Equal(Today, OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal() with { WithdrawnOn = Today })).Data.WithdrawnOn);
    }

    [Fact]
    public void a_withdrawal_after_the_sites_today_is_rejected()
    {
        var errors = Rejected(DecideWithdrawal(ValidWithdrawal() with { WithdrawnOn = Tomorrow }));

        AssertOnly(errors, DatePath, $"The withdrawal date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_withdrawal_on_the_day_of_enrolment_is_accepted()
    {
        var withdrawn = OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal() with { WithdrawnOn = EnrolledOn }));

        Assert.Equal(EnrolledOn, withdrawn.Data.WithdrawnOn);
    }

    [Fact]
    public void a_withdrawal_before_enrolment_is_rejected()
    {
        var before = EnrolledOn.AddDays(-1);

        var errors = Rejected(DecideWithdrawal(ValidWithdrawal() with { WithdrawnOn = before }));

        AssertOnly(errors, DatePath,
            $"The end of the patient's participation cannot be dated {Day(before)}, before the enrolment on {Day(EnrolledOn)}.");
    }

    // Once per patient

    [Fact]
    public void a_patient_withdraws_only_once()
    {
        var earlier = new DateOnly(2026, 11, 1);

        var errors = Rejected(DecideWithdrawal(ValidWithdrawal(), Given(Withdrawn(earlier))));

        AssertOnly(errors, DatePath, $"The patient already withdrew on {Day(earlier)}; correct or void that entry instead.");
    }

    [Fact]
    public void a_patient_who_completed_cannot_withdraw()
    {
        var completedOn = new DateOnly(2026, 11, 1);

        var errors = Rejected(DecideWithdrawal(ValidWithdrawal(), Given(Completed(completedOn))));

        AssertOnly(errors, DatePath, $"The patient already completed on {Day(completedOn)}");
    }

    [Fact]
    public void a_voided_withdrawal_allows_a_new_one()
    {
        var earlier = Guid.NewGuid();

        var patient = Given(Withdrawn(new DateOnly(2026, 11, 1), earlier), Voided(earlier));

        var withdrawn = OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal(), patient));

        Assert.Equal(VisitDate, withdrawn.Data.WithdrawnOn);
    }

    // Nothing of the treatment after it

    [Fact]
    public void doses_samples_and_scores_on_the_day_of_withdrawal_are_allowed()
    {
        var patient = Given(DoseGiven(VisitDate), TregSampled(VisitDate), Scored(VisitDate));

        Assert.Equal(VisitDate, OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal(), patient)).Data.WithdrawnOn);
    }

    [Theory]
    [InlineData("dose")]
    [InlineData("treg")]
    [InlineData("score")]
    public void a_dose_sample_or_score_after_the_withdrawal_is_rejected(string kind)
    {
        var later = VisitDate.AddDays(1);
        object entry = kind switch
        {
            "dose" => DoseGiven(later),
            "treg" => TregSampled(later),
            "score" => Scored(later),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

        var errors = Rejected(DecideWithdrawal(ValidWithdrawal(), Given(entry)));

        AssertOnly(errors, DatePath, $"There are doses, samples or scores after {Day(VisitDate)} (the first on {Day(later)})");
    }

    [Fact]
    public void the_first_later_entry_is_named()
    {
        var patient = Given(
            DoseGiven(new DateOnly(2026, 11, 25)), Scored(new DateOnly(2026, 11, 22)), TregSampled(new DateOnly(2026, 11, 27)));

        var errors = Rejected(DecideWithdrawal(ValidWithdrawal(), patient));

        AssertOnly(errors, DatePath, $"(the first on {Day(new DateOnly(2026, 11, 22))})");
        Assert.Single(errors[DatePath]);
    }

    [Fact]
    public void a_voided_later_dose_does_not_count()
    {
        var dose = Guid.NewGuid();

        var patient = Given(DoseGiven(VisitDate.AddDays(1), dose), Voided(dose));

        var withdrawn = OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal(), patient));

        Assert.Equal(VisitDate, withdrawn.Data.WithdrawnOn);
    }

    [Fact]
    public void later_adverse_events_medications_held_doses_and_items_not_done_do_not_count()
    {
        var later = VisitDate.AddDays(2);
        var patient = Given(
            AeReported(Guid.NewGuid(), AeData() with { OnsetOn = later, AwareOn = later }),
            MedicationStarted(later),
            DoseHeldOn(later),
            NotDoneOn(later));

        Assert.Equal(VisitDate, OnlyEvent<PatientWithdrawn>(DecideWithdrawal(ValidWithdrawal(), patient)).Data.WithdrawnOn);
    }
}
