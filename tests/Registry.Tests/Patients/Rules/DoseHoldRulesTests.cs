using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>A planned dose held or stopped: a date inside participation and a coded reason, details optional.</summary>
public sealed class DoseHoldRulesTests
{
    [Fact]
    public void a_valid_held_dose_keeps_its_details_trimmed()
    {
        var recorded = Recorded<DoseHeld>(Visit(ValidDoseHold() with { Reason = "  fever of 39 °C " }));

        Assert.Equal(new DoseHoldData(VisitDate, HoldReason.AdverseEvent, "fever of 39 °C"), recorded.Data);
    }

    [Fact]
    public void a_held_dose_without_details_keeps_none()
    {
        var recorded = Recorded<DoseHeld>(Visit(ValidDoseHold() with { Reason = null }));

        Assert.Equal(new DoseHoldData(VisitDate, HoldReason.AdverseEvent, null), recorded.Data);
    }

    [Theory]
    [InlineData("adverse-event", HoldReason.AdverseEvent)]
    [InlineData("lab-abnormality", HoldReason.LabAbnormality)]
    [InlineData("patient-decision", HoldReason.PatientDecision)]
    [InlineData("other", HoldReason.Other)]
    public void each_reason_is_read_from_its_kebab_name(string reasonCode, HoldReason expected)
    {
        var recorded = Recorded<DoseHeld>(Visit(ValidDoseHold() with { ReasonCode = reasonCode }));

        Assert.Equal(expected, recorded.Data.ReasonCode);
    }

    [Fact]
    public void an_unknown_reason_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidDoseHold() with { ReasonCode = "holiday" }));

        AssertOnly(errors, "doseHolds[0].reasonCode", "'holiday' is not a known reason for holding the dose");
    }

    [Fact]
    public void an_empty_held_dose_names_its_date_and_its_reason()
    {
        var errors = VisitErrors(Visit(new DoseHoldRequest(null, null, null)));

        AssertPaths(errors, "doseHolds[0].heldOn", "doseHolds[0].reasonCode");
        AssertMessage(errors, "doseHolds[0].heldOn", "Give the date the dose was held (yyyy-MM-dd).");
        AssertMessage(errors, "doseHolds[0].reasonCode",
            "Give the reason for holding the dose: one of adverse-event, lab-abnormality, patient-decision, other.");
    }

    [Fact]
    public void a_dose_held_today_is_accepted()
    {
        var recorded = Recorded<DoseHeld>(Visit(ValidDoseHold() with { HeldOn = Today }));

        Assert.Equal(Today, recorded.Data.HeldOn);
    }

    [Fact]
    public void a_dose_held_after_the_sites_today_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidDoseHold() with { HeldOn = Tomorrow }));

        AssertOnly(errors, "doseHolds[0].heldOn", $"The date the dose was held {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_dose_held_on_the_day_of_enrolment_is_accepted()
    {
        var recorded = Recorded<DoseHeld>(Visit(ValidDoseHold() with { HeldOn = EnrolledOn }));

        Assert.Equal(EnrolledOn, recorded.Data.HeldOn);
    }

    [Fact]
    public void a_dose_held_before_enrolment_is_rejected()
    {
        var before = EnrolledOn.AddDays(-1);

        var errors = VisitErrors(Visit(ValidDoseHold() with { HeldOn = before }));

        AssertOnly(errors, "doseHolds[0].heldOn", $"A held dose cannot be dated {Day(before)}, before the enrolment on {Day(EnrolledOn)}.");
    }

    [Fact]
    public void a_dose_held_on_the_day_of_withdrawal_is_accepted()
    {
        var recorded = Recorded<DoseHeld>(Visit(ValidDoseHold()), Given(Withdrawn(VisitDate)));

        Assert.Equal(VisitDate, recorded.Data.HeldOn);
    }

    [Fact]
    public void no_dose_is_held_after_withdrawal()
    {
        var withdrawnOn = VisitDate.AddDays(-1);

        var errors = VisitErrors(Visit(ValidDoseHold()), Given(Withdrawn(withdrawnOn)));

        AssertOnly(errors, "doseHolds[0].heldOn", $"The patient withdrawn on {Day(withdrawnOn)}: there are no held doses after that");
    }

    [Fact]
    public void no_dose_is_held_after_completion()
    {
        var completedOn = VisitDate.AddDays(-1);

        var errors = VisitErrors(Visit(ValidDoseHold()), Given(Completed(completedOn)));

        AssertOnly(errors, "doseHolds[0].heldOn",
            $"The patient completed the study on {Day(completedOn)}: there are no held doses after that");
    }

    [Fact]
    public void details_of_500_characters_are_accepted()
    {
        var recorded = Recorded<DoseHeld>(Visit(ValidDoseHold() with { Reason = Text(500) }));

        Assert.Equal(Text(500), recorded.Data.Reason);
    }

    [Fact]
    public void details_of_more_than_500_characters_are_rejected()
    {
        var errors = VisitErrors(Visit(ValidDoseHold() with { Reason = Text(501) }));

        AssertOnly(errors, "doseHolds[0].reason", "At most 500 characters.");
    }
}
