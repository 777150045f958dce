using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// A correction (API.md): the changed fields of a current entry, with a coded reason and a text; the corrected entry is
/// checked as a whole by the rules of its kind, its errors under <c>changes.</c>; the entry being corrected does not count
/// against itself (a withdrawal is not already withdrawn, a follow-up is judged without its own earlier values).
/// </summary>
public sealed class CorrectionRulesTests
{
    private static readonly Guid EntryId = Guid.NewGuid();

    private static readonly Guid AeId = Guid.NewGuid();

    private static readonly DateOnly FollowUpReportedOn = new(2026, 11, 21);

    /// <summary>The patient with one entry of the kind, under <see cref="EntryId"/> (and, for a follow-up, its adverse event).</summary>
    private static PatientState PatientWith(string kind) => kind switch
    {
        "dose" => Given(DoseGiven(VisitDate, EntryId)),
        "dose-held" => Given(DoseHeldOn(VisitDate, EntryId)),
        "treg" => Given(TregSampled(VisitDate, EntryId)),
        "score" => Given(Scored(VisitDate, EntryId)),
        "adverse-event" => Given(AeReported(EntryId)),
        "ae-follow-up" => Given(AeReported(AeId), FollowedUp(EntryId, Grade3FollowUp())),
        "conmed" => Given(MedicationStarted(new DateOnly(2025, 11, 1), EntryId)),
        "not-done" => Given(NotDoneOn(VisitDate, EntryId)),
        "withdrawal" => Given(Withdrawn(VisitDate, EntryId)),
        "completion" => Given(Completed(VisitDate, EntryId)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static AeFollowUpData Grade3FollowUp() => new(AeId, FollowUpReportedOn, 3, null, null, null, null, null);

    [Fact]
    public void a_correction_records_what_changed_and_the_whole_corrected_entry()
    {
        var changes = Changes("""{"doseIu": 2000000}""");

        var decision = DecideCorrection(PatientWith("dose"), EntryId, changes, "unit-conversion", "  typed in MIU ");

        var corrected = OnlyEvent<EntryCorrected>(decision);
        Assert.Equal(EntryId, corrected.EntryId);
        Assert.Equal("""{"doseIu":2000000}""", corrected.Changes.ToJsonString());
        Assert.Equal("2000000", corrected.Values["doseIu"]!.ToJsonString());
        Assert.Equal("A123", corrected.Values["lot"]!.GetValue<string>());
        Assert.Equal("subcutaneous", corrected.Values["route"]!.GetValue<string>());
        Assert.Equal(CorrectionReason.UnitConversion, corrected.ReasonCode);
        Assert.Equal("typed in MIU", corrected.Reason);
        Assert.Equal(new EntryRecorded(PatientId, 3, EntryId), Assert.IsType<EntryRecorded>(decision.Answer!(3)));
    }

    [Theory]
    [InlineData("transcription-error", CorrectionReason.TranscriptionError)]
    [InlineData("source-updated", CorrectionReason.SourceUpdated)]
    [InlineData("unit-conversion", CorrectionReason.UnitConversion)]
    [InlineData("other", CorrectionReason.Other)]
    public void each_reason_code_is_read_from_its_kebab_name(string reasonCode, CorrectionReason expected)
    {
        var decision = DecideCorrection(PatientWith("dose"), EntryId, Changes("""{"lot": "B7"}"""), reasonCode);

        Assert.Equal(expected, OnlyEvent<EntryCorrected>(decision).ReasonCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("typo")]
    public void a_correction_needs_a_known_reason_code(string? reasonCode)
    {
        var errors = Rejected(DecideCorrection(PatientWith("dose"), EntryId, Changes("""{"lot": "B7"}"""), reasonCode));

        AssertPaths(errors, "reasonCode");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void a_correction_says_why(string? reason)
    {
        var errors = Rejected(DecideCorrection(PatientWith("dose"), EntryId, Changes("""{"lot": "B7"}"""), reason: reason));

        AssertPaths(errors, "reason");
    }

    // The entry

    [Fact]
    public void a_correction_names_its_entry()
    {
        AssertPaths(Rejected(DecideCorrection(PatientWith("dose"), null, Changes("""{"lot": "B7"}"""))), "entryId");
        AssertPaths(Rejected(DecideCorrection(PatientWith("dose"), Guid.Empty, Changes("""{"lot": "B7"}"""))), "entryId");
    }

    [Fact]
    public void an_entry_the_patient_does_not_have_cannot_be_corrected()
    {
        AssertPaths(Rejected(DecideCorrection(PatientWith("dose"), Guid.NewGuid(), Changes("""{"lot": "B7"}"""))), "entryId");
    }

    [Fact]
    public void a_voided_entry_cannot_be_corrected()
    {
        var patient = Given(DoseGiven(VisitDate, EntryId), Voided(EntryId));

        AssertPaths(Rejected(DecideCorrection(patient, EntryId, Changes("""{"lot": "B7"}"""))), "entryId");
    }

    [Fact]
    public void every_problem_of_the_request_itself_is_named_at_once()
    {
        var errors = Rejected(DecideCorrection(PatientWith("dose"), Guid.NewGuid(), null, null, null));

        AssertPaths(errors, "entryId", "changes", "reasonCode", "reason");
    }

    // The changes

    [Fact]
    public void a_correction_changes_something()
    {
        AssertPaths(Rejected(DecideCorrection(PatientWith("dose"), EntryId, null)), "changes");
        AssertPaths(Rejected(DecideCorrection(PatientWith("dose"), EntryId, Changes("{}"))), "changes");
    }

    [Fact]
    public void a_field_the_kind_does_not_have_is_rejected()
    {
        var errors = Rejected(DecideCorrection(PatientWith("dose"), EntryId, Changes("""{"dose": 5, "unit": "mg"}""")));

        AssertPaths(errors, "changes.dose", "changes.unit");
    }

    [Fact]
    public void the_id_of_an_adverse_event_cannot_be_corrected()
    {
        var changes = Changes($$"""{"adverseEventId": "{{Guid.NewGuid()}}"}""");

        var errors = Rejected(DecideCorrection(PatientWith("adverse-event"), EntryId, changes));

        AssertPaths(errors, "changes.adverseEventId");
    }

    [Theory]
    [InlineData("""{"lot": "A123"}""")]
    [InlineData("""{"lot": " A123 "}""")]
    [InlineData("""{"doseIu": 1000000, "route": "subcutaneous"}""")]
    public void a_correction_to_the_current_values_is_rejected(string changes)
    {
        var errors = Rejected(DecideCorrection(PatientWith("dose"), EntryId, Changes(changes)));

        AssertPaths(errors, "changes");
    }

    [Theory]
    [InlineData("dose", """{"doseIu": 2000000}""", "doseIu", "2000000")]
    [InlineData("dose-held", """{"reasonCode": "other"}""", "reasonCode", "\"other\"")]
    [InlineData("treg", """{"tconvPercentOfCd4": 90}""", "tconvPercentOfCd4", "90")]
    [InlineData("score", """{"value": 8}""", "value", "8")]
    [InlineData("adverse-event", """{"grade": 3}""", "grade", "3")]
    [InlineData("ae-follow-up", """{"grade": 4}""", "grade", "4")]
    [InlineData("conmed", """{"unit": "mg"}""", "unit", "\"mg\"")]
    [InlineData("not-done", """{"reason": "patient away"}""", "reason", "\"patient away\"")]
    [InlineData("withdrawal", """{"withdrawnOn": "2026-11-21"}""", "withdrawnOn", "\"2026-11-21\"")]
    [InlineData("completion", """{"completedOn": "2026-11-21"}""", "completedOn", "\"2026-11-21\"")]
    public void an_entry_of_any_kind_can_be_corrected(string kind, string changes, string field, string value)
    {
        var corrected = OnlyEvent<EntryCorrected>(DecideCorrection(PatientWith(kind), EntryId, Changes(changes)));

        Assert.Equal(EntryId, corrected.EntryId);
        Assert.Equal(value, corrected.Values[field]!.ToJsonString());
    }

    [Theory]
    [InlineData("dose", """{"doseIu": 0}""", "changes.doseIu")]
    [InlineData("dose", """{"givenOn": "2026-11-30"}""", "changes.givenOn")]
    [InlineData("dose-held", """{"reasonCode": "holiday"}""", "changes.reasonCode")]
    [InlineData("treg", """{"tregPercentOfCd4": 101}""", "changes.tregPercentOfCd4")]
    [InlineData("treg", """{"tconvPercentOfCd4": 95}""", "changes.tconvPercentOfCd4")]
    [InlineData("score", """{"value": 106}""", "changes.value")]
    [InlineData("score", """{"instrument": "das28-crp"}""", "changes.instrument")]
    [InlineData("adverse-event", """{"grade": 5}""", "changes.outcome,changes.seriousCriteria")]
    [InlineData("adverse-event", """{"awareOn": "2026-11-09"}""", "changes.awareOn")]
    [InlineData("adverse-event", """{"seriousCriteria": ["serious"]}""", "changes.seriousCriteria[0]")]
    [InlineData("ae-follow-up", """{"reportedOn": "2026-11-11"}""", "changes.reportedOn")]
    [InlineData("conmed", """{"dose": -1}""", "changes.dose")]
    [InlineData("not-done", """{"reason": " "}""", "changes.reason")]
    [InlineData("withdrawal", """{"reasonCode": "moved"}""", "changes.reasonCode")]
    [InlineData("completion", """{"completedOn": "2026-11-30"}""", "changes.completedOn")]
    public void the_corrected_entry_is_checked_by_the_rules_of_its_kind(string kind, string changes, string paths)
    {
        var errors = Rejected(DecideCorrection(PatientWith(kind), EntryId, Changes(changes)));

        AssertPaths(errors, paths.Split(','));
    }

    // Against the patient's other entries

    [Fact]
    public void a_dose_can_be_moved_to_the_day_of_withdrawal_but_not_after()
    {
        var withdrawnOn = VisitDate.AddDays(2);
        var patient = Given(DoseGiven(VisitDate, EntryId), Withdrawn(withdrawnOn));

        var moved = OnlyEvent<EntryCorrected>(DecideCorrection(patient, EntryId, Changes($$"""{"givenOn": "{{Iso(withdrawnOn)}}"}""")));
        var errors = Rejected(DecideCorrection(patient, EntryId, Changes($$"""{"givenOn": "{{Iso(withdrawnOn.AddDays(1))}}"}""")));

        Assert.Equal($"\"{Iso(withdrawnOn)}\"", moved.Values["givenOn"]!.ToJsonString());
        AssertOnly(errors, "changes.givenOn", $"The patient withdrawn on {Day(withdrawnOn)}: there are no doses after that");
    }

    [Fact]
    public void a_withdrawal_is_not_already_withdrawn_by_itself()
    {
        var patient = Given(Withdrawn(VisitDate, EntryId));

        var corrected = OnlyEvent<EntryCorrected>(DecideCorrection(patient, EntryId, Changes("""{"reasonCode": "adverse-event"}""")));

        Assert.Equal("\"adverse-event\"", corrected.Values["reasonCode"]!.ToJsonString());
    }

    [Fact]
    public void a_completion_is_not_already_completed_by_itself()
    {
        var patient = Given(Completed(VisitDate, EntryId));

        var corrected = OnlyEvent<EntryCorrected>(DecideCorrection(patient, EntryId, Changes("""{"completedOn": "2026-11-25"}""")));

        Assert.Equal("\"2026-11-25\"", corrected.Values["completedOn"]!.ToJsonString());
    }

    [Fact]
    public void a_withdrawal_cannot_be_moved_before_a_dose()
    {
        var patient = Given(DoseGiven(VisitDate), Withdrawn(new DateOnly(2026, 11, 25), EntryId));

        var errors = Rejected(DecideCorrection(patient, EntryId, Changes("""{"withdrawnOn": "2026-11-19"}""")));

        AssertOnly(errors, "changes.withdrawnOn", $"(the first on {Day(VisitDate)})");
    }

    [Fact]
    public void a_follow_up_is_judged_without_its_own_earlier_values()
    {
        var patient = Given(
            AeReported(AeId),
            FollowedUp(EntryId, Grade3FollowUp() with
            {
                Grade = 5,
                SeriousCriteria = [SeriousCriterion.Death],
                Outcome = AeOutcome.Fatal,
            }));

        var decision = DecideCorrection(patient, EntryId, Changes("""{"grade": 3, "seriousCriteria": [], "outcome": "not-recovered"}"""));

        var corrected = OnlyEvent<EntryCorrected>(decision);
        Assert.Equal("3", corrected.Values["grade"]!.ToJsonString());
        Assert.Equal("[]", corrected.Values["seriousCriteria"]!.ToJsonString());
    }

    [Fact]
    public void a_follow_up_of_a_voided_adverse_event_cannot_be_corrected()
    {
        var patient = Given(
            AeReported(AeId),
            FollowedUp(EntryId, Grade3FollowUp()),
            Voided(AeId));

        AssertPaths(Rejected(DecideCorrection(patient, EntryId, Changes("""{"grade": 4}"""))), "changes.adverseEventId");
    }

    [Fact]
    public void a_follow_up_corrected_to_bring_nothing_is_rejected()
    {
        AssertPaths(Rejected(DecideCorrection(PatientWith("ae-follow-up"), EntryId, Changes("""{"grade": null}"""))), "changes");
    }

    [Fact]
    public void a_field_a_kind_does_not_have_is_named_with_the_fields_it_has_in_order()
    {
        var errors = Rejected(DecideCorrection(PatientWith("completion"), EntryId, Changes("""{"withdrawnOn": "2026-11-20"}""")));

        AssertPaths(errors, "changes.withdrawnOn");
        Assert.Equal("A completion entry has no field 'withdrawnOn' that can be corrected: it has completedOn.", errors["changes.withdrawnOn"].Single());
        var treg = Rejected(DecideCorrection(PatientWith("treg"), EntryId, Changes("""{"sampled": "2026-11-20"}""")));
        Assert.EndsWith("it has cd4PerUl, gating, lab, sampledOn, tconvPercentOfCd4, tregPerUl, tregPercentOfCd4.", treg["changes.sampled"].Single());
    }

    [Fact]
    public void the_changes_get_the_checks_of_a_new_body_under_changes()
    {
        var early = Rejected(DecideCorrection(PatientWith("dose"), EntryId, Changes("""{"givenOn": "1899-12-31"}""")));
        AssertPaths(early, "changes.givenOn");

        var wrongType = Rejected(DecideCorrection(PatientWith("dose"), EntryId, Changes("""{"doseIu": "a lot"}""")));
        AssertPaths(wrongType, "changes.doseIu");
    }
}
