using JasperFx.Events;
using Registry.Cohorts;
using Registry.Patients;
using Registry.Patients.Timeline;
using Registry.Worklist;

namespace Registry.Tests.Worklist;

/// <summary>The worklist's due items, from a patient's events folded into the record, in memory.</summary>
public sealed class DueItemsTests
{
    private static readonly Guid PatientId = Guid.CreateVersion7();
    private static readonly DateOnly Enrolled = new(2026, 11, 1);
    private static readonly ResponseOptions Response = new();

    private static DateOnly D(int day) => new(2026, 11, day);

    private static PatientRecord Given(Regimen regimen, params object[] events)
    {
        var projection = new PatientRecordProjection();
        var all = new object[] { new PatientEnrolled(PatientId, "FR01", "FR01-0001", "sle", 1980, Sex.Female, Enrolled, "v1", TherapyLine.Addon, CareSetting.Routine, regimen) }
            .Concat(events);
        PatientRecord? record = null;
        var version = 0;
        foreach (var data in all)
        {
            var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
            e.Version = ++version;
            e.Timestamp = new DateTimeOffset(2026, 11, 10, 8, 0, 0, TimeSpan.Zero).AddHours(version);
            record = projection.Evolve(record, PatientId, e);
        }

        return record!;
    }

    private static DoseAdministered Dose(DateOnly on, Guid? id = null) =>
        new(id ?? Guid.CreateVersion7(), Guid.CreateVersion7(), on, new DoseData(on, null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false));

    private static DueItem NextDose(PatientRecord record, DateOnly today) =>
        DueItems.For(record, today, Response).Single(i => i.Item == NotDoneItem.Dose);

    [Fact]
    public void a_weekly_maintenance_regimen_without_induction_is_due_seven_days_after_each_dose()
    {
        var record = Given(new Regimen(0, 7), Dose(D(2)));

        var next = NextDose(record, D(3));

        Assert.Equal(D(9), next.DueOn);
        Assert.Equal(DosePhase.Maintenance, next.Phase);
        Assert.Equal(8, next.StudyDay);
        Assert.Equal(DueState.Upcoming, next.State);
    }

    [Fact]
    public void a_missed_induction_day_stays_due_and_the_schedule_follows_the_day_the_dose_was_given()
    {
        var record = Given(Regimen.Default, Dose(D(2)), Dose(D(3)));
        Assert.Equal((D(4), DueState.Overdue), (NextDose(record, D(5)).DueOn, NextDose(record, D(5)).State));

        record = Given(Regimen.Default, Dose(D(2)), Dose(D(3)), Dose(D(5)));
        Assert.Equal((D(6), (DosePhase?)DosePhase.Induction, (int?)5), (NextDose(record, D(5)).DueOn, NextDose(record, D(5)).Phase, NextDose(record, D(5)).StudyDay));

        record = Given(Regimen.Default, Dose(D(2)), Dose(D(3)), Dose(D(5)), Dose(D(6)));
        Assert.Equal((D(20), (DosePhase?)DosePhase.Maintenance), (NextDose(record, D(6)).DueOn, NextDose(record, D(6)).Phase));
    }

    [Fact]
    public void a_voided_dose_counts_nowhere()
    {
        var wrong = Guid.CreateVersion7();
        var record = Given(Regimen.Default, Dose(D(2)), Dose(D(3), wrong), new EntryVoided(wrong, "wrong patient"));

        Assert.Equal(D(3), NextDose(record, D(3)).DueOn);
        Assert.Equal(DueState.Due, NextDose(record, D(3)).State);
    }

    [Fact]
    public void a_held_dose_is_the_anchor_of_the_next_one()
    {
        var record = Given(Regimen.Default, Dose(D(2)), Dose(D(3)), Dose(D(4)), Dose(D(5)), Dose(D(6)),
            new DoseHeld(Guid.CreateVersion7(), Guid.CreateVersion7(), D(20), new DoseHoldData(D(20), HoldReason.AdverseEvent, "fever")));

        Assert.Equal(D(20).AddDays(14), NextDose(record, D(21)).DueOn);
    }

    [Fact]
    public void a_first_dose_not_done_is_asked_for_again_the_next_day()
    {
        var record = Given(Regimen.Default,
            new PlannedItemNotDone(Guid.CreateVersion7(), Guid.CreateVersion7(), D(1), new NotDoneData(NotDoneItem.Dose, D(1), "product not delivered")));

        Assert.Equal(D(2), NextDose(record, D(5)).DueOn);
        Assert.Equal(DueState.Overdue, NextDose(record, D(5)).State);
    }

