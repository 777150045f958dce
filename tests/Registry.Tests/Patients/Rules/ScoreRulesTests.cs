using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// A disease activity score (DOMAIN.md, instruments): an instrument of the patient's disease (CGI belongs to all), a
/// value inside its range and whole on integer instruments, not before enrolment nor after the end of participation.
/// The patient has lupus: SLEDAI-2K 0 to 105 in whole numbers, physician global 0 to 3, CGI 1 to 7 in whole numbers.
/// </summary>
public sealed class ScoreRulesTests
{
    [Fact]
    public void a_valid_score_keeps_its_values_with_its_items_and_the_instrument_trimmed()
    {
        var items = new Dictionary<string, decimal> { ["arthritis"] = 4m, ["rash"] = 2m };

        var recorded = Recorded<ScoreRecorded>(Visit(ValidScore() with { Instrument = " sledai-2k ", Items = items }));

        Assert.Equal(VisitDate, recorded.Data.AssessedOn);
        Assert.Equal("sledai-2k", recorded.Data.Instrument);
        Assert.Equal(6m, recorded.Data.Value);
        Assert.NotNull(recorded.Data.Items);
        Assert.Equal(new[] { "arthritis", "rash" }, recorded.Data.Items.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(4m, recorded.Data.Items["arthritis"]);
        Assert.Equal(2m, recorded.Data.Items["rash"]);
    }

    [Fact]
    public void a_score_without_items_keeps_none()
    {
        var recorded = Recorded<ScoreRecorded>(Visit(ValidScore()));

        Assert.Null(recorded.Data.Items);
    }

    [Fact]
    public void an_empty_score_names_its_date_its_instrument_and_its_value()
    {
        var errors = VisitErrors(Visit(new ScoreRequest(null, null, null, null)));

        AssertPaths(errors, "scores[0].assessedOn", "scores[0].instrument", "scores[0].value");
        AssertMessage(errors, "scores[0].assessedOn", "Give the assessment date (yyyy-MM-dd).");
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void a_blank_instrument_is_rejected(string instrument)
    {
        var errors = VisitErrors(Visit(ValidScore() with { Instrument = instrument }));

        AssertPaths(errors, "scores[0].instrument");
    }

    [Theory]
    [InlineData("das28-crp")]
    [InlineData("sledai")]
    public void an_instrument_that_is_not_of_the_patients_disease_is_rejected_naming_those_that_are(string instrument)
    {
        var errors = VisitErrors(Visit(ValidScore() with { Instrument = instrument }));

        AssertOnly(errors, "scores[0].instrument",
            $"'{instrument}' is not an instrument of this patient's disease (sle): use one of sledai-2k, pga, cgi-s, cgi-i.");
    }

    [Fact]
    public void the_value_of_an_instrument_not_of_the_disease_is_not_checked_against_another_range()
    {
        var errors = VisitErrors(Visit(ValidScore() with { Instrument = "mayo", Value = 1000m }));

        AssertPaths(errors, "scores[0].instrument");
    }

    [Fact]
    public void cgi_belongs_to_every_disease()
    {
        var patient = GivenEnrolled(Enrolled("ra"));

        var recorded = Recorded<ScoreRecorded>(Visit(ValidScore() with { Instrument = "cgi-s", Value = 3m }), patient);

        Assert.Equal("cgi-s", recorded.Data.Instrument);
    }

    [Fact]
    public void the_instruments_of_another_disease_are_those_of_its_own()
    {
        var errors = VisitErrors(Visit(ValidScore()), GivenEnrolled(Enrolled("ra")));

        AssertOnly(errors, "scores[0].instrument", "(ra): use one of das28-crp, cgi-s, cgi-i.");
    }

    [Fact]
    public void a_patient_whose_disease_is_not_in_the_catalogue_has_no_instrument()
    {
        var errors = VisitErrors(Visit(ValidScore() with { Instrument = "cgi-s", Value = 3m }), GivenEnrolled(Enrolled("unknown-disease")));

        AssertOnly(errors, "scores[0].instrument", "(unknown-disease)");
    }

    [Fact]
    public void a_score_needs_its_value()
    {
        var errors = VisitErrors(Visit(ValidScore() with { Value = null }));

        AssertPaths(errors, "scores[0].value");
    }

    [Theory]
    [InlineData("sledai-2k", "0")]
    [InlineData("sledai-2k", "105")]
    [InlineData("sledai-2k", "4.0")]
    [InlineData("pga", "0")]
    [InlineData("pga", "0.3")]
    [InlineData("pga", "3")]
    [InlineData("cgi-s", "1")]
    [InlineData("cgi-s", "7")]
    [InlineData("cgi-i", "2")]
    public void a_value_inside_its_instruments_range_is_accepted(string instrument, string value)
    {
        var recorded = Recorded<ScoreRecorded>(Visit(ValidScore() with { Instrument = instrument, Value = Dec(value) }));

        Assert.Equal(Dec(value), recorded.Data.Value);
    }

    [Theory]
    [InlineData("sledai-2k", "-1", "SLEDAI-2K runs from 0 to 105")]
    [InlineData("sledai-2k", "106", "SLEDAI-2K runs from 0 to 105")]
    [InlineData("pga", "-0.1", "Physician global assessment runs from 0 to 3")]
    [InlineData("pga", "3.01", "Physician global assessment runs from 0 to 3")]
    [InlineData("cgi-s", "0", "CGI severity runs from 1 to 7")]
    [InlineData("cgi-s", "8", "CGI severity runs from 1 to 7")]
    [InlineData("sledai-2k", "4.5", "SLEDAI-2K is scored in whole numbers")]
    [InlineData("cgi-i", "2.5", "CGI improvement is scored in whole numbers")]
    public void a_value_outside_its_instruments_range_or_not_whole_on_an_integer_instrument_is_rejected(
        string instrument, string value, string problem)
    {
        var errors = VisitErrors(Visit(ValidScore() with { Instrument = instrument, Value = Dec(value) }));

        AssertOnly(errors, "scores[0].value", problem);
        Assert.Single(errors["scores[0].value"]);
    }

    [Fact]
    public void a_score_assessed_today_is_accepted()
    {
        var recorded = Recorded<ScoreRecorded>(Visit(ValidScore() with { AssessedOn = Today }));

        Assert.Equal(Today, recorded.Data.AssessedOn);
    }

    [Fact]
    public void a_score_assessed_after_the_sites_today_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidScore() with { AssessedOn = Tomorrow }));

