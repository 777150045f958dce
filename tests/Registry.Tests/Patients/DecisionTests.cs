using System.Text.Json.Nodes;
using JasperFx.Events;
using Microsoft.AspNetCore.Http;
using Registry.Catalogue;
using Registry.Patients;
using Registry.Patients.Correcting;
using Registry.Patients.RecordingVisits;
using Registry.Patients.Timeline;
using Registry.Writing;

namespace Registry.Tests.Patients;

/// <summary>Given the patient's events, when a command, then events or a problem; all in memory.</summary>
public sealed class DecisionTests
{
    private static readonly DiseaseCatalogue Catalogue = DiseaseCatalogue.LoadSeed();
    private static readonly DateOnly Today = new(2026, 11, 29);
    private static readonly Guid PatientId = Guid.CreateVersion7();

    private static PatientEnrolled Enrolled() => new(PatientId, "FR01", "FR01-0001", "ra", 1970, Sex.Male,
        new DateOnly(2026, 3, 2), "v1", TherapyLine.Addon, CareSetting.Routine, Regimen.Default);

    private static PatientState Given(params object[] events)
    {
        var projection = new PatientStateProjection();
        PatientState? state = null;
        var version = 0;
        foreach (var e in events)
        {
            state = projection.Evolve(state, PatientId, Wrap(e, ++version));
        }

        return state!;
    }