    [Fact]
    public void the_day_8_sample_is_not_asked_for_before_its_window_opens()
    {
        var record = Given(Regimen.Default, Dose(D(2)));

        Assert.DoesNotContain(DueItems.For(record, D(6), Response), i => i.Item == NotDoneItem.TregSample && i.StudyDay == 8);
        var due = Assert.Single(DueItems.For(record, D(7), Response), i => i.Item == NotDoneItem.TregSample && i.StudyDay == 8);
        Assert.Equal(D(9), due.DueOn);
        Assert.Equal(DueState.Due, due.State);
        Assert.Equal(DueState.Overdue, Assert.Single(DueItems.For(record, D(12), Response), i => i.Item == NotDoneItem.TregSample && i.StudyDay == 8).State);
    }

    [Fact]
    public void a_sample_outside_the_window_does_not_count_as_the_day_8_sample()
    {
        var record = Given(Regimen.Default, Dose(D(2)),
            new TregMeasured(Guid.CreateVersion7(), Guid.CreateVersion7(), D(12), new TregData(D(12), 9m, Gating.Cd4Cd25Foxp3, null, null, null, null)));

        Assert.Contains(DueItems.For(record, D(12), Response), i => i.Item == NotDoneItem.TregSample && i.StudyDay == 8);
    }

    [Fact]
    public void every_target_day_asks_for_its_sample_and_the_clinical_target_day_for_a_score_each_in_its_window()
    {
        // First dose 2 November: day 15 is 16 November (window 13 to 19), day 85 is 25 January (window 8 January to
        // 11 February) for both the sample and the score.
        var record = Given(Regimen.Default, Dose(D(2)), Treg(D(9)));
        var onThe20th = DueItems.For(record, D(20), Response);
        var day15 = Assert.Single(onThe20th, i => i.Item == NotDoneItem.TregSample);
        Assert.Equal((15, D(16), D(13), D(19), DueState.Overdue), (day15.StudyDay!.Value, day15.DueOn, day15.WindowFrom!.Value,
            day15.WindowTo!.Value, day15.State));
        Assert.DoesNotContain(onThe20th, i => i.Item == NotDoneItem.Score);

        var january = DueItems.For(Given(Regimen.Default, Dose(D(2)), Treg(D(9)), Treg(D(16)), Treg(D(30))), new DateOnly(2027, 1, 10), Response);
        var score = Assert.Single(january, i => i.Item == NotDoneItem.Score);
        Assert.Equal((85, new DateOnly(2027, 1, 25), DueState.Due), (score.StudyDay!.Value, score.DueOn, score.State));
        Assert.Contains(january, i => i.Item == NotDoneItem.TregSample && i.StudyDay == 85);

        // A score taken in the window, or marked not done, answers it.
        var scored = Given(Regimen.Default, Dose(D(2)), NotDone(NotDoneItem.Score, new DateOnly(2027, 1, 20)));
        Assert.DoesNotContain(DueItems.For(scored, new DateOnly(2027, 1, 21), Response), i => i.Item == NotDoneItem.Score);
    }

    [Fact]
    public void a_completed_patient_has_nothing_due()
    {
        var record = Given(Regimen.Default, Dose(D(2)), new PatientCompleted(Guid.CreateVersion7(), new CompletionData(D(10))));

        Assert.Empty(DueItems.For(record, D(20), Response));
    }

