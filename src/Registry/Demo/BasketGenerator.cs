using System.Text.Json.Nodes;
using Registry.Catalogue;
using Registry.Patients;
using Registry.Patients.Correcting;
using Registry.Patients.Enrolling;
using Registry.Patients.RecordingVisits;

namespace Registry.Demo;

/// <summary>One thing a site does, in the order it does it.</summary>
public abstract record Step(DateOnly On);

public sealed record VisitStep(DateOnly On, RecordVisit Visit) : Step(On);

public sealed record FollowUpStep(DateOnly On, Guid AdverseEventId, AeFollowUpRequest FollowUp) : Step(On);

/// <summary>Corrects the <see cref="Ordinal"/>-th entry of <see cref="Kind"/> (in the order recorded) with these changes.</summary>
public sealed record CorrectionStep(
    DateOnly On,
    EntryKind Kind,
    int Ordinal,
    JsonObject Changes,
    string ReasonCode,
    string Reason) : Step(On);

public sealed record VoidStep(DateOnly On, EntryKind Kind, int Ordinal, string Reason) : Step(On);

public sealed record WithdrawalStep(DateOnly On, WithdrawalRequest Withdrawal) : Step(On);

public sealed record CompletionStep(DateOnly On, CompletionRequest Completion) : Step(On);

public sealed record GeneratedPatient(EnrolPatient Enrolment, IReadOnlyList<Step> Steps);

/// <summary>
/// A synthetic basket registry, deterministic for a seed: the catalogue's diseases, induction then
/// maintenance dosing, Treg kinetics like the trials (baseline 4–8 % of CD4, a 1.5 to 2.5-fold rise at
/// day 8 in most patients, some non-responders), scores drifting the way each instrument's direction
/// says, injection-site reactions in about a third of patients, rare SAEs, a few corrections and voids.
/// Every request it makes passes the API's validation.
/// </summary>
public sealed class BasketGenerator(DiseaseCatalogue catalogue, int seed, DateOnly today)
{
    private readonly Random _random = new(seed);

    public static IReadOnlyList<string> SiteIds(int sites) => Enumerable.Range(1, sites).Select(i => $"S{i:000}").ToList();

    public IEnumerable<GeneratedPatient> Patients(int count, int sites)
    {
        var siteIds = SiteIds(sites);
        for (var i = 0; i < count; i++)
        {
            yield return Patient(i, siteIds[i % siteIds.Count]);
        }
    }