        AssertOnly(errors, "scores[0].assessedOn", $"The assessment date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_score_on_the_day_of_enrolment_is_accepted()
    {
        var recorded = Recorded<ScoreRecorded>(Visit(ValidScore() with { AssessedOn = EnrolledOn }));

        Assert.Equal(EnrolledOn, recorded.Data.AssessedOn);
    }

    [Fact]
    public void a_score_before_enrolment_is_rejected()
    {
        var before = EnrolledOn.AddDays(-1);

        var errors = VisitErrors(Visit(ValidScore() with { AssessedOn = before }));

        AssertOnly(errors, "scores[0].assessedOn", $"A score cannot be dated {Day(before)}, before the enrolment on {Day(EnrolledOn)}.");
    }

    [Fact]
    public void a_score_on_the_day_of_completion_is_accepted()
    {
        var recorded = Recorded<ScoreRecorded>(Visit(ValidScore()), Given(Completed(VisitDate)));

        Assert.Equal(VisitDate, recorded.Data.AssessedOn);
    }

    [Fact]
    public void no_score_is_assessed_after_withdrawal()
    {
        var withdrawnOn = VisitDate.AddDays(-1);

        var errors = VisitErrors(Visit(ValidScore()), Given(Withdrawn(withdrawnOn)));

        AssertOnly(errors, "scores[0].assessedOn", $"The patient withdrawn on {Day(withdrawnOn)}: there are no scores after that");
    }

    [Fact]
    public void no_score_is_assessed_after_completion()
    {
        var completedOn = VisitDate.AddDays(-1);

        var errors = VisitErrors(Visit(ValidScore()), Given(Completed(completedOn)));

        AssertOnly(errors, "scores[0].assessedOn",
            $"The patient completed the study on {Day(completedOn)}: there are no scores after that");
    }
}
