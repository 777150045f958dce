using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// A Treg result (DOMAIN.md, Treg measurements): % of CD4+ T cells from 0 to 100 with its gating; counts never negative
/// nor above their parent; Tregs and conventional T cells at most 100 % together; samples up to 30 days before enrolment.
/// </summary>
public sealed class TregRulesTests
{
    [Fact]
    public void a_valid_result_keeps_its_values_with_the_lab_trimmed()
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { Lab = " central lab  " }));

        Assert.Equal(new TregData(VisitDate, 7.9m, Gating.Cd4Cd25Foxp3, 41m, 520m, 92.1m, "central lab"), recorded.Data);
    }

    [Fact]
    public void a_result_without_counts_tconv_or_lab_keeps_none()
    {
        var treg = ValidTreg() with { TregPerUl = null, Cd4PerUl = null, TconvPercentOfCd4 = null, Lab = null };

        var recorded = Recorded<TregMeasured>(Visit(treg));

        Assert.Equal(new TregData(VisitDate, 7.9m, Gating.Cd4Cd25Foxp3, null, null, null, null), recorded.Data);
    }

    [Theory]
    [InlineData("cd4-cd25-foxp3", Gating.Cd4Cd25Foxp3)]
    [InlineData("cd4-cd25hi-cd127lo", Gating.Cd4Cd25hiCd127lo)]
    [InlineData("other", Gating.Other)]
    public void each_gating_is_read_from_its_kebab_name(string gating, Gating expected)
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { Gating = gating }));

        Assert.Equal(expected, recorded.Data.Gating);
    }

    [Fact]
    public void an_unknown_gating_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidTreg() with { Gating = "cd4-cd25" }));

        AssertOnly(errors, "tregs[0].gating", "'cd4-cd25' is not a known gating: use one of cd4-cd25-foxp3, cd4-cd25hi-cd127lo, other.");
    }

    [Fact]
    public void an_empty_result_names_its_date_its_percentage_and_its_gating()
    {
        var errors = VisitErrors(Visit(new TregRequest(null, null, null, null, null, null, null)));

        AssertPaths(errors, "tregs[0].sampledOn", "tregs[0].tregPercentOfCd4", "tregs[0].gating");
        AssertMessage(errors, "tregs[0].sampledOn", "Give the sample date (yyyy-MM-dd).");
        AssertMessage(errors, "tregs[0].gating", "Give the gating: one of cd4-cd25-foxp3, cd4-cd25hi-cd127lo, other.");
    }

    [Fact]
    public void a_sample_taken_today_is_accepted()
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { SampledOn = Today }));

        Assert.Equal(Today, recorded.Data.SampledOn);
    }

    [Fact]
    public void a_sample_taken_after_the_sites_today_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidTreg() with { SampledOn = Tomorrow }));

        AssertOnly(errors, "tregs[0].sampledOn", $"The sample date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_screening_sample_30_days_before_enrolment_is_accepted()
    {
        var screening = EnrolledOn.AddDays(-30);

        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { SampledOn = screening }));

        Assert.Equal(screening, recorded.Data.SampledOn);
    }

    [Fact]
    public void a_sample_31_days_before_enrolment_is_rejected()
    {
        var tooEarly = EnrolledOn.AddDays(-31);

        var errors = VisitErrors(Visit(ValidTreg() with { SampledOn = tooEarly }));

        AssertOnly(errors, "tregs[0].sampledOn",
            $"A Treg sample can be at most 30 days before the enrolment on {Day(EnrolledOn)}; {Day(tooEarly)} is earlier.");
    }

    [Fact]
    public void a_sample_on_the_day_of_withdrawal_is_accepted()
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg()), Given(Withdrawn(VisitDate)));

        Assert.Equal(VisitDate, recorded.Data.SampledOn);
    }

    [Fact]
    public void no_sample_is_taken_after_withdrawal()
    {
        var withdrawnOn = VisitDate.AddDays(-1);

        var errors = VisitErrors(Visit(ValidTreg()), Given(Withdrawn(withdrawnOn)));

        AssertOnly(errors, "tregs[0].sampledOn", $"The patient withdrawn on {Day(withdrawnOn)}: there are no samples after that");
    }

    [Fact]
    public void no_sample_is_taken_after_completion()
    {
        var completedOn = VisitDate.AddDays(-1);

        var errors = VisitErrors(Visit(ValidTreg()), Given(Completed(completedOn)));

        AssertOnly(errors, "tregs[0].sampledOn", $"The patient completed the study on {Day(completedOn)}: there are no samples after that");
    }

    [Fact]
    public void a_result_needs_its_percentage()
    {
        var errors = VisitErrors(Visit(ValidTreg() with { TregPercentOfCd4 = null }));

        AssertPaths(errors, "tregs[0].tregPercentOfCd4");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("7.9")]
    [InlineData("100")]
    public void a_percentage_from_0_to_100_is_accepted(string percent)
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { TregPercentOfCd4 = Dec(percent), TconvPercentOfCd4 = null }));

        Assert.Equal(Dec(percent), recorded.Data.TregPercentOfCd4);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-0.01")]
    [InlineData("100.01")]
    [InlineData("101")]
    public void a_percentage_outside_0_to_100_is_rejected(string percent)
    {
        var errors = VisitErrors(Visit(ValidTreg() with { TregPercentOfCd4 = Dec(percent), TconvPercentOfCd4 = null }));

        AssertOnly(errors, "tregs[0].tregPercentOfCd4", "A percentage of CD4+ T cells is between 0 and 100");
    }

    [Theory]
    [InlineData("520")]
    [InlineData("0")]
    public void a_treg_count_up_to_its_cd4_parent_is_accepted(string tregs)
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { TregPerUl = Dec(tregs), Cd4PerUl = 520m }));

        Assert.Equal(Dec(tregs), recorded.Data.TregPerUl);
    }

    [Fact]
    public void a_treg_count_above_its_cd4_parent_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidTreg() with { TregPerUl = 521m, Cd4PerUl = 520m }));

        AssertOnly(errors, "tregs[0].tregPerUl", "is larger than its parent CD4 count");
    }

    [Fact]
    public void a_treg_count_without_a_cd4_count_is_accepted()
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { TregPerUl = 5000m, Cd4PerUl = null }));

        Assert.Equal(5000m, recorded.Data.TregPerUl);
    }

    [Fact]
    public void a_cd4_count_without_a_treg_count_is_accepted()
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { TregPerUl = null, Cd4PerUl = 0m }));

        Assert.Equal(0m, recorded.Data.Cd4PerUl);
    }

    [Fact]
    public void a_negative_treg_count_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidTreg() with { TregPerUl = -1m }));

        AssertOnly(errors, "tregs[0].tregPerUl", "A Treg count cannot be negative.");
    }

    [Fact]
    public void a_negative_cd4_count_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidTreg() with { TregPerUl = null, Cd4PerUl = -1m }));

        AssertOnly(errors, "tregs[0].cd4PerUl", "A CD4 count cannot be negative.");
    }

    [Theory]
    [InlineData("7.9", "92.1")]
    [InlineData("0", "100")]
    [InlineData("100", "0")]
    [InlineData("7.9", "0")]
    public void tregs_and_conventional_t_cells_of_at_most_100_percent_are_accepted(string treg, string tconv)
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { TregPercentOfCd4 = Dec(treg), TconvPercentOfCd4 = Dec(tconv) }));

        Assert.Equal(Dec(tconv), recorded.Data.TconvPercentOfCd4);
    }

    [Theory]
    [InlineData("7.9", "92.2")]
    [InlineData("100", "0.5")]
    [InlineData("7.9", "100")]
    public void tregs_and_conventional_t_cells_above_100_percent_together_are_rejected(string treg, string tconv)
    {
        var errors = VisitErrors(Visit(ValidTreg() with { TregPercentOfCd4 = Dec(treg), TconvPercentOfCd4 = Dec(tconv) }));

        AssertOnly(errors, "tregs[0].tconvPercentOfCd4", "add up to more than 100 % of CD4+ T cells");
    }

    [Theory]
    [InlineData("7.9", "-1")]
    [InlineData("7.9", "-0.01")]
    [InlineData("0", "100.01")]
    [InlineData("0", "101")]
    public void a_conventional_t_cell_percentage_outside_0_to_100_is_rejected(string treg, string tconv)
    {
        var errors = VisitErrors(Visit(ValidTreg() with { TregPercentOfCd4 = Dec(treg), TconvPercentOfCd4 = Dec(tconv) }));

        AssertOnly(errors, "tregs[0].tconvPercentOfCd4", "A percentage of CD4+ T cells is between 0 and 100");
    }

    [Theory]
    [InlineData("150", "50")]
    [InlineData("100.5", "0.5")]
    public void a_treg_percentage_out_of_range_is_not_added_to_the_conventional_t_cells(string treg, string tconv)
    {
        var errors = VisitErrors(Visit(ValidTreg() with { TregPercentOfCd4 = Dec(treg), TconvPercentOfCd4 = Dec(tconv) }));

        AssertPaths(errors, "tregs[0].tregPercentOfCd4");
    }

    [Fact]
    public void a_lab_of_500_characters_is_accepted()
    {
        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { Lab = Text(500) }));

        Assert.Equal(Text(500), recorded.Data.Lab);
    }

    [Fact]
    public void a_lab_of_more_than_500_characters_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidTreg() with { Lab = Text(501) }));

        AssertOnly(errors, "tregs[0].lab", "At most 500 characters.");
    }
}