    private GeneratedPatient Patient(int index, string site)
    {
        var disease = catalogue.Diseases[_random.Next(catalogue.Diseases.Count)];
        var enrolledOn = today.AddDays(-_random.Next(30, 720));
        var firstDose = enrolledOn.AddDays(_random.Next(0, 8));
        var regimen = new Regimen(5, _random.NextDouble() < 0.15 ? 7 : 14);
        var enrolment = new EnrolPatient(
            $"{site}-{index:00000}", site, disease.Code, _random.Next(1940, 2006), Pick("female", "female", "male", "other"),
            enrolledOn, "v2", Pick("standalone", "addon", "addon"), Pick("routine", "routine", "trial"),
            new RegimenRequest(regimen.InductionDays, regimen.MaintenanceIntervalDays));

        var steps = new List<Step>();
        var gating = _random.NextDouble() < 0.8 ? "cd4-cd25-foxp3" : "cd4-cd25hi-cd127lo";
        var baseline = Round(4 + _random.NextDouble() * 4, 1);
        var responder = _random.NextDouble() < 0.8;
        var peak = responder ? 1.5 + _random.NextDouble() : 0.9 + _random.NextDouble() * 0.4;
        var plannedDays = _random.Next(120, 240);
        var withdrawOn = _random.NextDouble() < 0.12 ? firstDose.AddDays(_random.Next(20, plannedDays)) : (DateOnly?)null;
        var endOn = new[] { firstDose.AddDays(plannedDays - 1), withdrawOn ?? DateOnly.MaxValue, today.AddDays(-1) }.Min();
        var instruments = disease.Instruments.Where(i => i.Code != "cgi-i").ToList();
        var baselineScores = instruments.ToDictionary(i => i.Code, i => Level(i));
        var hasIsr = _random.NextDouble() < 0.33;
        var aeIndex = 0;

        // Screening sample and baseline scores at the first dose (day 1).
        var day = 1;
        var doseDays = Enumerable.Range(1, regimen.InductionDays)
            .Concat(Enumerable.Range(1, 40).Select(k => regimen.InductionDays + k * regimen.MaintenanceIntervalDays))
            .ToHashSet();
        var sampleDays = new HashSet<int> { 1, 8, 15, 29, 85, 183 };
        var scoreDays = new HashSet<int> { 1, 85, 183 };
        for (day = 1; firstDose.AddDays(day - 1) <= endOn; day++)
        {
            var date = firstDose.AddDays(day - 1);
            var dose = doseDays.Contains(day);
            var sample = sampleDays.Contains(day) || (sampleDays.Contains(day + 1) && day > 2 && _random.NextDouble() < 0.3);
            var scored = scoreDays.Contains(day);
            if (!dose && !sample && !scored)
            {
                continue;
            }

            var doses = dose
                ? new List<DoseRequest>
                {
                    new(date, null, _random.NextDouble() < 0.9 ? 1_000_000 : 1_500_000, "subcutaneous", "aldesleukin",
                        $"L{_random.Next(100, 999)}", day <= regimen.InductionDays ? "induction" : "maintenance", false),
                }
                : null;
            List<TregRequest>? tregs = null;
            if (sample)
            {
                var factor = day == 1 ? 1 : day <= 10 ? peak : 1 + (peak - 1) * Math.Exp(-(day - 8) / 40.0);
                var treg = (decimal)Round(baseline * factor * (0.95 + _random.NextDouble() * 0.1), 2);
                var cd4 = (decimal)_random.Next(400, 900);
                tregs = [new(date, treg, gating, decimal.Round(cd4 * treg / 100, 0), cd4,
                    decimal.Round(100 - treg - (decimal)(_random.NextDouble() * 5), 2), "central")];
            }

            var scores = scored
                ? instruments.Select(i => new ScoreRequest(date, i.Code, Drift(i, baselineScores[i.Code], day), null))
                    .Concat(day > 1 && disease.Instruments.Any(i => i.Code == "cgi-i")
                        ? [new ScoreRequest(date, "cgi-i", _random.Next(1, 6), null)]
                        : [])
                    .ToList()
                : null;

            var adverseEvents = new List<AdverseEventRequest>();
            if (dose && hasIsr && day <= regimen.InductionDays + 30 && _random.NextDouble() < 0.25)
            {
                adverseEvents.Add(Ae(date, "injection site erythema", "10022061", "10018065", _random.Next(1, 3), [], "probable", true));
            }

            if (dose && _random.NextDouble() < 0.02)
            {
                adverseEvents.Add(Ae(date, "pyrexia", "10037660", "10018065", _random.Next(1, 3), [], "possible", true));
            }

            if (dose && _random.NextDouble() < 0.004)
            {
                adverseEvents.Add(Ae(date, "cellulitis", "10007882", "10021881", 3, ["hospitalisation"], "possible", false));
            }

            steps.Add(new VisitStep(
                date,
                new RecordVisit(Id(), date, doses, tregs, scores, adverseEvents.Count > 0 ? adverseEvents : null, null, null, null)));
            foreach (var ae in adverseEvents.Where(a => a.Grade >= 2 && date.AddDays(2) <= endOn))
            {
                steps.Add(new FollowUpStep(
                    date.AddDays(2),
                    ae.AdverseEventId!.Value,
                    new AeFollowUpRequest(date.AddDays(2), null, null, "recovered", date.AddDays(2), null, null)));
            }

            aeIndex += adverseEvents.Count;
        }

        if (_random.NextDouble() < 0.05 && steps.OfType<VisitStep>().Any(v => v.Visit.Doses is not null))
        {
            steps.Add(new CorrectionStep(
                endOn, EntryKind.Dose, 0, new JsonObject { ["lot"] = "L000" }, "transcription-error", "lot number misread"));
        }

        if (_random.NextDouble() < 0.05 && steps.OfType<VisitStep>().Count(v => v.Visit.Tregs is not null) > 1)
        {
            steps.Add(new CorrectionStep(
                endOn, EntryKind.Treg, 1, new JsonObject { ["lab"] = "local" }, "source-updated", "sample sent to the local lab"));
        }

        if (_random.NextDouble() < 0.02 && aeIndex > 0)
        {
            steps.Add(new VoidStep(endOn, EntryKind.AdverseEvent, 0, "entered for the wrong patient"));
        }

        if (withdrawOn is { } withdrawn && withdrawn <= today.AddDays(-1))
        {
            steps.Add(new WithdrawalStep(
                endOn,
                new WithdrawalRequest(endOn, Pick("adverse-event", "lack-of-efficacy", "patient-decision", "lost-to-follow-up"), null)));
        }
        else if (endOn == firstDose.AddDays(plannedDays - 1))
        {
            steps.Add(new CompletionStep(endOn, new CompletionRequest(endOn)));
        }

        return new GeneratedPatient(enrolment, steps);

        AdverseEventRequest Ae(
            DateOnly date, string term, string pt, string soc, int grade, List<string> criteria, string causality, bool expected) =>
            new(Id(), date, date, term, pt, soc, grade, criteria, causality, expected,
                grade >= 2 ? "recovering" : "recovered", "none", grade >= 2 ? null : date);
    }

    private decimal Level(Instrument i)
    {
        var span = (double)(i.Max - i.Min);
        var fraction = i.HigherIsWorse ? 0.3 + _random.NextDouble() * 0.3 : 0.4 + _random.NextDouble() * 0.3;
        return Fit(i, i.Min + (decimal)(span * fraction));
    }

    /// <summary>Scores improve over time (in the instrument's direction) for most patients.</summary>
    private decimal Drift(Instrument i, decimal baseline, int day)
    {
        if (day == 1)
        {
            return baseline;
        }

        var improvement = (decimal)(_random.NextDouble() * 0.4 - 0.05) * (i.Max - i.Min) * Math.Min(1, day / 120m) / 2;
        return Fit(i, i.HigherIsWorse ? baseline - improvement : baseline + improvement);
    }

    private static decimal Fit(Instrument i, decimal value)
    {
        var clamped = Math.Clamp(value, i.Min, i.Max);
        return i.Integer ? decimal.Round(clamped, 0) : decimal.Round(clamped, 1);
    }

    private Guid Id()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private string Pick(params string[] options) => options[_random.Next(options.Length)];

    private static double Round(double value, int decimals) => Math.Round(value, decimals);
}
