using Registry.Patients;
using Registry.Patients.RecordingVisits;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// A visit (API.md): a client id, a date up to the site's today and at most 30 days (screening) before enrolment, at least
/// one entry; one event per entry, in the order of the lists; any error rejects the whole visit.
/// </summary>
public sealed class VisitRulesTests
{
    private static (Guid EntryId, Guid VisitId, DateOnly VisitDate) Of(object e) => e switch
    {
        DoseAdministered x => (x.EntryId, x.VisitId, x.VisitDate),
        TregMeasured x => (x.EntryId, x.VisitId, x.VisitDate),
        ScoreRecorded x => (x.EntryId, x.VisitId, x.VisitDate),
        AdverseEventRecorded x => (x.EntryId, x.VisitId, x.VisitDate),
        MedicationRecorded x => (x.EntryId, x.VisitId, x.VisitDate),
        DoseHeld x => (x.EntryId, x.VisitId, x.VisitDate),
        PlannedItemNotDone x => (x.EntryId, x.VisitId, x.VisitDate),
        _ => throw new InvalidOperationException($"{e.GetType().Name} is not an entry of a visit."),
    };

    [Fact]
    public void a_visit_with_one_entry_of_each_kind_records_them_in_order_with_the_visit()
    {
        var visitId = Guid.NewGuid();
        var adverseEvent = ValidAe();
        var visit = EmptyVisit() with
        {
            VisitId = visitId,
            Doses = [ValidDose()],
            Tregs = [ValidTreg()],
            Scores = [ValidScore()],
            AdverseEvents = [adverseEvent],
            Conmeds = [ValidConmed()],
            DoseHolds = [ValidDoseHold()],
            NotDone = [ValidNotDone()],
        };

        var decision = DecideVisit(visit);

        var events = Accepted(decision);
        Assert.Equal(
            new[]
            {
                typeof(DoseAdministered), typeof(TregMeasured), typeof(ScoreRecorded), typeof(AdverseEventRecorded),
                typeof(MedicationRecorded), typeof(DoseHeld), typeof(PlannedItemNotDone),
            },
            events.Select(e => e.GetType()));
        Assert.All(events, e => Assert.Equal(visitId, Of(e).VisitId));
        Assert.All(events, e => Assert.Equal(VisitDate, Of(e).VisitDate));
        Assert.Equal(adverseEvent.AdverseEventId, Of(events[3]).EntryId);
        var answer = Assert.IsType<EntriesRecorded>(decision.Answer!(9));
        Assert.Equal(PatientId, answer.PatientId);
        Assert.Equal(9, answer.Version);
        Assert.Equal(events.Select(e => Of(e).EntryId), answer.EntryIds);
        Assert.Equal(7, answer.EntryIds.Distinct().Count());
    }

    [Theory]
    [InlineData("doses", typeof(DoseAdministered))]
    [InlineData("tregs", typeof(TregMeasured))]
    [InlineData("scores", typeof(ScoreRecorded))]
    [InlineData("adverseEvents", typeof(AdverseEventRecorded))]
    [InlineData("conmeds", typeof(MedicationRecorded))]
    [InlineData("doseHolds", typeof(DoseHeld))]
    [InlineData("notDone", typeof(PlannedItemNotDone))]
    public void one_entry_of_any_kind_is_a_visit(string list, Type eventType)
    {
        var visit = list switch
        {
            "doses" => Visit(ValidDose()),
            "tregs" => Visit(ValidTreg()),
            "scores" => Visit(ValidScore()),
            "adverseEvents" => Visit(ValidAe()),
            "conmeds" => Visit(ValidConmed()),
            "doseHolds" => Visit(ValidDoseHold()),
            "notDone" => Visit(ValidNotDone()),
            _ => throw new ArgumentOutOfRangeException(nameof(list), list, null),
        };

        Assert.IsType(eventType, Assert.Single(Accepted(DecideVisit(visit))));
    }

    [Fact]
    public void a_visit_without_entries_is_rejected()
    {
        AssertPaths(VisitErrors(EmptyVisit()), "$");
    }

