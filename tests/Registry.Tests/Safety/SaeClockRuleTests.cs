using JasperFx.Events;
using Registry.Cohorts;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Tests.Safety;

/// <summary>
/// DOMAIN.md's reporting clocks, rule by rule: the site clock at its exact edges and in the site's zone, the
/// SUSAR test, the regulatory and complete-report clocks (7 or 15 days, 8 more days), overdue by time alone at
/// exact instants, and every row of the case's status table. The adverse event's recorded moments are built
/// as the patient facts keep them; the pv actions are folded through the case projection. The site is in
/// Paris (UTC+1 in November 2026); the event began on 1 November and the site became aware on the 2nd.
/// </summary>
public sealed class SaeClockRuleTests
{
    private const string Paris = "Europe/Paris";
    private static readonly TimeZoneInfo ParisZone = TimeZoneInfo.FindSystemTimeZoneById(Paris);
    private static readonly TimeSpan Winter = TimeSpan.FromHours(1);
    private static readonly Guid PatientId = Guid.NewGuid();
    private static readonly Guid AeId = Guid.NewGuid();

    private readonly PatientFacts _facts = Facts(PatientId, "FR01", "FR01-0007");
    private readonly SaeCaseProjection _caseProjection = new();
    private SaeCaseRecord? _case;
    private AdverseEventNow? _now;
    private long _sequence;

    private static DateOnly D(int day) => new(2026, 11, day);

    private static DateTimeOffset Utc(int day, int hour, int minute = 0, int second = 0) =>
        new(2026, 11, day, hour, minute, second, TimeSpan.Zero);

    /// <summary>23:59:59 Paris time (UTC+1) of a day in November 2026, i.e. 22:59:59 UTC.</summary>
    private static DateTimeOffset EndOfParisDay(int day) => new(2026, 11, day, 23, 59, 59, Winter);

    private static PatientFacts Facts(Guid id, string siteId, string subjectCode) => new()
    {
        Id = id,
        SiteId = siteId,
        SubjectCode = subjectCode,
        DiseaseCode = "sle",
        EnrolledOn = new DateOnly(2026, 10, 1),
    };

    private static AdverseEventData Report(
        SeriousCriterion[] criteria,
        bool? expected = false,
        Causality? causality = Causality.Possible,
        int grade = 3,
        AeOutcome outcome = AeOutcome.NotRecovered) =>
        new(D(1), D(2), "pneumonia", "10035664", "10021881", grade, criteria, causality, expected, outcome, ActionTaken.Interrupted, null);

    /// <summary>The event as its report (or corrected report) states it, before any follow-up.</summary>
    private static AdverseEventNow Now(AdverseEventData r) =>
        new(r.OnsetOn, r.AwareOn, r.Grade, r.Grade, r.SeriousCriteria, r.Outcome, r.ResolvedOn, r.Causality, r.Expected);

    /// <summary>An adverse event reported: its current report and its first recorded moment.</summary>
    private static void Record(PatientFacts facts, Guid aeId, long sequence, DateTimeOffset at, AdverseEventData report)
    {
        facts.AdverseEvents[aeId] = new AdverseEventFact(report, at, "nurse1");
        facts.AeHistory[aeId] = [new AeMoment(at, sequence, AeChangeKind.Reported, Now(report), null)];
    }

    private List<AeMoment> History => _facts.AeHistory[AeId];

    private void Reported(DateTimeOffset at, AdverseEventData report)
    {
        Record(_facts, AeId, ++_sequence, at, report);
        _now = Now(report);
    }

    private void FollowedUp(DateTimeOffset at, DateOnly reportedOn, Func<AdverseEventNow, AdverseEventNow> change)
    {
        _now = change(_now!);
        History.Add(new AeMoment(at, ++_sequence, AeChangeKind.FollowedUp, _now, reportedOn));
    }

    private void Corrected(DateTimeOffset at, AdverseEventData report)
    {
        _facts.AdverseEvents[AeId] = _facts.AdverseEvents[AeId] with { Report = report };
        _now = Now(report);
        History.Add(new AeMoment(at, ++_sequence, AeChangeKind.Corrected, _now, null));
    }

    private void Voided(DateTimeOffset at)
    {
        _facts.AdverseEvents.Remove(AeId);
        History.Add(new AeMoment(at, ++_sequence, AeChangeKind.Voided, null, null));
    }

