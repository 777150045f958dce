using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// A concomitant medication: drug and class required; a dose, never negative, goes with its unit; start and stop dates
/// optional, not after the site's today, the stop not before the start. Medications may start before enrolment.
/// </summary>
public sealed class ConmedRulesTests
{
    [Fact]
    public void a_valid_medication_keeps_its_values_with_its_text_trimmed()
    {
        var recorded = Recorded<MedicationRecorded>(Visit(ValidConmed() with { Drug = "  prednisone ", Unit = " mg/day " }));

        Assert.Equal(new ConmedData("prednisone", DrugClass.Corticosteroid, 10m, "mg/day", new DateOnly(2025, 11, 1), null), recorded.Data);
    }

    [Fact]
    public void a_medication_without_dose_or_dates_keeps_none()
    {
        var conmed = new ConmedRequest("methotrexate", "csdmard", null, null, null, null);

        var recorded = Recorded<MedicationRecorded>(Visit(conmed));

        Assert.Equal(new ConmedData("methotrexate", DrugClass.Csdmard, null, null, null, null), recorded.Data);
    }

    [Fact]
    public void an_empty_medication_names_its_drug_and_its_class()
    {
        var errors = VisitErrors(Visit(new ConmedRequest(null, null, null, null, null, null)));

        AssertPaths(errors, "conmeds[0].drug", "conmeds[0].drugClass");
        AssertMessage(errors, "conmeds[0].drugClass", "Give the drug class: one of corticosteroid, csdmard, bdmard, jak-inhibitor, other.");
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void a_blank_drug_is_rejected(string drug)
    {
        AssertPaths(VisitErrors(Visit(ValidConmed() with { Drug = drug })), "conmeds[0].drug");
    }

    [Fact]
    public void a_drug_of_500_characters_is_accepted()
    {
        Assert.Equal(Text(500), Recorded<MedicationRecorded>(Visit(ValidConmed() with { Drug = Text(500) })).Data.Drug);
    }

    [Fact]
    public void a_drug_of_more_than_500_characters_is_rejected()
    {
        AssertOnly(VisitErrors(Visit(ValidConmed() with { Drug = Text(501) })), "conmeds[0].drug", "At most 500 characters.");
    }

    [Theory]
    [InlineData("corticosteroid", DrugClass.Corticosteroid)]
    [InlineData("csdmard", DrugClass.Csdmard)]
    [InlineData("bdmard", DrugClass.Bdmard)]
    [InlineData("jak-inhibitor", DrugClass.JakInhibitor)]
    [InlineData("other", DrugClass.Other)]
    public void each_class_is_read_from_its_kebab_name(string drugClass, DrugClass expected)
    {
        var recorded = Recorded<MedicationRecorded>(Visit(ValidConmed() with { DrugClass = drugClass }));

        Assert.Equal(expected, recorded.Data.DrugClass);
    }

    [Fact]
    public void an_unknown_class_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidConmed() with { DrugClass = "nsaid" }));

        AssertOnly(errors, "conmeds[0].drugClass", "'nsaid' is not a known drug class");
    }

    [Fact]
    public void a_dose_of_0_is_accepted()
    {
        Assert.Equal(0m, Recorded<MedicationRecorded>(Visit(ValidConmed() with { Dose = 0m })).Data.Dose);
    }

    [Fact]
    public void a_negative_dose_is_rejected()
    {
        AssertOnly(VisitErrors(Visit(ValidConmed() with { Dose = -0.5m })), "conmeds[0].dose", "A dose cannot be negative.");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void a_dose_needs_its_unit(string? unit)
    {
        AssertPaths(VisitErrors(Visit(ValidConmed() with { Unit = unit })), "conmeds[0].unit");
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData(" mg ", "mg")]
    public void without_a_dose_a_blank_unit_is_none_and_a_unit_is_trimmed(string? unit, string? expected)
    {
        var recorded = Recorded<MedicationRecorded>(Visit(ValidConmed() with { Dose = null, Unit = unit }));

        Assert.Equal(expected, recorded.Data.Unit);
    }

    [Fact]
    public void a_medication_may_start_long_before_enrolment()
    {
        var started = new DateOnly(2020, 1, 1);

        Assert.Equal(started, Recorded<MedicationRecorded>(Visit(ValidConmed() with { StartedOn = started })).Data.StartedOn);
    }

    [Fact]
    public void a_medication_started_and_stopped_today_is_accepted()
    {
        var data = Recorded<MedicationRecorded>(Visit(ValidConmed() with { StartedOn = Today, StoppedOn = Today })).Data;

        Assert.Equal(Today, data.StartedOn);
        Assert.Equal(Today, data.StoppedOn);
    }

    [Fact]
    public void a_medication_started_after_the_sites_today_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidConmed() with { StartedOn = Tomorrow }));

        AssertOnly(errors, "conmeds[0].startedOn", $"The start date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_medication_stopped_after_the_sites_today_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidConmed() with { StoppedOn = Tomorrow }));

        AssertOnly(errors, "conmeds[0].stoppedOn", $"The stop date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_medication_can_stop_the_day_it_started()
    {
        var started = new DateOnly(2025, 11, 1);

        Assert.Equal(started, Recorded<MedicationRecorded>(Visit(ValidConmed() with { StoppedOn = started })).Data.StoppedOn);
    }

    [Fact]
    public void a_medication_cannot_stop_before_it_started()
    {
        var started = new DateOnly(2025, 11, 1);
        var stopped = started.AddDays(-1);

        var errors = VisitErrors(Visit(ValidConmed() with { StartedOn = started, StoppedOn = stopped }));

        AssertOnly(errors, "conmeds[0].stoppedOn", $"The medication cannot stop ({Day(stopped)}) before it started ({Day(started)}).");
    }

    [Fact]
    public void a_stop_without_a_start_is_accepted()
    {
        var data = Recorded<MedicationRecorded>(Visit(ValidConmed() with { StartedOn = null, StoppedOn = VisitDate })).Data;

        Assert.Equal(new ConmedData("prednisone", DrugClass.Corticosteroid, 10m, "mg/day", null, VisitDate), data);
    }

    [Fact]
    public void medications_are_still_recorded_after_withdrawal()
    {
        var patient = Given(Withdrawn(new DateOnly(2026, 11, 1)));

        var data = Recorded<MedicationRecorded>(Visit(ValidConmed() with { StartedOn = VisitDate }), patient).Data;

        Assert.Equal(VisitDate, data.StartedOn);
    }
}
