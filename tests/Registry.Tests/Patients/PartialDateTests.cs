using System.Text.Json;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Tests.Patients;

/// <summary>
/// Partial dates (DOMAIN.md, Partial dates): ISO 8601 reduced precision, never an invented day; a partial onset or start
/// imputes to the first dose's day when the known part holds it, else the period's first day; a partial end to the
/// period's last day, not after a ceiling; an onset known as 2026-03 cannot follow a resolution on 2026-02-10.
/// </summary>
public sealed class PartialDateTests
{
    private static readonly DateOnly FirstDose = new(2026, 3, 10);

    [Theory]
    [InlineData("2026-03-05", 2026, 3, 5)]
    [InlineData("2026-03", 2026, 3, null)]
    [InlineData("2026", 2026, null, null)]
    [InlineData("2024-02-29", 2024, 2, 29)]
    public void iso_reduced_precision_reads_and_writes_back_the_same_text(string text, int year, int? month, int? day)
    {
        Assert.True(PartialDate.TryParse(text, out var date));
        Assert.Equal(new PartialDate(year, month, day), date);
        Assert.Equal(text, date.ToString());
        Assert.Equal($"\"{text}\"", JsonSerializer.Serialize(date, RegistryJson.Options));
        Assert.Equal(date, JsonSerializer.Deserialize<PartialDate>($"\"{text}\"", RegistryJson.Options));
    }

    [Theory]
    [InlineData("2026-3")]
    [InlineData("26-03")]
    [InlineData("2026-13")]
    [InlineData("2026-00")]
    [InlineData("2025-02-29")]
    [InlineData("2026-03-5")]
    [InlineData("2026-03-05T00:00")]
    [InlineData("2026--05")]
    [InlineData("")]
    [InlineData("twenty")]
    [InlineData("٢٠٢٦")]
    public void anything_else_is_not_a_date(string text)
    {
        Assert.False(PartialDate.TryParse(text, out _));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<PartialDate>($"\"{text}\"", RegistryJson.Options));
    }

    [Theory]
    [InlineData("2026-03", "2026-03-10", "D")] // the first dose's month: from the first dose
    [InlineData("2026", "2026-03-10", "M")] // the first dose's year: from the first dose
    [InlineData("2026-02", "2026-02-01", "D")] // an earlier month: its first day
    [InlineData("2026-04", "2026-04-01", "D")] // a later month: its first day
    [InlineData("2025", "2025-01-01", "M")]
    [InlineData("2026-03-02", "2026-03-02", null)] // a full date is never imputed
    public void a_partial_onset_imputes_conservatively_and_says_what_it_imputed(string given, string imputed, string? flag)
    {
        Assert.True(PartialDate.TryParse(given, out var onset));
        Assert.Equal(DateOnly.Parse(imputed, System.Globalization.CultureInfo.InvariantCulture), onset.ImputeStart(FirstDose));
        Assert.Equal(flag, onset.Imputed);
    }

    [Fact]
    public void a_partial_end_takes_the_period_s_last_day_but_not_after_the_ceiling()
    {
        Assert.Equal(new DateOnly(2026, 2, 28), new PartialDate(2026, 2).ImputeEnd(null));
        Assert.Equal(new DateOnly(2024, 2, 29), new PartialDate(2024, 2).ImputeEnd(null));
        Assert.Equal(new DateOnly(2026, 12, 31), new PartialDate(2026).ImputeEnd(null));
        Assert.Equal(new DateOnly(2026, 2, 14), new PartialDate(2026, 2).ImputeEnd(new DateOnly(2026, 2, 14)));
        Assert.Equal(new DateOnly(2026, 2, 28), new PartialDate(2026, 2).ImputeEnd(new DateOnly(2026, 5, 1)));
    }

    private static PatientFacts Patient()
    {
        var p = new PatientFacts { Id = Guid.NewGuid(), DiseaseCode = "sle", SiteId = "FR01", EnrolledOn = FirstDose.AddDays(-7) };
        p.Doses[Guid.NewGuid()] = new DoseData(FirstDose, null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false);
        return p;
    }

    private static Guid Ae(PatientFacts p, PartialDate onset)
    {
        var id = Guid.NewGuid();
        var report = new AdverseEventData(onset, FirstDose.AddDays(30), "Pyrexia", "10037660", "10018065", 1, [], Causality.Possible, true,
            AeOutcome.Recovering, ActionTaken.None, null);
        p.AdverseEvents[id] = new AdverseEventFact(report, DateTimeOffset.UnixEpoch, "nurse1");
        return id;
    }

    [Fact]
    public void an_onset_known_to_the_first_dose_s_month_is_treatment_emergent_and_one_known_to_the_month_before_is_not()
    {
        var p = Patient();
        var inMonth = Ae(p, new PartialDate(2026, 3));
        var inYear = Ae(p, new PartialDate(2026));
        var monthBefore = Ae(p, new PartialDate(2026, 2));
        var exposure = Exposure.Of(p, new DateOnly(2026, 12, 31))!;

        Assert.Equal(new[] { inMonth, inYear }.Order(), exposure.Events.Select(e => e.AdverseEventId).Order());
        Assert.DoesNotContain(exposure.Events, e => e.AdverseEventId == monthBefore);
        Assert.All(exposure.Events, e => Assert.Equal(FirstDose, e.OnsetOn));
        Assert.All(exposure.Events, e => Assert.Equal(0, e.TimeToOnsetDays));
    }

    [Fact]
    public void an_onset_known_to_the_first_dose_s_month_that_resolved_before_the_first_dose_is_not_treatment_emergent()
    {
        var p = Patient();
        var id = Guid.NewGuid();
        var report = new AdverseEventData(new PartialDate(2026, 3), new DateOnly(2026, 3, 6), "Headache", null, null, 1, [], null, null,
            AeOutcome.Recovered, ActionTaken.None, new PartialDate(2026, 3, 5));
        p.AdverseEvents[id] = new AdverseEventFact(report, DateTimeOffset.UnixEpoch, "nurse1");

        Assert.Equal(new DateOnly(2026, 3, 1), new PartialDate(2026, 3).ImputeStart(FirstDose, new DateOnly(2026, 3, 5)));
        Assert.Empty(Exposure.Of(p, new DateOnly(2026, 12, 31))!.Events);
    }

    [Fact]
    public void a_death_known_only_by_a_partial_onset_is_imputed_as_an_end_not_at_the_first_dose()
    {
        var p = Patient();
        var report = new AdverseEventData(new PartialDate(2026), new DateOnly(2026, 11, 2), "Death", null, null, 5,
            [SeriousCriterion.Death], null, null, AeOutcome.Fatal, ActionTaken.Withdrawn, null);
        p.AdverseEvents[Guid.NewGuid()] = new AdverseEventFact(report, DateTimeOffset.UnixEpoch, "nurse1");

        Assert.Equal(new DateOnly(2026, 12, 31), Exposure.DeathDate(p));
    }
}