    private void Pv(DateTimeOffset at, object data)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
        e.Sequence = ++_sequence;
        e.Version = _sequence;
        e.Timestamp = at;
        _case = _caseProjection.Evolve(_case, SaeCaseRecord.StreamFor(AeId), e);
    }

    private void Acknowledged(DateTimeOffset at) => Pv(at, new SaeAcknowledged(AeId, PatientId));

    private void Submitted(DateTimeOffset at, DateOnly on) =>
        Pv(at, new SaeSubmitted(AeId, PatientId, SubmissionKind.Initial, on, "ANSM", "R-1"));

    private void CompleteReport(DateTimeOffset at, DateOnly on) =>
        Pv(at, new SaeSubmitted(AeId, PatientId, SubmissionKind.Complete, on, "ANSM", "R-1"));

    private SaeClock Clock(DateTimeOffset now)
    {
        var clock = SaeClocks.Compute(_facts, AeId, _case, Paris, now);
        Assert.NotNull(clock);
        return clock;
    }

    // ---- Suspected, SUSAR, fatal, open ----

    [Theory]
    [InlineData(null, true)]
    [InlineData(Causality.Certain, true)]
    [InlineData(Causality.Probable, true)]
    [InlineData(Causality.Possible, true)]
    [InlineData(Causality.Unlikely, false)]
    [InlineData(Causality.Conditional, true)]
    [InlineData(Causality.Unassessable, true)]
    public void every_causality_but_unlikely_is_suspected(Causality? causality, bool suspected) =>
        Assert.Equal(suspected, SaeClocks.Suspected(causality));

    [Fact]
    public void a_susar_is_serious_suspected_and_not_known_to_be_expected()
    {
        Assert.True(SaeClocks.IsSusar(Now(Report([SeriousCriterion.Hospitalisation], expected: false))));
        Assert.True(SaeClocks.IsSusar(Now(Report([SeriousCriterion.Hospitalisation], expected: null))));
        Assert.True(SaeClocks.IsSusar(Now(Report([SeriousCriterion.MedicallyImportant], causality: null))));
        Assert.False(SaeClocks.IsSusar(Now(Report([SeriousCriterion.Hospitalisation], expected: true))));
        Assert.False(SaeClocks.IsSusar(Now(Report([SeriousCriterion.Hospitalisation], causality: Causality.Unlikely))));
        Assert.False(SaeClocks.IsSusar(Now(Report([]))));
        Assert.False(SaeClocks.IsSusar(null));
    }

    [Fact]
    public void fatal_or_life_threatening_is_a_death_or_life_threatening_criterion_or_a_fatal_outcome()
    {
        Assert.True(SaeClocks.FatalOrLifeThreatening(Now(Report([SeriousCriterion.Death]))));
        Assert.True(SaeClocks.FatalOrLifeThreatening(Now(Report([SeriousCriterion.LifeThreatening]))));
        Assert.True(SaeClocks.FatalOrLifeThreatening(Now(Report([SeriousCriterion.Hospitalisation], outcome: AeOutcome.Fatal))));
        Assert.False(SaeClocks.FatalOrLifeThreatening(Now(Report([SeriousCriterion.Hospitalisation, SeriousCriterion.Disability]))));
    }

    [Fact]
    public void a_case_is_open_while_it_awaits_acknowledgement_or_submission()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        var clock = Clock(Utc(2, 10));

        Assert.True(SaeClocks.Open(clock with { Status = SaeStatus.AwaitingAcknowledgement }));
        Assert.True(SaeClocks.Open(clock with { Status = SaeStatus.AwaitingSubmission }));
        Assert.False(SaeClocks.Open(clock with { Status = SaeStatus.Submitted }));
        Assert.False(SaeClocks.Open(clock with { Status = SaeStatus.Closed }));
    }

    [Fact]
    public void the_site_clock_reads_each_recorded_moment_as_a_change()
    {
        List<AeMoment> history =
        [
            new AeMoment(Utc(2, 9), 1, AeChangeKind.Reported, Now(Report([])), null),
            new AeMoment(Utc(4, 9), 2, AeChangeKind.FollowedUp, Now(Report([SeriousCriterion.Hospitalisation])), D(4)),
            new AeMoment(Utc(5, 9), 3, AeChangeKind.Voided, null, null),
        ];

        Assert.Equal(
            new[]
            {
                new AeChange(Utc(2, 9), AeChangeKind.Reported, false, D(2), null),
                new AeChange(Utc(4, 9), AeChangeKind.FollowedUp, true, D(2), D(4)),
                new AeChange(Utc(5, 9), AeChangeKind.Voided, false, null, null),
            },
            AdverseEventFold.Changes(history));
    }

    // ---- The site clock ----

    [Fact]
    public void changes_never_serious_have_no_site_clock()
    {
        Assert.Null(SaeSiteClock.Compute([], ParisZone));
        Assert.Null(SaeSiteClock.Compute(
            [
                new AeChange(Utc(2, 9), AeChangeKind.Reported, false, D(2), null),
                new AeChange(Utc(3, 9), AeChangeKind.FollowedUp, false, D(2), D(3)),
            ],
            ParisZone));
    }

    [Fact]
    public void the_first_change_that_makes_the_event_serious_sets_the_site_clock()
    {
        var clock = SaeSiteClock.Compute(
            [
                new AeChange(Utc(2, 9), AeChangeKind.Reported, false, D(2), null),
                new AeChange(Utc(4, 9), AeChangeKind.FollowedUp, true, D(2), D(4)),
                new AeChange(Utc(9, 9), AeChangeKind.FollowedUp, true, D(2), D(8)),
            ],
            ParisZone);

        // Reported on the 4th: due at the end of the 5th in Paris; recorded on the 4th, on time.
        Assert.Equal(new SaeSiteClockResult(Utc(4, 9), D(4), EndOfParisDay(5), false), clock);
    }

    [Fact]
    public void a_serious_report_counts_its_aware_date()
    {
        var clock = SaeSiteClock.Compute([new AeChange(Utc(3, 22), AeChangeKind.Reported, true, D(2), null)], ParisZone);

        Assert.Equal(new SaeSiteClockResult(Utc(3, 22), D(2), EndOfParisDay(3), false), clock);
    }

    [Fact]
    public void a_report_recorded_at_the_last_second_of_its_site_clock_is_on_time_and_one_second_later_is_late()
    {
        var due = EndOfParisDay(3);

        var onTime = SaeSiteClock.Compute([new AeChange(due, AeChangeKind.Reported, true, D(2), null)], ParisZone);
        var late = SaeSiteClock.Compute([new AeChange(due.AddSeconds(1), AeChangeKind.Reported, true, D(2), null)], ParisZone);

        Assert.NotNull(onTime);
        Assert.False(onTime.SiteLate);
        Assert.NotNull(late);
        Assert.True(late.SiteLate);
    }

    [Fact]
    public void a_follow_up_that_makes_the_event_serious_counts_its_reported_date()
    {
        var clock = SaeSiteClock.Compute([new AeChange(Utc(7, 8), AeChangeKind.FollowedUp, true, D(2), D(5))], ParisZone);

        // Reported on the 5th: due at the end of the 6th; recorded on the 7th, late.
        Assert.Equal(new SaeSiteClockResult(Utc(7, 8), D(5), EndOfParisDay(6), true), clock);
    }

    [Fact]
    public void a_follow_up_without_a_reported_date_counts_the_date_it_was_recorded_in_the_sites_zone()
    {
        // 23:30 UTC on 4 November is 00:30 on the 5th in Paris.
        var clock = SaeSiteClock.Compute([new AeChange(Utc(4, 23, 30), AeChangeKind.FollowedUp, true, D(2), null)], ParisZone);

        Assert.Equal(new SaeSiteClockResult(Utc(4, 23, 30), D(5), EndOfParisDay(6), false), clock);
    }

    [Fact]
    public void a_correction_of_a_follow_up_counts_the_follow_ups_reported_date_not_the_aware_date()
    {
        var clock = SaeSiteClock.Compute([new AeChange(Utc(8, 9), AeChangeKind.Corrected, true, D(2), D(4))], ParisZone);

        Assert.Equal(new SaeSiteClockResult(Utc(8, 9), D(4), EndOfParisDay(5), true), clock);
    }

    [Fact]
    public void a_correction_of_the_report_counts_the_corrected_aware_date()
    {
        // The site knew on the 3rd and recorded it as serious on the 6th: late.
        var clock = SaeSiteClock.Compute([new AeChange(Utc(6, 10), AeChangeKind.Corrected, true, D(3), null)], ParisZone);

        Assert.Equal(new SaeSiteClockResult(Utc(6, 10), D(3), EndOfParisDay(4), true), clock);
    }

    [Fact]
    public void a_change_of_any_other_kind_counts_the_date_it_was_recorded_in_the_sites_zone()
    {
        var clock = SaeSiteClock.Compute([new AeChange(Utc(4, 23, 30), AeChangeKind.Voided, true, D(2), D(3))], ParisZone);

        Assert.Equal(new SaeSiteClockResult(Utc(4, 23, 30), D(5), EndOfParisDay(6), false), clock);
    }

    [Theory]
    [InlineData(2026, 11, 3, 1)]    // winter time
    [InlineData(2026, 7, 1, 2)]     // summer time
    [InlineData(2026, 3, 29, 2)]    // summer time began at 02:00 that day
    [InlineData(2026, 10, 25, 1)]   // summer time ended at 03:00 that day
    public void the_end_of_a_day_is_23_59_59_with_the_zones_offset_on_that_day(int year, int month, int day, int offsetHours)
    {
        var end = SaeSiteClock.EndOfDay(new DateOnly(year, month, day), ParisZone);

        Assert.Equal(new DateTimeOffset(year, month, day, 23, 59, 59, TimeSpan.FromHours(offsetHours)), end);
        Assert.Equal(TimeSpan.FromHours(offsetHours), end.Offset);
    }

    [Fact]
    public void the_end_of_a_day_in_utc_has_no_offset()
    {
        var end = SaeSiteClock.EndOfDay(D(3), TimeZoneInfo.Utc);

        Assert.Equal(new DateTimeOffset(2026, 11, 3, 23, 59, 59, TimeSpan.Zero), end);
        Assert.Equal(TimeSpan.Zero, end.Offset);
    }

    [Fact]
    public void the_local_date_of_an_instant_is_its_date_in_the_zone()
    {
        Assert.Equal(D(2), SaeSiteClock.LocalDate(Utc(2, 22, 59, 59), ParisZone));   // 23:59:59 in Paris
        Assert.Equal(D(3), SaeSiteClock.LocalDate(Utc(2, 23), ParisZone));           // 00:00 on the 3rd
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.Equal(D(2), SaeSiteClock.LocalDate(Utc(3, 4, 59, 59), newYork));      // 23:59:59 on the 2nd (UTC−5)
        Assert.Equal(D(3), SaeSiteClock.LocalDate(Utc(3, 5), newYork));
    }

    // ---- The case's clocks and status ----

    [Fact]
    public void an_unknown_event_and_an_event_never_serious_have_no_clock()
    {
        Reported(Utc(2, 9), Report([], grade: 2));

        Assert.Null(SaeClocks.Compute(_facts, AeId, null, Paris, Utc(3, 9)));
        Assert.Null(SaeClocks.Compute(_facts, Guid.NewGuid(), null, Paris, Utc(3, 9)));
    }

    [Fact]
    public void a_serious_report_opens_a_case_awaiting_acknowledgement_with_every_field_of_its_clock()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));

        var clock = Clock(Utc(2, 10));

        Assert.Equal(PatientId, clock.PatientId);
        Assert.Equal("FR01-0007", clock.SubjectCode);
        Assert.Equal("FR01", clock.SiteId);
        Assert.Equal("sle", clock.DiseaseCode);
        Assert.Equal(AeId, clock.AdverseEventId);
        Assert.Equal("pneumonia", clock.Term);
        Assert.Equal("10035664", clock.MeddraPtCode);
        Assert.Equal(3, clock.Grade);
        Assert.Equal(3, clock.WorstGrade);
        Assert.Equal(new[] { SeriousCriterion.Hospitalisation }, clock.SeriousCriteria);
        Assert.Equal(Causality.Possible, clock.Causality);
        Assert.False(clock.Expected);
        Assert.Equal(AeOutcome.NotRecovered, clock.Outcome);
        Assert.Equal(D(1), clock.OnsetOn);
        Assert.Equal(D(2), clock.AwareOn);
        Assert.Equal(Utc(2, 9), clock.RecordedAt);
        Assert.Equal(EndOfParisDay(3), clock.SiteDueAt);     // the day after awareness, in Paris
        Assert.False(clock.SiteLate);
        Assert.True(clock.Susar);                             // serious, possible, not expected
        Assert.Equal(D(17), clock.RegulatoryDueOn);           // learnt on the 2nd: 2 + 15
        Assert.Null(clock.CompleteReportDueOn);
        Assert.Null(clock.AcknowledgedAt);
        Assert.Null(clock.SubmittedOn);
        Assert.Null(clock.CompleteReportOn);
        Assert.Equal(SaeStatus.AwaitingAcknowledgement, clock.Status);
        Assert.False(clock.Overdue);
        Assert.False(clock.Downgraded);
        Assert.False(clock.Voided);
        Assert.Equal(1L, clock.ChangeSequence);
    }

    [Fact]
    public void acknowledging_a_susar_makes_it_await_submission_and_the_first_acknowledgement_counts()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        Acknowledged(Utc(2, 11));
        Acknowledged(Utc(3, 8));

        var clock = Clock(Utc(3, 9));

        Assert.Equal(SaeStatus.AwaitingSubmission, clock.Status);
        Assert.Equal(Utc(2, 11), clock.AcknowledgedAt);
        Assert.Equal(D(17), clock.RegulatoryDueOn);
        Assert.False(clock.Overdue);
        Assert.Equal(3L, clock.ChangeSequence);   // the second acknowledgement, after the report (1) and the first (2)
    }

    [Fact]
    public void acknowledging_a_serious_event_that_is_not_a_susar_closes_it_without_a_regulatory_clock()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation], expected: true));
        Assert.Equal(SaeStatus.AwaitingAcknowledgement, Clock(Utc(2, 10)).Status);

        Acknowledged(Utc(2, 11));
        var clock = Clock(Utc(30, 9));

        Assert.Equal(SaeStatus.Closed, clock.Status);
        Assert.False(clock.Susar);
        Assert.Null(clock.RegulatoryDueOn);
        Assert.False(clock.Overdue);
        Assert.False(clock.Downgraded);
    }

    [Fact]
    public void a_submission_makes_the_case_submitted_and_the_first_submission_date_counts()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        Acknowledged(Utc(2, 11));
        Submitted(Utc(20, 9), D(20));
        Submitted(Utc(21, 9), D(21));

        var clock = Clock(Utc(25, 9));

        Assert.Equal(SaeStatus.Submitted, clock.Status);
        Assert.Equal(D(20), clock.SubmittedOn);
        Assert.Equal(D(17), clock.RegulatoryDueOn);   // submitted late, but submitted: no longer overdue
        Assert.Null(clock.CompleteReportDueOn);       // neither fatal nor life-threatening
        Assert.False(clock.Overdue);
        Assert.False(SaeClocks.Open(clock));
        Assert.Equal(4L, clock.ChangeSequence);
    }

    [Theory]
    [InlineData(SeriousCriterion.Hospitalisation, AeOutcome.NotRecovered, 17)]
    [InlineData(SeriousCriterion.Disability, AeOutcome.Recovered, 17)]
    [InlineData(SeriousCriterion.Death, AeOutcome.Fatal, 9)]
    [InlineData(SeriousCriterion.LifeThreatening, AeOutcome.NotRecovered, 9)]
    [InlineData(SeriousCriterion.Hospitalisation, AeOutcome.Fatal, 9)]
    public void the_regulatory_clock_is_7_days_when_fatal_or_life_threatening_and_15_otherwise(
        SeriousCriterion criterion, AeOutcome outcome, int dueDay)
    {
        Reported(Utc(2, 9), Report([criterion], outcome: outcome));

        Assert.Equal(D(dueDay), Clock(Utc(2, 10)).RegulatoryDueOn);
    }

    [Fact]
    public void a_susar_turns_overdue_with_time_alone_once_its_due_date_has_ended_in_the_sites_zone()
    {
        // Due 17 November; the 17th ends in Paris at 22:59:59 UTC.
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));

        Assert.False(Clock(Utc(17, 22, 59, 59)).Overdue);
        var overdue = Clock(Utc(17, 23));
        Assert.True(overdue.Overdue);
        Assert.Equal(SaeStatus.AwaitingAcknowledgement, overdue.Status);

        Acknowledged(Utc(18, 9));
        Assert.True(Clock(Utc(18, 10)).Overdue);
        Submitted(Utc(18, 11), D(18));
        Assert.False(Clock(Utc(18, 12)).Overdue);
    }

    [Fact]
    public void a_life_threatening_susar_turns_overdue_once_its_seventh_day_has_ended()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.LifeThreatening]));
        Acknowledged(Utc(2, 11));

        Assert.False(Clock(Utc(9, 22, 59, 59)).Overdue);   // 23:59:59 on the 9th in Paris
        var overdue = Clock(Utc(9, 23));                   // 00:00 on the 10th
        Assert.True(overdue.Overdue);
        Assert.Equal(D(9), overdue.RegulatoryDueOn);       // 2 + 7
        Assert.Null(overdue.CompleteReportDueOn);          // nothing submitted yet
        Assert.True(SaeClocks.Open(overdue));
    }

    [Fact]
    public void a_fatal_susars_complete_report_is_due_8_days_after_the_first_submission()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Death], grade: 5, outcome: AeOutcome.Fatal));
        Acknowledged(Utc(2, 11));
        Assert.Equal(D(9), Clock(Utc(3, 9)).RegulatoryDueOn);

        Submitted(Utc(6, 9), D(6));
        Submitted(Utc(7, 9), D(7));
        var submitted = Clock(Utc(14, 22, 59, 59));          // 23:59:59 on the 14th in Paris
        Assert.Equal(SaeStatus.Submitted, submitted.Status);
        Assert.Equal(D(6), submitted.SubmittedOn);
        Assert.Equal(D(14), submitted.CompleteReportDueOn);   // 6 + 8
        Assert.False(submitted.Overdue);
        Assert.True(Clock(Utc(14, 23)).Overdue);              // 00:00 on the 15th, no complete report yet

        CompleteReport(Utc(16, 9), D(16));
        CompleteReport(Utc(17, 9), D(17));
        var complete = Clock(Utc(20, 9));
        Assert.Equal(D(16), complete.CompleteReportOn);
        Assert.Equal(D(14), complete.CompleteReportDueOn);
        Assert.Equal(SaeStatus.Submitted, complete.Status);
        Assert.False(complete.Overdue);
    }

    [Fact]
    public void the_regulatory_clock_starts_on_the_date_in_the_sites_zone()
    {
        // Recorded at 23:30 UTC on 2 November, 00:30 on the 3rd in Paris: due 3 + 15 = 18 November.
        Reported(Utc(2, 23, 30), Report([SeriousCriterion.Hospitalisation]));

        var clock = Clock(Utc(3, 9));

        Assert.Equal(D(18), clock.RegulatoryDueOn);
        Assert.Equal(EndOfParisDay(3), clock.SiteDueAt);
        Assert.False(clock.SiteLate);
    }

    [Fact]
    public void a_follow_up_that_makes_an_event_serious_starts_both_clocks_from_it()
    {
        Reported(Utc(2, 9), Report([], grade: 2));
        FollowedUp(Utc(4, 9), D(4), now => now with { Grade = 3, WorstGrade = 3, SeriousCriteria = [SeriousCriterion.Hospitalisation] });

        var clock = Clock(Utc(4, 10));

        Assert.Equal(SaeStatus.AwaitingAcknowledgement, clock.Status);
        Assert.Equal(Utc(4, 9), clock.RecordedAt);
        Assert.Equal(D(4), clock.AwareOn);
        Assert.Equal(EndOfParisDay(5), clock.SiteDueAt);
        Assert.True(clock.Susar);
        Assert.Equal(D(19), clock.RegulatoryDueOn);   // 4 + 15
    }

    [Fact]
    public void a_follow_up_that_keeps_a_susar_changes_its_grade_but_not_its_clocks_or_step()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        FollowedUp(Utc(6, 9), D(6), now => now with { Grade = 4, WorstGrade = 4 });
        FollowedUp(Utc(8, 9), D(8), now => now with { Grade = 2 });

        var clock = Clock(Utc(8, 10));

        Assert.Equal(SaeStatus.AwaitingAcknowledgement, clock.Status);
        Assert.False(clock.Downgraded);
        Assert.Equal(D(17), clock.RegulatoryDueOn);
        Assert.Equal(Utc(2, 9), clock.RecordedAt);
        Assert.Equal(2, clock.Grade);
        Assert.Equal(4, clock.WorstGrade);
        Assert.Equal(3L, clock.ChangeSequence);
    }

    [Fact]
    public void a_closed_case_that_a_follow_up_makes_a_susar_awaits_submission_from_that_day()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation], expected: true));
        Acknowledged(Utc(2, 11));
        FollowedUp(Utc(5, 9), D(5), now => now with { Expected = false });

        var clock = Clock(Utc(5, 10));

        Assert.Equal(SaeStatus.AwaitingSubmission, clock.Status);
        Assert.True(clock.Susar);
        Assert.Equal(D(20), clock.RegulatoryDueOn);   // learnt on the 5th: 5 + 15
        Assert.False(clock.Downgraded);
        Assert.Equal(D(2), clock.AwareOn);            // the site clock still runs from the serious report
        Assert.Equal(3L, clock.ChangeSequence);       // the follow-up, after the acknowledgement (2)
    }

    [Fact]
    public void a_correction_that_removes_seriousness_closes_the_case_as_downgraded_and_a_later_follow_up_leaves_it_so()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation], expected: true));
        Corrected(Utc(3, 9), Report([], expected: true));

        var clock = Clock(Utc(3, 10));
        Assert.Equal(SaeStatus.Closed, clock.Status);
        Assert.True(clock.Downgraded);
        Assert.Empty(clock.SeriousCriteria);
        Assert.False(clock.Overdue);

        FollowedUp(Utc(4, 9), D(4), now => now with { Grade = 2 });
        var later = Clock(Utc(4, 10));
        Assert.Equal(SaeStatus.Closed, later.Status);
        Assert.True(later.Downgraded);
    }

    [Fact]
    public void an_acknowledged_susar_corrected_to_unlikely_is_closed_as_downgraded_until_a_follow_up_makes_it_a_susar_again()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        Acknowledged(Utc(2, 11));
        Corrected(Utc(3, 9), Report([SeriousCriterion.Hospitalisation], causality: Causality.Unlikely));

        var downgraded = Clock(Utc(3, 10));
        Assert.Equal(SaeStatus.Closed, downgraded.Status);
        Assert.True(downgraded.Downgraded);
        Assert.False(downgraded.Susar);
        Assert.Null(downgraded.RegulatoryDueOn);
        Assert.False(downgraded.Overdue);

        // Still serious, still not a SUSAR: nothing changes.
        FollowedUp(Utc(4, 9), D(4), now => now with { Grade = 4, WorstGrade = 4 });
        var stillSerious = Clock(Utc(4, 10));
        Assert.Equal(SaeStatus.Closed, stillSerious.Status);
        Assert.True(stillSerious.Downgraded);

        FollowedUp(Utc(6, 9), D(6), now => now with { Causality = Causality.Probable });
        var again = Clock(Utc(6, 10));
        Assert.Equal(SaeStatus.AwaitingSubmission, again.Status);
        Assert.False(again.Downgraded);
        Assert.True(again.Susar);
        Assert.Equal(D(21), again.RegulatoryDueOn);   // a SUSAR again from the 6th: 6 + 15
    }

    [Fact]
    public void a_submitted_case_that_is_downgraded_stays_submitted_flagged_and_keeps_its_due_date()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        Acknowledged(Utc(2, 11));
        Submitted(Utc(4, 9), D(4));
        Corrected(Utc(5, 9), Report([SeriousCriterion.Hospitalisation], causality: Causality.Unlikely));

        var clock = Clock(Utc(20, 9));

        Assert.Equal(SaeStatus.Submitted, clock.Status);
        Assert.True(clock.Downgraded);
        Assert.False(clock.Susar);
        Assert.Equal(D(17), clock.RegulatoryDueOn);
        Assert.Equal(D(4), clock.SubmittedOn);
        Assert.False(clock.Overdue);
    }

    [Fact]
    public void a_case_downgraded_before_acknowledgement_that_becomes_serious_again_awaits_acknowledgement_again()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        Corrected(Utc(3, 9), Report([]));
        FollowedUp(Utc(4, 9), D(4), now => now with { Grade = 2 });
        Assert.Equal(SaeStatus.Closed, Clock(Utc(4, 10)).Status);

        FollowedUp(Utc(5, 9), D(5), now => now with { SeriousCriteria = [SeriousCriterion.Hospitalisation] });

        var clock = Clock(Utc(5, 10));
        Assert.Equal(SaeStatus.AwaitingAcknowledgement, clock.Status);
        Assert.False(clock.Downgraded);
        Assert.True(clock.Susar);
        Assert.Equal(D(20), clock.RegulatoryDueOn);   // a SUSAR again from the 5th: 5 + 15
        Assert.Equal(Utc(2, 9), clock.RecordedAt);    // the site clock keeps the first serious report
    }

    [Fact]
    public void an_acknowledged_event_serious_again_after_a_downgrade_needs_no_new_acknowledgement()
    {
        // Not a SUSAR: closed again, and no longer downgraded.
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation], expected: true));
        Acknowledged(Utc(2, 11));
        Corrected(Utc(3, 9), Report([], expected: true));
        Assert.True(Clock(Utc(3, 10)).Downgraded);
        Corrected(Utc(4, 9), Report([SeriousCriterion.Hospitalisation], expected: true));

        var clock = Clock(Utc(4, 10));

        Assert.Equal(SaeStatus.Closed, clock.Status);
        Assert.False(clock.Downgraded);
    }

    [Fact]
    public void an_acknowledged_susar_serious_again_after_a_downgrade_awaits_submission()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        Acknowledged(Utc(2, 11));
        Corrected(Utc(3, 9), Report([]));
        Assert.Equal(SaeStatus.Closed, Clock(Utc(3, 10)).Status);
        Corrected(Utc(8, 9), Report([SeriousCriterion.Hospitalisation]));

        var clock = Clock(Utc(8, 10));

        Assert.Equal(SaeStatus.AwaitingSubmission, clock.Status);
        Assert.False(clock.Downgraded);
        Assert.Equal(D(23), clock.RegulatoryDueOn);   // a SUSAR again from the 8th: 8 + 15
        Assert.Equal(Utc(2, 11), clock.AcknowledgedAt);
    }

    [Fact]
    public void a_voided_serious_event_is_closed_downgraded_and_shows_its_last_known_state()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        FollowedUp(Utc(3, 9), D(3), now => now with { Grade = 4, WorstGrade = 4 });
        Voided(Utc(4, 9));

        var clock = SaeClocks.Compute(_facts, AeId, null, Paris, Utc(20, 9));

        Assert.NotNull(clock);
        Assert.True(clock.Voided);
        Assert.Equal("(voided)", clock.Term);
        Assert.Null(clock.MeddraPtCode);
        Assert.Equal(4, clock.Grade);
        Assert.Equal(SaeStatus.Closed, clock.Status);
        Assert.True(clock.Downgraded);
        Assert.False(clock.Susar);
        Assert.Null(clock.RegulatoryDueOn);
        Assert.False(clock.Overdue);
        Assert.Equal(3L, clock.ChangeSequence);
    }

    [Fact]
    public void all_clocks_use_each_sites_zone_utc_by_default_and_each_events_case_and_leave_out_events_never_serious()
    {
        Reported(Utc(2, 9), Report([SeriousCriterion.Hospitalisation]));
        Acknowledged(Utc(2, 11));
        var mild = Guid.NewGuid();
        Record(_facts, mild, ++_sequence, Utc(2, 10), Report([], grade: 1));
        var elsewhere = Facts(Guid.NewGuid(), "US01", "US01-0001");
        var elsewhereAe = Guid.NewGuid();
        Record(elsewhere, elsewhereAe, ++_sequence, Utc(2, 23, 30), Report([SeriousCriterion.Hospitalisation]));

        var clocks = SaeClocks.All(
            [_facts, elsewhere],
            new Dictionary<Guid, SaeCaseRecord> { [AeId] = _case! },
            new Dictionary<string, string> { ["FR01"] = Paris },
            Utc(3, 9)).ToList();

        Assert.Equal(2, clocks.Count);
        Assert.DoesNotContain(clocks, c => c.AdverseEventId == mild);

        var paris = Assert.Single(clocks, c => c.AdverseEventId == AeId);
        Assert.Equal(EndOfParisDay(3), paris.SiteDueAt);
        Assert.Equal(Winter, paris.SiteDueAt.Offset);
        Assert.Equal(SaeStatus.AwaitingSubmission, paris.Status);

        // A site without a zone counts in UTC: 23:30 UTC is still 2 November, due 2 + 15 = 17 November.
        var utc = Assert.Single(clocks, c => c.AdverseEventId == elsewhereAe);
        Assert.Equal(elsewhere.Id, utc.PatientId);
        Assert.Equal("US01", utc.SiteId);
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 23, 59, 59, TimeSpan.Zero), utc.SiteDueAt);
        Assert.Equal(TimeSpan.Zero, utc.SiteDueAt.Offset);
        Assert.Equal(D(17), utc.RegulatoryDueOn);
        Assert.Equal(SaeStatus.AwaitingAcknowledgement, utc.Status);
    }
}