    private static IEvent Wrap(object data, long version)
    {
        var type = typeof(Event<>).MakeGenericType(data.GetType());
        var e = (IEvent)Activator.CreateInstance(type, data)!;
        e.Version = version;
        e.Timestamp = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero).AddMinutes(version);
        e.UserName = "nurse1";
        return e;
    }

    private static DoseData Dose(string on, long iu = 1_000_000) => new(DateOnly.Parse(on), null, iu, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false);

    private static AdverseEventData Ae(int grade = 1, params SeriousCriterion[] criteria) => new(
        new DateOnly(2026, 11, 10), new DateOnly(2026, 11, 11), "fever", null, null, grade, criteria, Causality.Possible, false, AeOutcome.Recovering, ActionTaken.None, null);

    [Fact]
    public void a_valid_visit_becomes_one_event_per_entry_with_the_answer_at_the_next_version()
    {
        var state = Given(Enrolled());
        var visit = new RecordVisit(Guid.NewGuid(), new DateOnly(2026, 11, 20),
            [new DoseRequest(new DateOnly(2026, 11, 20), null, 1_000_000, null, "aldesleukin", "L1", "induction", null)],
            null, [new ScoreRequest(new DateOnly(2026, 11, 20), "das28-crp", 4.2m, null)], null, null, null, null);

        var decision = RecordVisitEndpoint.Decide(visit, state, Today, Catalogue);

        Assert.Null(decision.Problem);
        Assert.Collection(decision.Events,
            e => Assert.Equal(DoseRoute.Subcutaneous, Assert.IsType<DoseAdministered>(e).Data.Route),
            e => Assert.Equal(4.2m, Assert.IsType<ScoreRecorded>(e).Data.Value));
        var answer = Assert.IsType<EntriesRecorded>(decision.Answer!(3));
        Assert.Equal(3, answer.Version);
        Assert.Equal(2, answer.EntryIds.Count);
    }

    [Fact]
    public void an_invalid_entry_rejects_the_whole_visit()
    {
        var state = Given(Enrolled());
        var visit = new RecordVisit(Guid.NewGuid(), new DateOnly(2026, 11, 20),
            [new DoseRequest(new DateOnly(2026, 11, 20), null, 1_000_000, null, "aldesleukin", null, "induction", null)],
            null, [new ScoreRequest(new DateOnly(2026, 11, 20), "sledai-2k", 4, null)], null, null, null, null);

        var decision = RecordVisitEndpoint.Decide(visit, state, Today, Catalogue);

        Assert.NotNull(decision.Problem);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void seriousness_criteria_accumulate_over_follow_ups_and_the_worst_grade_is_kept()
    {
        var aeId = Guid.NewGuid();
        var state = Given(Enrolled(),
            new AdverseEventRecorded(aeId, Guid.NewGuid(), new DateOnly(2026, 11, 11), Ae(2)),
            new AdverseEventFollowedUp(Guid.NewGuid(), new AeFollowUpData(aeId, new DateOnly(2026, 11, 12), 3, [SeriousCriterion.Hospitalisation], null, null, null, null)),
            new AdverseEventFollowedUp(Guid.NewGuid(), new AeFollowUpData(aeId, new DateOnly(2026, 11, 14), 1, [], AeOutcome.Recovered, new DateOnly(2026, 11, 14), null, null)));

        var now = AdverseEventFold.Current(state, aeId);

        Assert.Equal(1, now.Grade);
        Assert.Equal(3, now.WorstGrade);
        Assert.Equal([SeriousCriterion.Hospitalisation], now.SeriousCriteria);
        Assert.Equal(AeOutcome.Recovered, now.Outcome);
    }

    [Fact]
    public void a_voided_follow_up_no_longer_counts()
    {
        var aeId = Guid.NewGuid();
        var followUp = Guid.NewGuid();
        var state = Given(Enrolled(),
            new AdverseEventRecorded(aeId, Guid.NewGuid(), new DateOnly(2026, 11, 11), Ae(2)),
            new AdverseEventFollowedUp(followUp, new AeFollowUpData(aeId, new DateOnly(2026, 11, 12), 4, [SeriousCriterion.LifeThreatening], null, null, null, null)),
            new EntryVoided(followUp, "wrong event"));

        var now = AdverseEventFold.Current(state, aeId);

        Assert.Equal(2, now.WorstGrade);
        Assert.Empty(now.SeriousCriteria);
    }

    [Fact]
    public void a_correction_carries_what_changed_and_the_whole_corrected_entry()
    {
        var doseId = Guid.NewGuid();
        var state = Given(Enrolled(), new DoseAdministered(doseId, Guid.NewGuid(), new DateOnly(2026, 11, 20), Dose("2026-11-20")));

        var decision = CorrectEntryEndpoint.Decide(
            new CorrectEntry(doseId, new JsonObject { ["lot"] = "B7" }, "transcription-error", "label misread"), state, Today, Catalogue);

        var corrected = Assert.IsType<EntryCorrected>(Assert.Single(decision.Events));
        Assert.Equal("B7", corrected.Changes["lot"]!.GetValue<string>());
        Assert.Equal("B7", corrected.Values["lot"]!.GetValue<string>());
        Assert.Equal(1_000_000, corrected.Values["doseIu"]!.GetValue<long>());
        Assert.Equal(CorrectionReason.TranscriptionError, corrected.ReasonCode);
    }

    [Fact]
    public void the_timeline_derives_status_and_first_dose_from_the_entries_in_force()
    {
        var first = Guid.NewGuid();
        var projection = new PatientRecordProjection();
        var events = new object[]
        {
            Enrolled(),
            new DoseAdministered(first, Guid.NewGuid(), new DateOnly(2026, 11, 1), Dose("2026-11-01")),
            new DoseAdministered(Guid.NewGuid(), Guid.NewGuid(), new DateOnly(2026, 11, 2), Dose("2026-11-02")),
            new EntryVoided(first, "wrong patient"),
        };
        PatientRecord? record = null;
        for (var i = 0; i < events.Length; i++)
        {
            record = projection.Evolve(record, PatientId, Wrap(events[i], i + 1));
        }

        Assert.Equal(new DateOnly(2026, 11, 2), record!.FirstDoseOn);
        Assert.Equal(PatientStatus.OnTreatment, record.Status);
        Assert.Equal(4, record.Version);
        Assert.Equal([EntryAction.Recorded, EntryAction.Voided], record.History[first].Select(v => v.Action));
    }

    [Fact]
    public void the_request_hash_ignores_key_order_and_whitespace_but_not_values()
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.Path = "/api/patients/1/voids";

        var a = WritePath.RequestHash(http, new VoidEntry(PatientId, "wrong"));
        var b = WritePath.RequestHash(http, JsonNode.Parse($$"""{ "reason": "wrong",  "entryId": "{{PatientId}}" }""")!);
        var c = WritePath.RequestHash(http, new VoidEntry(PatientId, "other"));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
