using Registry.Patients;

namespace Registry.Tests.Patients;

/// <summary>The one fold of an adverse event's state: its report with its follow-ups applied in the order recorded.</summary>
public sealed class AdverseEventFoldTests
{
    private static readonly Guid PatientId = Guid.CreateVersion7();
    private static readonly Guid Ae = Guid.NewGuid();
    private static readonly Guid First = Guid.NewGuid();
    private static readonly Guid Second = Guid.NewGuid();

    private static DateOnly D(int day) => new(2026, 11, day);

    /// <summary>Folded in memory: every event has the same timestamp, so only the stream's order tells the follow-ups apart.</summary>
    private static PatientState Given()
    {
        object[] events =
        [
            new PatientEnrolled(PatientId, "FR01", "FR01-0001", "sle", 1980, Sex.Female, D(1), "v1", TherapyLine.Addon, CareSetting.Routine,
                Regimen.Default),
            new AdverseEventRecorded(Ae, Guid.NewGuid(), D(10), new AdverseEventData(D(10), D(10), "fever", null, null, 1, [],
                Causality.Possible, false, AeOutcome.Recovering, ActionTaken.None, null)),
            new AdverseEventFollowedUp(First, new AeFollowUpData(Ae, D(12), 3, [SeriousCriterion.Hospitalisation], AeOutcome.Recovered, D(15),
                Causality.Probable, null)),
            new AdverseEventFollowedUp(Second, new AeFollowUpData(Ae, D(16), 2, null, null, null, null, true)),
        ];
        PatientState? state = null;
        var version = 0;
        foreach (var e in events)
        {
            state = PatientStateProjection.Fold(state, e, ++version, PatientId);
        }

        return state!;
    }

    [Fact]
    public void each_follow_up_brings_what_it_says_and_keeps_the_rest_in_the_order_recorded()
    {
        var now = AdverseEventFold.Current(Given(), Ae);

        Assert.Equal(2, now.Grade);
        Assert.Equal(3, now.WorstGrade);
        Assert.Equal([SeriousCriterion.Hospitalisation], now.SeriousCriteria);
        Assert.Equal(AeOutcome.Recovered, now.Outcome);
        Assert.Equal(D(15), now.ResolvedOn);
        Assert.Equal(Causality.Probable, now.Causality);
        Assert.True(now.Expected);
    }

    [Fact]
    public void a_follow_up_being_corrected_is_left_out_of_the_state_its_correction_is_checked_against()
    {
        var now = AdverseEventFold.Current(Given(), Ae, excludeFollowUp: First);

        Assert.Equal((2, 2), (now.Grade, now.WorstGrade));
        Assert.Empty(now.SeriousCriteria);
        Assert.Equal((AeOutcome.Recovering, (DateOnly?)null, (Causality?)Causality.Possible, (bool?)true),
            (now.Outcome, now.ResolvedOn, now.Causality, now.Expected));
    }

    [Fact]
    public void the_history_records_each_change_with_the_state_right_after_it()
    {
        var history = Given().AeHistory[Ae];

        Assert.Equal([AeChangeKind.Reported, AeChangeKind.FollowedUp, AeChangeKind.FollowedUp], history.Select(m => m.Change));
        Assert.Equal([null, D(12), D(16)], history.Select(m => m.ReportedOn));
        Assert.Equal([1, 3, 2], history.Select(m => m.Now!.Grade));
        Assert.Equal([false, true, true], AdverseEventFold.Changes(history).Select(c => c.Serious));
    }
}
