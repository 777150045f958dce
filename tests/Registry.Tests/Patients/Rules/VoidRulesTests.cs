using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>A void (API.md): a current entry made in error, with the reason; it stays in the history and counts nowhere.</summary>
public sealed class VoidRulesTests
{
    [Fact]
    public void voiding_records_the_entry_and_the_reason_trimmed()
    {
        var dose = Guid.NewGuid();

        var decision = DecideVoid(Given(DoseGiven(VisitDate, dose)), dose, "  entered for the wrong patient ");

        Assert.Equal(new EntryVoided(dose, "entered for the wrong patient"), OnlyEvent<EntryVoided>(decision));
        Assert.Equal(new EntryRecorded(PatientId, 3, dose), Assert.IsType<EntryRecorded>(decision.Answer!(3)));
    }

    [Theory]
    [InlineData("adverse-event")]
    [InlineData("withdrawal")]
    [InlineData("ae-follow-up")]
    public void an_entry_of_any_kind_can_be_voided(string kind)
    {
        var ae = Guid.NewGuid();
        var entry = Guid.NewGuid();
        var patient = kind switch
        {
            "adverse-event" => Given(AeReported(entry)),
            "withdrawal" => Given(Withdrawn(VisitDate, entry)),
            "ae-follow-up" => Given(AeReported(ae), FollowedUp(entry, new AeFollowUpData(ae, VisitDate, 3, null, null, null, null, null))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

        Assert.Equal(entry, OnlyEvent<EntryVoided>(DecideVoid(patient, entry, "wrong patient")).EntryId);
    }

    [Fact]
    public void a_void_names_its_entry()
    {
        var patient = Given(DoseGiven(VisitDate));

        AssertPaths(Rejected(DecideVoid(patient, null, "wrong patient")), "entryId");
        AssertPaths(Rejected(DecideVoid(patient, Guid.Empty, "wrong patient")), "entryId");
    }

    [Fact]
    public void an_entry_the_patient_does_not_have_cannot_be_voided()
    {
        AssertPaths(Rejected(DecideVoid(Given(DoseGiven(VisitDate)), Guid.NewGuid(), "wrong patient")), "entryId");
    }

    [Fact]
    public void an_entry_cannot_be_voided_twice()
    {
        var dose = Guid.NewGuid();

        AssertPaths(Rejected(DecideVoid(Given(DoseGiven(VisitDate, dose), Voided(dose)), dose, "wrong patient")), "entryId");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void a_void_says_why(string? reason)
    {
        var dose = Guid.NewGuid();

        AssertPaths(Rejected(DecideVoid(Given(DoseGiven(VisitDate, dose)), dose, reason)), "reason");
    }

    [Fact]
    public void a_void_without_entry_nor_reason_names_both()
    {
        AssertPaths(Rejected(DecideVoid(Given(), null, null)), "entryId", "reason");
    }
}
