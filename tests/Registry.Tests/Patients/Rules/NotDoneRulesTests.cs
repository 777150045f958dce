using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>A planned dose, sample or score that will not happen: which, when it was due (from 30 days before enrolment), why.</summary>
public sealed class NotDoneRulesTests
{
    [Fact]
    public void a_valid_item_not_done_keeps_its_values_with_the_reason_trimmed()
    {
        var recorded = Recorded<PlannedItemNotDone>(Visit(ValidNotDone() with { Reason = "  sample haemolysed " }));

        Assert.Equal(new NotDoneData(NotDoneItem.TregSample, VisitDate, "sample haemolysed"), recorded.Data);
    }

    [Theory]
    [InlineData("treg-sample", NotDoneItem.TregSample)]
    [InlineData("score", NotDoneItem.Score)]
    [InlineData("dose", NotDoneItem.Dose)]
    public void each_item_is_read_from_its_kebab_name(string item, NotDoneItem expected)
    {
        var recorded = Recorded<PlannedItemNotDone>(Visit(ValidNotDone() with { Item = item }));

        Assert.Equal(expected, recorded.Data.Item);
    }

    [Fact]
    public void an_unknown_item_is_rejected()
    {
        AssertOnly(VisitErrors(Visit(ValidNotDone() with { Item = "biopsy" })), "notDone[0].item", "'biopsy' is not a known planned item");
    }

    [Fact]
    public void an_empty_item_not_done_names_the_item_its_due_date_and_its_reason()
    {
        var errors = VisitErrors(Visit(new NotDoneRequest(null, null, null)));

        AssertPaths(errors, "notDone[0].item", "notDone[0].dueOn", "notDone[0].reason");
        AssertMessage(errors, "notDone[0].item", "Give the planned item: one of treg-sample, score, dose.");
    }

    [Fact]
    public void an_item_due_30_days_before_enrolment_is_accepted()
    {
        var due = EnrolledOn.AddDays(-30);

        Assert.Equal(due, Recorded<PlannedItemNotDone>(Visit(ValidNotDone() with { DueOn = due })).Data.DueOn);
    }

    [Fact]
    public void an_item_due_31_days_before_enrolment_is_rejected()
    {
        var due = EnrolledOn.AddDays(-31);

        var errors = VisitErrors(Visit(ValidNotDone() with { DueOn = due }));

        AssertOnly(errors, "notDone[0].dueOn",
            $"A planned item can be at most 30 days before the enrolment on {Day(EnrolledOn)}; {Day(due)} is earlier.");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void an_item_not_done_says_why(string? reason)
    {
        AssertPaths(VisitErrors(Visit(ValidNotDone() with { Reason = reason })), "notDone[0].reason");
    }

    [Fact]
    public void a_reason_of_500_characters_is_accepted()
    {
        Assert.Equal(Text(500), Recorded<PlannedItemNotDone>(Visit(ValidNotDone() with { Reason = Text(500) })).Data.Reason);
    }

    [Fact]
    public void a_reason_of_more_than_500_characters_is_rejected()
    {
        AssertOnly(VisitErrors(Visit(ValidNotDone() with { Reason = Text(501) })), "notDone[0].reason", "At most 500 characters.");
    }
}
