using JasperFx.Events;
using Registry.Cohorts;
using Registry.Patients;
using Registry.Patients.Timeline;
using Registry.Safety;
using Registry.Worklist;

namespace Registry.Tests.Safety;

/// <summary>
/// The site clock of DOMAIN.md ("Reporting clocks"), one rule for the worklist and the pv clocks. The same
/// events are folded into the patient record (what the worklist reads) and into the patient facts (what
/// the pv clocks read). The site is in Paris (UTC+1 in November).
/// </summary>
public sealed class SaeSiteClockTests
{
    private const string Paris = "Europe/Paris";
    private static readonly TimeZoneInfo ParisZone = TimeZoneInfo.FindSystemTimeZoneById(Paris);
    private static readonly Guid PatientId = Guid.NewGuid();
    private static readonly Guid AeId = Guid.NewGuid();
    private static readonly Guid FollowUpId = Guid.NewGuid();

    private readonly List<(DateTimeOffset At, object Data)> _events = [];

    public SaeSiteClockTests()
    {
        _events.Add((At(1, 8), new PatientEnrolled(PatientId, "FR01", "FR01-0001", "sle", 1980, Sex.Female, D(1), "v1",
            TherapyLine.Standalone, CareSetting.Routine, Regimen.Default)));
    }

    private static DateOnly D(int day) => new(2026, 11, day);

    private static DateTimeOffset At(int day, int hour) => new(2026, 11, day, hour, 0, 0, TimeSpan.Zero);

    /// <summary>23:59:59 Paris time (UTC+1) of a day in November 2026.</summary>
    private static DateTimeOffset EndOfParisDay(int day) => new(2026, 11, day, 23, 59, 59, TimeSpan.FromHours(1));

    private static AdverseEventData Report(DateOnly awareOn, params SeriousCriterion[] criteria) =>
        new(D(1), awareOn, "pneumonia", "10035664", "10021881", 3, criteria, Causality.Possible, false, AeOutcome.NotRecovered, ActionTaken.Interrupted, null);

    private static AeFollowUpData FollowUp(DateOnly reportedOn, params SeriousCriterion[] criteria) =>
        new(AeId, reportedOn, 3, criteria, null, null, null, null);

    private void Record(DateTimeOffset at, object data) => _events.Add((at, data));

    private void Reported(DateTimeOffset at, AdverseEventData report, Guid? id = null) =>
        Record(at, new AdverseEventRecorded(id ?? AeId, Guid.NewGuid(), report.AwareOn, report));

    private void Corrected<T>(DateTimeOffset at, Guid entryId, EntryKind kind, T values) =>
        Record(at, new EntryCorrected(entryId, kind, [], EntryJson.ToJson(values), CorrectionReason.SourceUpdated, "source document"));