    [Fact]
    public void an_adverse_event_made_serious_by_a_correction_starts_the_site_clock_at_the_correction()
    {
        var aeId = Guid.CreateVersion7();
        var report = new AdverseEventData(D(3), D(4), "fever", null, null, 2, [], Causality.Possible, true, AeOutcome.Recovering, ActionTaken.None, null);
        var serious = EntryJson.ToJson(report with { SeriousCriteria = [SeriousCriterion.Hospitalisation] });
        var record = Given(Regimen.Default, Dose(D(2)),
            new AdverseEventRecorded(aeId, Guid.CreateVersion7(), D(4), report),
            new EntryCorrected(aeId, EntryKind.AdverseEvent, new System.Text.Json.Nodes.JsonObject { ["seriousCriteria"] = new System.Text.Json.Nodes.JsonArray("hospitalisation") },
                serious, CorrectionReason.SourceUpdated, "discharge letter"));

        var sae = Assert.Single(DueItems.SeriousEvents(record, TimeZoneInfo.Utc));

        Assert.Equal(record.History[aeId][1].At, sae.RecordedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 5, 23, 59, 59, TimeSpan.Zero), sae.SiteDueAt);
        Assert.True(sae.SiteLate);
    }

    private static TregMeasured Treg(DateOnly on) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), on, new TregData(on, 5m, Gating.Cd4Cd25Foxp3, null, null, null, null));

    private static PlannedItemNotDone NotDone(NotDoneItem item, DateOnly on) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), on, new NotDoneData(item, on, "not possible"));

    private static DueItem? Sample(PatientRecord record, DateOnly today) =>
        DueItems.For(record, today, Response).SingleOrDefault(i => i.Item == NotDoneItem.TregSample && i.StudyDay == 8);

    // First dose on day 2 of November: the day-8 sample is due on the 9th, its window the 7th to the 11th.
    [Theory]
    [InlineData(6, null)]
    [InlineData(7, DueState.Due)]
    [InlineData(11, DueState.Due)]
    [InlineData(12, DueState.Overdue)]
    public void the_day_8_sample_is_asked_for_from_its_window_s_first_day_and_overdue_after_its_last(int today, DueState? state)
    {
        var record = Given(Regimen.Default, Dose(D(2)));

        Assert.Equal(state, Sample(record, D(today))?.State);
        if (state is not null)
        {
            Assert.Equal((D(9), D(7), D(11), 8), (Sample(record, D(today))!.DueOn, Sample(record, D(today))!.WindowFrom,
                Sample(record, D(today))!.WindowTo, Sample(record, D(today))!.StudyDay));
        }
    }

    [Theory]
    [InlineData(6, true)]
    [InlineData(7, false)]
    [InlineData(11, false)]
    [InlineData(12, true)]
    public void a_sample_inside_the_window_settles_it_and_one_outside_does_not(int sampledOn, bool stillAsked)
    {
        var record = Given(Regimen.Default, Dose(D(2)), Treg(D(sampledOn)));

        Assert.Equal(stillAsked, Sample(record, D(12)) is not null);
    }

    [Fact]
    public void only_a_treg_sample_marked_not_done_settles_the_sample()
    {
        Assert.Null(Sample(Given(Regimen.Default, Dose(D(2)), NotDone(NotDoneItem.TregSample, D(9))), D(12)));
        Assert.NotNull(Sample(Given(Regimen.Default, Dose(D(2)), NotDone(NotDoneItem.Score, D(9))), D(12)));
    }

    [Fact]
    public void before_the_first_dose_the_first_dose_is_due_the_day_after_the_latest_held_or_not_done_dose_and_never_before_enrolment()
    {
        var held = new DoseHeld(Guid.CreateVersion7(), Guid.CreateVersion7(), D(3), new DoseHoldData(D(3), HoldReason.Other, null));
        Assert.Equal(Enrolled, NextDose(Given(Regimen.Default), D(1)).DueOn);
        Assert.Equal(D(6), NextDose(Given(Regimen.Default, held, NotDone(NotDoneItem.Dose, D(5))), D(6)).DueOn);
        Assert.Equal(D(4), NextDose(Given(Regimen.Default, held, NotDone(NotDoneItem.Score, D(5))), D(6)).DueOn);
        var screening = new DoseHeld(Guid.CreateVersion7(), Guid.CreateVersion7(), new DateOnly(2026, 10, 20),
            new DoseHoldData(new DateOnly(2026, 10, 20), HoldReason.Other, null));
        Assert.Equal(Enrolled, NextDose(Given(Regimen.Default, screening), D(1)).DueOn);
    }

    [Fact]
    public void the_record_keeps_what_is_pending_whatever_the_day_and_the_first_day_it_is_asked_for()
    {
        // Dosed on days 2 to 6 (induction): the next dose on 11-20, the day-8 sample's window 11-07 to 11-11.
        var record = Given(Regimen.Default, Dose(D(2)), Dose(D(3)), Dose(D(4)), Dose(D(5)), Dose(D(6)));

        // Then a Treg sample at each target day (8, 15, 29, 85, 183) and a score at day 85, each in its window.
        Assert.Equal(
            [NotDoneItem.Dose, NotDoneItem.TregSample, NotDoneItem.TregSample, NotDoneItem.TregSample, NotDoneItem.TregSample,
             NotDoneItem.TregSample, NotDoneItem.Score],
            record.Pending.Select(p => p.Item));
        Assert.Equal([8, 15, 29, 85, 183, 85], record.Pending.Skip(1).Select(p => p.StudyDay!.Value));
        Assert.Equal(D(7), record.NextDueOn);
        // Each day's items are the pending ones as that day sees them.
        foreach (var today in new[] { D(3), D(7), D(12), D(25) })
        {
            Assert.Equal(DueItems.For(record, today, Response), DueItems.On(record.Pending, today));
        }

        var sampled = Given(Regimen.Default, Dose(D(2)), Dose(D(3)), Dose(D(4)), Dose(D(5)), Dose(D(6)), Treg(D(9)));
        // The day-8 sample taken: the next thing asked for is the day-15 sample, its window opening on 11-13.
        Assert.Equal(D(13), sampled.NextDueOn);
        Assert.False(sampled.HasSeriousEvents);
    }
}
