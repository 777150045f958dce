using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>A dose given (DOMAIN.md, Dosing): in IU, usual from 0.1 to 6 MIU unless confirmed, never 0 nor above 100 MIU.</summary>
public sealed class DoseRulesTests
{
    [Fact]
    public void a_valid_dose_keeps_its_values_with_its_text_trimmed()
    {
        var dose = ValidDose() with { Route = "intravenous", Product = "  aldesleukin ", Lot = " A123  ", Phase = "maintenance" };

        var recorded = Recorded<DoseAdministered>(Visit(dose));

        var expected = new DoseData(
            VisitDate, new TimeOnly(9, 30), 1_000_000L, DoseRoute.Intravenous, "aldesleukin", "A123", DosePhase.Maintenance, false);
        Assert.Equal(expected, recorded.Data);
    }

    [Fact]
    public void a_dose_without_route_is_subcutaneous_and_keeps_no_time_and_no_lot()
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { GivenAt = null, Route = null, Lot = null }));

        Assert.Equal(
            new DoseData(VisitDate, null, 1_000_000L, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false),
            recorded.Data);
    }

    [Theory]
    [InlineData("subcutaneous", DoseRoute.Subcutaneous)]
    [InlineData("intravenous", DoseRoute.Intravenous)]
    [InlineData("intramuscular", DoseRoute.Intramuscular)]
    [InlineData("other", DoseRoute.Other)]
    public void each_route_is_read_from_its_kebab_name(string route, DoseRoute expected)
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { Route = route }));

        Assert.Equal(expected, recorded.Data.Route);
    }

    [Theory]
    [InlineData("oral")]
    [InlineData("Subcutaneous")]
    [InlineData("")]
    public void an_unknown_route_is_rejected(string route)
    {
        var errors = VisitErrors(Visit(ValidDose() with { Route = route }));

        AssertOnly(errors, "doses[0].route",
            $"'{route}' is not a known route: use one of subcutaneous, intravenous, intramuscular, other.");
    }

    [Theory]
    [InlineData("induction", DosePhase.Induction)]
    [InlineData("maintenance", DosePhase.Maintenance)]
    public void each_phase_is_read_from_its_kebab_name(string phase, DosePhase expected)
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { Phase = phase }));

        Assert.Equal(expected, recorded.Data.Phase);
    }

    [Fact]
    public void an_unknown_phase_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidDose() with { Phase = "loading" }));

        AssertOnly(errors, "doses[0].phase", "'loading' is not a known schedule phase");
    }

    [Fact]
    public void an_empty_dose_names_every_required_field_but_the_route()
    {
        var errors = VisitErrors(Visit(new DoseRequest(null, null, null, null, null, null, null, null)));

        AssertPaths(errors, "doses[0].givenOn", "doses[0].doseIu", "doses[0].product", "doses[0].phase");
        AssertMessage(errors, "doses[0].givenOn", "Give the dose date (yyyy-MM-dd).");
        AssertMessage(errors, "doses[0].phase", "Give the schedule phase: one of induction, maintenance.");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void a_dose_names_its_product(string? product)
    {
        var errors = VisitErrors(Visit(ValidDose() with { Product = product }));

        AssertPaths(errors, "doses[0].product");
    }

    [Fact]
    public void a_dose_given_today_is_accepted()
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { GivenOn = Today }));

        Assert.Equal(Today, recorded.Data.GivenOn);
    }

    [Fact]
    public void a_dose_given_after_the_sites_today_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidDose() with { GivenOn = Tomorrow }));

        AssertOnly(errors, "doses[0].givenOn", $"The dose date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_dose_on_the_day_of_enrolment_is_accepted()
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { GivenOn = EnrolledOn }));

        Assert.Equal(EnrolledOn, recorded.Data.GivenOn);
    }

    [Fact]
    public void a_dose_the_day_before_enrolment_is_rejected()
    {
        var before = EnrolledOn.AddDays(-1);

        var errors = VisitErrors(Visit(ValidDose() with { GivenOn = before }));

        AssertOnly(errors, "doses[0].givenOn", $"A dose cannot be dated {Day(before)}, before the enrolment on {Day(EnrolledOn)}.");
    }

    [Fact]
    public void a_dose_needs_its_amount()
    {
        var errors = VisitErrors(Visit(ValidDose() with { DoseIu = null }));

        AssertPaths(errors, "doses[0].doseIu");
    }

    [Theory]
    [InlineData(100_000L)]
    [InlineData(1_000_000L)]
    [InlineData(6_000_000L)]
    public void a_usual_dose_needs_no_confirmation(long iu)
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { DoseIu = iu }));

        Assert.Equal(iu, recorded.Data.DoseIu);
        Assert.False(recorded.Data.ConfirmUnusualDose);
    }

    [Theory]
    [InlineData(1L, "0")]
    [InlineData(99_999L, "0.1")]
    [InlineData(6_000_001L, "6")]
    [InlineData(10_000_000L, "10")]
    [InlineData(100_000_000L, "100")]
    public void an_unusual_dose_without_confirmation_is_rejected_and_shown_in_miu(long iu, string miu)
    {
        var errors = VisitErrors(Visit(ValidDose() with { DoseIu = iu }));

        AssertOnly(errors, "doses[0].doseIu", $"A dose of {iu:N0} IU ({Dec(miu):0.###} MIU) is outside the usual 0.1 to 6 MIU.");
        AssertMessage(errors, "doses[0].doseIu", "confirmUnusualDose");
    }

    [Fact]
    public void a_confirmation_set_to_false_does_not_confirm_an_unusual_dose()
    {
        var errors = VisitErrors(Visit(ValidDose() with { DoseIu = 99_999L, ConfirmUnusualDose = false }));

        AssertPaths(errors, "doses[0].doseIu");
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(99_999L)]
    [InlineData(6_000_001L)]
    [InlineData(100_000_000L)]
    public void an_unusual_dose_is_accepted_when_confirmed_and_keeps_the_confirmation(long iu)
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { DoseIu = iu, ConfirmUnusualDose = true }));

        Assert.Equal(iu, recorded.Data.DoseIu);
        Assert.True(recorded.Data.ConfirmUnusualDose);
    }

    [Fact]
    public void a_usual_dose_keeps_a_confirmation_given_with_it()
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { ConfirmUnusualDose = true }));

        Assert.True(recorded.Data.ConfirmUnusualDose);
    }

    [Theory]
    [InlineData(0L, false)]
    [InlineData(0L, true)]
    [InlineData(-1L, true)]
    [InlineData(-1_000_000L, false)]
    [InlineData(100_000_001L, false)]
    [InlineData(100_000_001L, true)]
    public void an_impossible_dose_is_rejected_even_when_confirmed(long iu, bool confirmed)
    {
        var errors = VisitErrors(Visit(ValidDose() with { DoseIu = iu, ConfirmUnusualDose = confirmed }));

        AssertOnly(errors, "doses[0].doseIu",
            $"A dose of {iu:N0} IU is not possible: a dose is more than 0 and at most {100_000_000L:N0} IU.");
        Assert.Single(errors["doses[0].doseIu"]);
    }

    [Fact]
    public void a_lot_of_500_characters_is_accepted()
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose() with { Lot = Text(500) }));

        Assert.Equal(Text(500), recorded.Data.Lot);
    }

    [Fact]
    public void a_lot_of_more_than_500_characters_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidDose() with { Lot = Text(501) }));

        AssertOnly(errors, "doses[0].lot", "At most 500 characters.");
    }

    [Fact]
    public void a_dose_on_the_day_of_withdrawal_is_accepted()
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose()), Given(Withdrawn(VisitDate)));

        Assert.Equal(VisitDate, recorded.Data.GivenOn);
    }

    [Fact]
    public void no_dose_is_given_after_withdrawal()
    {
        var withdrawnOn = VisitDate.AddDays(-1);

        var errors = VisitErrors(Visit(ValidDose()), Given(Withdrawn(withdrawnOn)));

        AssertOnly(errors, "doses[0].givenOn", $"The patient withdrawn on {Day(withdrawnOn)}: there are no doses after that");
    }

    [Fact]
    public void no_dose_is_given_after_completion()
    {
        var completedOn = VisitDate.AddDays(-1);

        var errors = VisitErrors(Visit(ValidDose()), Given(Completed(completedOn)));

        AssertOnly(errors, "doses[0].givenOn", $"The patient completed the study on {Day(completedOn)}: there are no doses after that");
    }

    [Fact]
    public void a_voided_withdrawal_no_longer_stops_doses()
    {
        var withdrawal = Guid.NewGuid();

        var patient = Given(Withdrawn(VisitDate.AddDays(-1), withdrawal), Voided(withdrawal));

        var recorded = Recorded<DoseAdministered>(Visit(ValidDose()), patient);

        Assert.Equal(VisitDate, recorded.Data.GivenOn);
    }
}
