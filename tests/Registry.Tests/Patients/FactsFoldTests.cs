using System.Text.Json.Nodes;
using JasperFx.Events;
using Registry.Patients;

namespace Registry.Tests.Patients;

/// <summary>How each entry kind folds into the cohort and safety facts: recorded, corrected, voided.</summary>
public sealed class FactsFoldTests
{
    private static readonly Guid PatientId = Guid.CreateVersion7();
    private static readonly DateOnly Visit = new(2026, 11, 20);
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    private readonly PatientFactsProjection _projection = new();
    private PatientFacts? _facts;
    private long _sequence;

    public FactsFoldTests() => Apply(new PatientEnrolled(PatientId, "FR01", "FR01-0001", "sle", 1980, Sex.Female,
        new DateOnly(2026, 11, 1), "v1", TherapyLine.Standalone, CareSetting.Routine, Regimen.Default));

    private PatientFacts Facts => _facts!;

    private long Apply(object data)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
        e.Sequence = e.Version = ++_sequence;
        e.Timestamp = Start.AddMinutes(_sequence);
        e.StreamId = PatientId;
        _facts = _projection.Evolve(_facts, PatientId, e);
        return _sequence;
    }

    private long Correct<T>(Guid entryId, EntryKind kind, T values) =>
        Apply(new EntryCorrected(entryId, kind, [], EntryJson.ToJson(values), CorrectionReason.SourceUpdated, "source"));

    private static DoseData Dose(int day) =>
        new(new DateOnly(2026, 11, day), null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false);

    private static TregData Treg(int day, decimal percent) =>
        new(new DateOnly(2026, 11, day), percent, Gating.Cd4Cd25Foxp3, null, null, 60m, null);

    [Fact]
    public void a_dose_counts_as_recorded_then_as_corrected_and_nowhere_once_voided()
    {
        var id = Guid.NewGuid();
        Apply(new DoseAdministered(id, Guid.NewGuid(), Visit, Dose(18)));
        Assert.Equal(Dose(18), Facts.Doses[id]);

        Correct(id, EntryKind.Dose, Dose(17));
        Assert.Equal(Dose(17), Facts.Doses[id]);

        Apply(new EntryVoided(id, "wrong patient"));
        Assert.Empty(Facts.Doses);

        Correct(id, EntryKind.Dose, Dose(16));
        Assert.Empty(Facts.Doses);
    }

    [Fact]
    public void a_treg_result_and_a_score_keep_the_sequence_they_were_first_recorded_at()
    {
        var treg = Guid.NewGuid();
        var score = Guid.NewGuid();
        var tregAt = Apply(new TregMeasured(treg, Guid.NewGuid(), Visit, Treg(18, 5m)));
        var scoreAt = Apply(new ScoreRecorded(score, Guid.NewGuid(), Visit, new ScoreData(new DateOnly(2026, 11, 18), "sledai-2k", 6m, null)));
        Assert.Equal(new TregFact(new DateOnly(2026, 11, 18), 5m, Gating.Cd4Cd25Foxp3, 60m, tregAt), Facts.Tregs[treg]);
        Assert.Equal(new ScoreFact(new DateOnly(2026, 11, 18), "sledai-2k", 6m, scoreAt), Facts.Scores[score]);

        Correct(treg, EntryKind.Treg, Treg(17, 6.5m));
        Correct(score, EntryKind.Score, new ScoreData(new DateOnly(2026, 11, 17), "sledai-2k", 4m, null));
        Assert.Equal(new TregFact(new DateOnly(2026, 11, 17), 6.5m, Gating.Cd4Cd25Foxp3, 60m, tregAt), Facts.Tregs[treg]);
        Assert.Equal(new ScoreFact(new DateOnly(2026, 11, 17), "sledai-2k", 4m, scoreAt), Facts.Scores[score]);

        Apply(new EntryVoided(treg, "wrong sample"));
        Apply(new EntryVoided(score, "wrong patient"));
        Correct(treg, EntryKind.Treg, Treg(16, 7m));
        Correct(score, EntryKind.Score, new ScoreData(new DateOnly(2026, 11, 16), "sledai-2k", 2m, null));
        Assert.Empty(Facts.Tregs);
        Assert.Empty(Facts.Scores);
    }

    [Fact]
    public void a_withdrawal_and_a_completion_are_ends_of_participation_with_their_dates_and_reasons()
    {
        var withdrawal = Guid.NewGuid();
        var completion = Guid.NewGuid();
        Apply(new PatientWithdrawn(withdrawal, new WithdrawalData(new DateOnly(2026, 11, 25), WithdrawalReason.AdverseEvent, null)));
        Apply(new PatientCompleted(completion, new CompletionData(new DateOnly(2026, 11, 26))));
        Assert.Equal(new EndFact(EntryKind.Withdrawal, new DateOnly(2026, 11, 25), WithdrawalReason.AdverseEvent), Facts.Ends[withdrawal]);
        Assert.Equal(new EndFact(EntryKind.Completion, new DateOnly(2026, 11, 26), null), Facts.Ends[completion]);

        Correct(withdrawal, EntryKind.Withdrawal, new WithdrawalData(new DateOnly(2026, 11, 24), WithdrawalReason.Death, null));
        Correct(completion, EntryKind.Completion, new CompletionData(new DateOnly(2026, 11, 27)));
        Assert.Equal(new EndFact(EntryKind.Withdrawal, new DateOnly(2026, 11, 24), WithdrawalReason.Death), Facts.Ends[withdrawal]);
        Assert.Equal(new EndFact(EntryKind.Completion, new DateOnly(2026, 11, 27), null), Facts.Ends[completion]);

        Apply(new EntryVoided(withdrawal, "entered in error"));
        Apply(new EntryVoided(completion, "entered in error"));
        Correct(withdrawal, EntryKind.Withdrawal, new WithdrawalData(new DateOnly(2026, 11, 23), WithdrawalReason.Other, null));
        Correct(completion, EntryKind.Completion, new CompletionData(new DateOnly(2026, 11, 28)));
        Assert.Empty(Facts.Ends);
    }

    [Fact]
    public void medications_held_doses_and_items_not_done_are_not_facts()
    {
        Apply(new MedicationRecorded(Guid.NewGuid(), Guid.NewGuid(), Visit, new ConmedData("prednisone", DrugClass.Corticosteroid, 5m, "mg", null, null)));
        Apply(new DoseHeld(Guid.NewGuid(), Guid.NewGuid(), Visit, new DoseHoldData(Visit, HoldReason.Other, null)));
        Apply(new PlannedItemNotDone(Guid.NewGuid(), Guid.NewGuid(), Visit, new NotDoneData(NotDoneItem.TregSample, Visit, "haemolysed")));

        Assert.Empty(Facts.Doses);
        Assert.Empty(Facts.Tregs);
        Assert.Empty(Facts.Scores);
        Assert.Empty(Facts.Ends);
        Assert.Empty(Facts.AdverseEvents);
        Assert.DoesNotContain(typeof(MedicationRecorded), EntryKinds.FactEventTypes);
        Assert.Contains(typeof(TregMeasured), EntryKinds.FactEventTypes);
    }

    public static TheoryData<object, DateOnly> Dated => new()
    {
        { new DoseAdministered(Guid.NewGuid(), Guid.NewGuid(), Visit, Dose(18)), new DateOnly(2026, 11, 18) },
        { new DoseHeld(Guid.NewGuid(), Guid.NewGuid(), Visit, new DoseHoldData(new DateOnly(2026, 11, 17), HoldReason.Other, null)),
            new DateOnly(2026, 11, 17) },
        { new TregMeasured(Guid.NewGuid(), Guid.NewGuid(), Visit, Treg(16, 5m)), new DateOnly(2026, 11, 16) },
        { new ScoreRecorded(Guid.NewGuid(), Guid.NewGuid(), Visit, new ScoreData(new DateOnly(2026, 11, 15), "sledai-2k", 6m, null)),
            new DateOnly(2026, 11, 15) },
        { new MedicationRecorded(Guid.NewGuid(), Guid.NewGuid(), Visit,
            new ConmedData("mtx", DrugClass.Csdmard, null, null, new DateOnly(2026, 10, 1), null)), new DateOnly(2026, 10, 1) },
        { new MedicationRecorded(Guid.NewGuid(), Guid.NewGuid(), Visit, new ConmedData("mtx", DrugClass.Csdmard, null, null, null, null)), Visit },
        { new PlannedItemNotDone(Guid.NewGuid(), Guid.NewGuid(), Visit, new NotDoneData(NotDoneItem.Dose, new DateOnly(2026, 11, 14), "x")),
            new DateOnly(2026, 11, 14) },
        { new PatientWithdrawn(Guid.NewGuid(), new WithdrawalData(new DateOnly(2026, 11, 13), WithdrawalReason.Other, null)),
            new DateOnly(2026, 11, 13) },
        { new PatientCompleted(Guid.NewGuid(), new CompletionData(new DateOnly(2026, 11, 12))), new DateOnly(2026, 11, 12) },
    };

    [Theory]
    [MemberData(nameof(Dated))]
    public void an_entry_is_dated_by_its_clinical_date_or_for_a_medication_without_a_start_its_visit(object @event, DateOnly date)
    {
        var entry = NewEntry.From(@event)!;

        Assert.Equal(date, entry.Date);
        Assert.Equal(date, NewEntry.DateOf(entry.Kind, entry.Data, Visit));
        Assert.Equal(EntryKinds.Starting(@event)!.Kind, entry.Kind);
        Assert.Equal(((IEntryEvent)@event).EntryId, entry.EntryId);
        Assert.True(JsonNode.DeepEquals(EntryJson.ToJson(((IEntryEvent)@event).Values), entry.Data));
    }
}