    [Fact]
    public void a_visit_of_empty_lists_is_rejected()
    {
        var visit = EmptyVisit() with
        {
            Doses = [],
            Tregs = [],
            Scores = [],
            AdverseEvents = [],
            Conmeds = [],
            DoseHolds = [],
            NotDone = [],
        };

        AssertPaths(VisitErrors(visit), "$");
    }

    [Fact]
    public void a_visit_needs_its_client_id()
    {
        AssertPaths(VisitErrors(Visit(ValidDose()) with { VisitId = null }), "visitId");
        AssertPaths(VisitErrors(Visit(ValidDose()) with { VisitId = Guid.Empty }), "visitId");
    }

    [Fact]
    public void a_visit_needs_its_date()
    {
        AssertOnly(VisitErrors(Visit(ValidDose()) with { VisitDate = null }), "visitDate", "Give the visit date (yyyy-MM-dd).");
    }

    [Fact]
    public void a_visit_today_is_accepted()
    {
        var recorded = Recorded<DoseAdministered>(Visit(ValidDose()) with { VisitDate = Today });

        Assert.Equal(Today, recorded.VisitDate);
    }

    [Fact]
    public void a_visit_after_the_sites_today_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidDose()) with { VisitDate = Tomorrow });

        AssertOnly(errors, "visitDate", $"The visit date {Day(Tomorrow)} is after the site's today ({Day(Today)}).");
    }

    [Fact]
    public void a_screening_visit_30_days_before_enrolment_is_accepted()
    {
        var screening = EnrolledOn.AddDays(-30);

        var recorded = Recorded<TregMeasured>(Visit(ValidTreg() with { SampledOn = screening }) with { VisitDate = screening });

        Assert.Equal(screening, recorded.VisitDate);
    }

    [Fact]
    public void a_visit_31_days_before_enrolment_is_rejected()
    {
        var errors = VisitErrors(Visit(ValidConmed()) with { VisitDate = EnrolledOn.AddDays(-31) });

        AssertOnly(errors, "visitDate", $"A visit can be at most 30 days (screening) before the enrolment on {Day(EnrolledOn)}.");
    }

    [Fact]
    public void an_empty_entry_is_rejected_at_its_place()
    {
        AssertOnly(VisitErrors(EmptyVisit() with { Doses = [null!] }), "doses[0]", "An entry cannot be empty.");
        AssertOnly(VisitErrors(EmptyVisit() with { AdverseEvents = [null!, ValidAe()] }), "adverseEvents[0]", "An entry cannot be empty.");
    }

    [Fact]
    public void errors_are_named_at_the_index_of_the_entry()
    {
        var visit = EmptyVisit() with { Doses = [ValidDose(), ValidDose() with { DoseIu = 0L }] };

        AssertPaths(VisitErrors(visit), "doses[1].doseIu");
    }

    [Fact]
    public void one_invalid_entry_rejects_the_whole_visit_and_every_problem_is_named()
    {
        var visit = EmptyVisit() with
        {
            VisitId = null,
            Doses = [ValidDose()],
            Tregs = [ValidTreg() with { Gating = null }],
            Scores = [ValidScore() with { Value = 200m }],
        };

        AssertPaths(VisitErrors(visit), "visitId", "tregs[0].gating", "scores[0].value");
    }

    [Fact]
    public void a_visit_is_recognised_on_retry_by_its_visit_id_and_its_adverse_events_ids()
    {
        var visitId = Guid.NewGuid();
        var ae = ValidAe();
        var visit = EmptyVisit() with
        {
            VisitId = visitId,
            AdverseEvents = [ae, ae, ValidAe() with { AdverseEventId = Guid.Empty }, ValidAe() with { AdverseEventId = null }, null!],
        };

        Assert.Equal([$"visit:{visitId}", $"adverse-event:{ae.AdverseEventId}"], RecordVisitEndpoint.ClientIds(visit));
        Assert.Empty(RecordVisitEndpoint.ClientIds(EmptyVisit() with { VisitId = Guid.Empty }));
        Assert.Empty(RecordVisitEndpoint.ClientIds(EmptyVisit() with { VisitId = null }));
    }
}
