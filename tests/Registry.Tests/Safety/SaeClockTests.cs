using JasperFx.Events;
using Registry.Cohorts;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Tests.Safety;

/// <summary>
/// Every clock rule and status transition of DOMAIN.md, replayed from events with a fake clock.
/// The site is in Paris (UTC+1 in winter); the SAE's awareness is 2026-11-02.
/// </summary>
public sealed class SaeClockTests
{
    private const string Paris = "Europe/Paris";
    private static readonly Guid PatientId = Guid.NewGuid();
    private static readonly Guid AeId = Guid.NewGuid();
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly PatientFactsProjection _projection = new();
    private readonly SaeCaseRecord _case = new() { Id = SaeCaseRecord.StreamFor(AeId), AdverseEventId = AeId, PatientId = PatientId };
    private PatientFacts? _facts;
    private long _sequence;

    public SaeClockTests()
    {
        Record(Start.AddDays(-30), new PatientEnrolled(PatientId, "FR01", "FR01-1", "sle", 1980, Sex.Female, new DateOnly(2026, 10, 1), "v1",
            TherapyLine.Standalone, CareSetting.Routine, Regimen.Default));
    }

    private static AdverseEventData Report(SeriousCriterion[] criteria, bool? expected = false, Causality? causality = Causality.Possible, int grade = 3) =>
        new(new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 2), "pneumonia", "10035664", "10021881", grade, criteria, causality, expected,
            grade == 5 ? AeOutcome.Fatal : AeOutcome.NotRecovered, ActionTaken.Interrupted, grade == 5 ? new DateOnly(2026, 11, 2) : null);

    private void Record(DateTimeOffset at, object data)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
        e.Sequence = ++_sequence;
        e.Version = _sequence;
        e.Timestamp = at;
        _facts = _projection.Evolve(_facts, PatientId, e);
    }

    private void Pv(DateTimeOffset at, SaeActionKind kind, DateOnly? submittedOn = null) =>
        _case.Actions.Add(new SaeAction(kind, at, ++_sequence, "pv1", submittedOn, submittedOn is null ? null : "ANSM", submittedOn is null ? null : "R-1"));

    private SaeClock Clock(DateTimeOffset now) => SaeClocks.Compute(_facts!, AeId, _case, Paris, now)!;

    [Fact]
    public void a_serious_event_not_a_susar_waits_for_acknowledgement_then_closes()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([SeriousCriterion.Hospitalisation], expected: true)));
        var clock = Clock(Start);
        Assert.Equal(SaeStatus.AwaitingAcknowledgement, clock.Status);
        Assert.False(clock.Susar);
        Assert.Null(clock.RegulatoryDueOn);

        Pv(Start.AddHours(2), SaeActionKind.Acknowledged);
        Assert.Equal(SaeStatus.Closed, Clock(Start.AddHours(2)).Status);
        Assert.Equal(Start.AddHours(2), Clock(Start.AddHours(2)).AcknowledgedAt);
    }

    [Fact]
    public void the_site_clock_ends_at_midnight_of_the_day_after_awareness_in_the_sites_zone()
    {
        // Aware on 2 November: due 3 November 23:59:59 Paris time (+01:00), i.e. 22:59:59 UTC.
        Record(new DateTimeOffset(2026, 11, 3, 22, 30, 0, TimeSpan.Zero), new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 3), Report([SeriousCriterion.Hospitalisation])));
        var clock = Clock(Start.AddDays(2));
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 23, 59, 59, TimeSpan.FromHours(1)), clock.SiteDueAt);
        Assert.False(clock.SiteLate);
    }

    [Fact]
    public void recorded_after_the_site_clock_is_site_late()
    {
        Record(new DateTimeOffset(2026, 11, 3, 23, 30, 0, TimeSpan.Zero), new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 4), Report([SeriousCriterion.Hospitalisation])));
        Assert.True(Clock(Start.AddDays(3)).SiteLate);
    }

    [Fact]
    public void a_susar_runs_a_15_day_regulatory_clock_from_when_the_registry_learnt_it_and_is_submitted()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([SeriousCriterion.Hospitalisation])));
        Pv(Start.AddHours(1), SaeActionKind.Acknowledged);

        var clock = Clock(Start.AddHours(1));
        Assert.True(clock.Susar);
        Assert.Equal(SaeStatus.AwaitingSubmission, clock.Status);
        Assert.Equal(new DateOnly(2026, 11, 17), clock.RegulatoryDueOn);
        Assert.Null(clock.CompleteReportDueOn);

        Pv(Start.AddDays(3), SaeActionKind.Submitted, new DateOnly(2026, 11, 5));
        var submitted = Clock(Start.AddDays(30));
        Assert.Equal(SaeStatus.Submitted, submitted.Status);
        Assert.False(submitted.Overdue);
    }

    [Fact]
    public void a_fatal_susar_runs_a_7_day_clock_and_a_complete_report_8_days_after_the_initial_submission()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([SeriousCriterion.Death], grade: 5)));
        Pv(Start.AddHours(1), SaeActionKind.Acknowledged);
        Assert.Equal(new DateOnly(2026, 11, 9), Clock(Start).RegulatoryDueOn);

        Pv(Start.AddDays(4), SaeActionKind.Submitted, new DateOnly(2026, 11, 6));
        var clock = Clock(Start.AddDays(5));
        Assert.Equal(new DateOnly(2026, 11, 14), clock.CompleteReportDueOn);
        Assert.False(clock.Overdue);
        Assert.True(Clock(new DateTimeOffset(2026, 11, 15, 9, 0, 0, TimeSpan.Zero)).Overdue);

        Pv(Start.AddDays(9), SaeActionKind.CompleteReport, new DateOnly(2026, 11, 11));
        Assert.False(Clock(new DateTimeOffset(2026, 11, 15, 9, 0, 0, TimeSpan.Zero)).Overdue);
    }

    [Fact]
    public void overdue_turns_true_with_time_alone()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([SeriousCriterion.LifeThreatening])));
        // Life-threatening: due 2 + 7 = 9 November. Still not overdue on the 9th, overdue on the 10th.
        Assert.False(Clock(new DateTimeOffset(2026, 11, 9, 20, 0, 0, TimeSpan.Zero)).Overdue);
        Assert.True(Clock(new DateTimeOffset(2026, 11, 10, 9, 0, 0, TimeSpan.Zero)).Overdue);
    }

    [Fact]
    public void a_missing_causality_is_suspected_and_unlikely_is_not()
    {
        Assert.True(SaeClocks.IsSusar(AdverseEventNow.From(Report([SeriousCriterion.Hospitalisation], causality: null))));
        Assert.True(SaeClocks.IsSusar(AdverseEventNow.From(Report([SeriousCriterion.Hospitalisation], causality: Causality.Unassessable))));
        Assert.False(SaeClocks.IsSusar(AdverseEventNow.From(Report([SeriousCriterion.Hospitalisation], causality: Causality.Unlikely))));
        Assert.False(SaeClocks.IsSusar(AdverseEventNow.From(Report([SeriousCriterion.Hospitalisation], expected: true))));
    }

    [Fact]
    public void a_follow_up_that_makes_an_event_serious_starts_the_site_clock_from_its_reported_date()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([], expected: true, grade: 2)));
        Assert.Null(SaeClocks.Compute(_facts!, AeId, null, Paris, Start));

        Record(Start.AddDays(4), new AdverseEventFollowedUp(Guid.NewGuid(), new AeFollowUpData(AeId, new DateOnly(2026, 11, 5), 3, [SeriousCriterion.Hospitalisation], null, null, null, null)));
        var clock = Clock(Start.AddDays(4));
        Assert.Equal(new DateOnly(2026, 11, 5), clock.AwareOn);
        Assert.Equal(SaeStatus.AwaitingAcknowledgement, clock.Status);
    }

    [Fact]
    public void a_closed_case_that_a_follow_up_makes_a_susar_awaits_submission()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([SeriousCriterion.Hospitalisation], expected: true)));
        Pv(Start.AddHours(1), SaeActionKind.Acknowledged);
        Assert.Equal(SaeStatus.Closed, Clock(Start).Status);

        Record(Start.AddDays(3), new AdverseEventFollowedUp(Guid.NewGuid(), new AeFollowUpData(AeId, new DateOnly(2026, 11, 5), null, null, null, null, null, false)));
        var clock = Clock(Start.AddDays(3));
        Assert.Equal(SaeStatus.AwaitingSubmission, clock.Status);
        // Learnt it was a SUSAR on 5 November (Paris): due the 20th.
        Assert.Equal(new DateOnly(2026, 11, 20), clock.RegulatoryDueOn);
    }

    [Fact]
    public void a_correction_that_removes_seriousness_closes_the_case_as_downgraded()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([SeriousCriterion.Hospitalisation])));
        Record(Start.AddDays(1), new EntryCorrected(AeId, EntryKind.AdverseEvent, [], EntryJson.ToJson(Report([])), CorrectionReason.SourceUpdated, "outpatient"));

        var clock = Clock(Start.AddDays(1));
        Assert.Equal(SaeStatus.Closed, clock.Status);
        Assert.True(clock.Downgraded);
        Assert.False(clock.Overdue);
    }

    [Fact]
    public void a_submitted_case_that_is_downgraded_stays_submitted_and_is_flagged()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([SeriousCriterion.Hospitalisation])));
        Pv(Start.AddHours(1), SaeActionKind.Acknowledged);
        Pv(Start.AddDays(2), SaeActionKind.Submitted, new DateOnly(2026, 11, 4));
        Record(Start.AddDays(5), new EntryCorrected(AeId, EntryKind.AdverseEvent, [], EntryJson.ToJson(Report([SeriousCriterion.Hospitalisation], causality: Causality.Unlikely)), CorrectionReason.SourceUpdated, "reassessed"));

        var clock = Clock(Start.AddDays(5));
        Assert.Equal(SaeStatus.Submitted, clock.Status);
        Assert.True(clock.Downgraded);
        Assert.False(clock.Susar);
    }

    [Fact]
    public void only_patients_whose_events_were_ever_serious_are_read_for_the_clocks()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([], expected: true, grade: 1)));
        Assert.False(_facts!.HadSeriousAdverseEvent);

        Record(Start.AddDays(1), new AdverseEventFollowedUp(Guid.NewGuid(), new AeFollowUpData(AeId, new DateOnly(2026, 11, 3), 3, [SeriousCriterion.Hospitalisation], null, null, null, null)));
        Record(Start.AddDays(2), new EntryVoided(AeId, "other patient"));

        // Voided later, it stays among the cases: its clock shows it closed and downgraded.
        Assert.True(_facts!.HadSeriousAdverseEvent);
    }

    [Fact]
    public void a_voided_sae_is_closed_and_downgraded()
    {
        Record(Start, new AdverseEventRecorded(AeId, Guid.NewGuid(), new DateOnly(2026, 11, 2), Report([SeriousCriterion.Hospitalisation])));
        Record(Start.AddDays(1), new EntryVoided(AeId, "other patient"));

        var clock = Clock(Start.AddDays(1));
        Assert.Equal(SaeStatus.Closed, clock.Status);
        Assert.True(clock.Downgraded);
        Assert.True(clock.Voided);
    }
}