    private static IEvent Event(object data, long sequence, DateTimeOffset at)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
        e.Sequence = sequence;
        e.Version = sequence;
        e.Timestamp = at;
        return e;
    }

    /// <summary>The events folded both ways: the worklist's patient record and the pv clocks' patient facts.</summary>
    private (PatientRecord Record, PatientFacts Facts) Fold()
    {
        var recordProjection = new PatientRecordProjection();
        var factsProjection = new PatientFactsProjection();
        PatientRecord? record = null;
        PatientFacts? facts = null;
        var sequence = 0L;
        foreach (var (at, data) in _events)
        {
            sequence++;
            record = recordProjection.Evolve(record, PatientId, Event(data, sequence, at));
            facts = factsProjection.Evolve(facts, PatientId, Event(data, sequence, at));
        }

        return (record!, facts!);
    }

    /// <summary>The worklist's SAE item and the pv clock of the same adverse event.</summary>
    private (SiteSeriousEvent Worklist, SaeClock Pv) Clocks()
    {
        var (record, facts) = Fold();
        var worklist = Assert.Single(DueItems.SeriousEvents(record, ParisZone));
        // A record written before the summaries were kept gives the same item from its adverse events' histories.
        Assert.NotNull(record.Serious);
        record.Serious = null;
        Assert.Equivalent(worklist, Assert.Single(DueItems.SeriousEvents(record, ParisZone)), strict: true);
        var pv = SaeClocks.Compute(facts, AeId, null, Paris, At(20, 0));
        Assert.NotNull(pv);
        return (worklist, pv);
    }

    [Fact]
    public void an_event_never_serious_has_no_site_clock()
    {
        var changes = new[] { new AeChange(At(2, 9), AeChangeKind.Reported, false, D(2), null) };

        Assert.Null(SaeSiteClock.Compute(changes, ParisZone));
    }

    [Fact]
    public void the_site_clock_of_a_serious_report_ends_with_the_day_after_its_aware_date()
    {
        var clock = SaeSiteClock.Compute([new AeChange(At(3, 22), AeChangeKind.Reported, true, D(2), null)], ParisZone);

        Assert.NotNull(clock);
        Assert.Equal(D(2), clock.AwareOn);
        Assert.Equal(EndOfParisDay(3), clock.SiteDueAt);
        Assert.False(clock.SiteLate);
    }

    [Fact]
    public void a_correction_that_makes_an_event_serious_counts_the_corrected_entrys_aware_date_and_is_site_late()
    {
        // Reported on 2 November as not serious; corrected on 6 November: serious, and the site knew on the 3rd.
        Reported(At(2, 9), Report(D(2)));
        Corrected(At(6, 10), AeId, EntryKind.AdverseEvent, Report(D(3), SeriousCriterion.Hospitalisation));

        var (worklist, pv) = Clocks();

        foreach (var (awareOn, recordedAt, siteDueAt, siteLate) in new[]
        {
            (worklist.AwareOn, worklist.RecordedAt, worklist.SiteDueAt, worklist.SiteLate),
            (pv.AwareOn, pv.RecordedAt, pv.SiteDueAt, pv.SiteLate),
        })
        {
            Assert.Equal(D(3), awareOn);
            Assert.Equal(At(6, 10), recordedAt);
            Assert.Equal(EndOfParisDay(4), siteDueAt);
            Assert.True(siteLate);
        }
    }

    [Fact]
    public void a_follow_up_that_makes_an_event_serious_counts_its_reported_date()
    {
        // Reported on 5 November, recorded on the 6th at 21:00 Paris time: within the clock.
        Reported(At(2, 9), Report(D(2)));
        Record(At(6, 20), new AdverseEventFollowedUp(FollowUpId, FollowUp(D(5), SeriousCriterion.Hospitalisation)));

        var (worklist, pv) = Clocks();

        foreach (var (awareOn, recordedAt, siteDueAt, siteLate) in new[]
        {
            (worklist.AwareOn, worklist.RecordedAt, worklist.SiteDueAt, worklist.SiteLate),
            (pv.AwareOn, pv.RecordedAt, pv.SiteDueAt, pv.SiteLate),
        })
        {
            Assert.Equal(D(5), awareOn);
            Assert.Equal(At(6, 20), recordedAt);
            Assert.Equal(EndOfParisDay(6), siteDueAt);
            Assert.False(siteLate);
        }
    }

    [Fact]
    public void a_correction_of_a_follow_up_that_makes_an_event_serious_counts_the_follow_ups_reported_date()
    {
        Reported(At(2, 9), Report(D(2)));
        Record(At(4, 9), new AdverseEventFollowedUp(FollowUpId, FollowUp(D(4))));
        Corrected(At(8, 9), FollowUpId, EntryKind.AeFollowUp, FollowUp(D(4), SeriousCriterion.Hospitalisation));

        var (worklist, pv) = Clocks();

        Assert.Equal((D(4), At(8, 9), EndOfParisDay(5), true), (worklist.AwareOn, worklist.RecordedAt, worklist.SiteDueAt, worklist.SiteLate));
        Assert.Equal((D(4), At(8, 9), EndOfParisDay(5), true), (pv.AwareOn, pv.RecordedAt, pv.SiteDueAt, pv.SiteLate));
    }

    [Theory]
    [InlineData("serious report", false)]
    [InlineData("serious report recorded late", true)]
    [InlineData("correction", true)]
    [InlineData("follow-up recorded late", true)]
    [InlineData("correction of a follow-up", true)]
    [InlineData("voided follow-up, then another", false)]
    [InlineData("corrected not serious, then serious again", false)]
    public void the_worklist_and_the_pv_clocks_give_the_same_site_clock(string scenario, bool late)
    {
        switch (scenario)
        {
            case "serious report":
                Reported(At(3, 12), Report(D(2), SeriousCriterion.Hospitalisation));
                break;
            case "serious report recorded late":
                Reported(At(4, 12), Report(D(2), SeriousCriterion.Hospitalisation));
                break;
            case "correction":
                Reported(At(2, 9), Report(D(2)));
                Corrected(At(6, 10), AeId, EntryKind.AdverseEvent, Report(D(2), SeriousCriterion.LifeThreatening));
                break;
            case "follow-up recorded late":
                Reported(At(2, 9), Report(D(2)));
                Record(At(7, 8), new AdverseEventFollowedUp(FollowUpId, FollowUp(D(5), SeriousCriterion.Hospitalisation)));
                break;
            case "correction of a follow-up":
                Reported(At(2, 9), Report(D(2)));
                Record(At(4, 9), new AdverseEventFollowedUp(FollowUpId, FollowUp(D(4))));
                Corrected(At(8, 9), FollowUpId, EntryKind.AeFollowUp, FollowUp(D(4), SeriousCriterion.Hospitalisation));
                break;
            case "voided follow-up, then another":
                Reported(At(2, 9), Report(D(2)));
                Record(At(3, 9), new AdverseEventFollowedUp(FollowUpId, FollowUp(D(3), SeriousCriterion.Hospitalisation)));
                Record(At(4, 9), new EntryVoided(FollowUpId, "wrong adverse event"));
                Record(At(10, 9), new AdverseEventFollowedUp(Guid.NewGuid(), FollowUp(D(9), SeriousCriterion.Hospitalisation)));
                break;
            case "corrected not serious, then serious again":
                Reported(At(2, 9), Report(D(2), SeriousCriterion.Hospitalisation));
                Corrected(At(3, 9), AeId, EntryKind.AdverseEvent, Report(D(2)));
                Corrected(At(9, 9), AeId, EntryKind.AdverseEvent, Report(D(2), SeriousCriterion.Hospitalisation));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "No such scenario.");
        }

        var (worklist, pv) = Clocks();

        Assert.Equal((pv.AwareOn, pv.RecordedAt, pv.SiteDueAt, pv.SiteLate), (worklist.AwareOn, worklist.RecordedAt, worklist.SiteDueAt, worklist.SiteLate));
        Assert.Equal(pv.SiteDueAt.Offset, worklist.SiteDueAt.Offset);
        Assert.Equal(late, pv.SiteLate);
    }

    [Fact]
    public void a_voided_sae_is_not_in_the_line_listing_nor_on_the_worklist()
    {
        var voided = Guid.NewGuid();
        Reported(At(2, 9), Report(D(2), SeriousCriterion.Hospitalisation));
        Reported(At(2, 10), Report(D(2), SeriousCriterion.Hospitalisation), voided);
        Record(At(3, 9), new EntryVoided(voided, "other patient"));
        var (record, facts) = Fold();

        var clocks = SaeClocks.All([facts], new Dictionary<Guid, SaeCaseRecord>(), new Dictionary<string, string> { ["FR01"] = Paris }, At(4, 0)).ToList();
        Assert.Contains(clocks, c => c.AdverseEventId == voided && c.Voided);

        var row = Assert.Single(GetLineListingEndpoint.LineListingRows(clocks));
        Assert.Equal(AeId, row.AdverseEventId);
        Assert.Equal(AeId, Assert.Single(DueItems.SeriousEvents(record, ParisZone)).AdverseEventId);
    }
}
