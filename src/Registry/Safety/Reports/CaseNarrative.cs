using System.Globalization;
using System.Text;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Safety.Reports;

/// <summary>
/// The draft of a case narrative, generated from the record by one fixed template (docs/architecture.md, "Case narrative"):
/// who (age, sex, disease, therapy line, site and subject code), what (the term, MedDRA preferred term, grade), when
/// relative to dosing (the study day and the days since the last dose before the onset), seriousness, causality and
/// expectedness, the action taken with IL-2, the outcome, then a dechallenge (IL-2 withdrawn or interrupted and no dose since
/// the onset) and a rechallenge (a dose after an interruption following the onset, and whether an event of the same term or
/// preferred term began after it) when the doses say so. A pv officer edits it; each edit is a version on the case.
/// </summary>
public static class CaseNarrative
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Draft(CaseFile file, string diseaseName)
    {
        var facts = file.Facts;
        var report = file.Report;
        var now = file.Now;
        var onset = file.Onset;
        var doses = file.Doses;
        var text = new StringBuilder();
        var age = onset.Year - facts.BirthYear;
        var sex = facts.Sex switch
        {
            Sex.Female => "female",
            Sex.Male => "male",
            _ => "patient of unrecorded sex",
        };
        var line = facts.TherapyLine == TherapyLine.Standalone
            ? "low-dose IL-2 alone"
            : "low-dose IL-2 added to other immunomodulating treatment";
        text.Append(Invariant, $"A {age}-year-old {sex} with {diseaseName}, treated with {line}, ");
        text.Append(Invariant, $"followed at site {facts.SiteId} as subject {facts.SubjectCode}");
        var before = doses.Where(d => d.GivenOn <= onset).ToList();
        if (doses.Count == 0)
        {
            text.Append(", had received no dose of IL-2 when the event began. ");
        }
        else
        {
            var first = doses[0];
            text.Append(Invariant, $", received {first.Product} from {first.GivenOn:yyyy-MM-dd}: ");
            text.Append(Invariant, $"{before.Count} dose(s) before the onset");
            if (before.Count > 0)
            {
                var last = before[^1];
                var days = onset.DayNumber - last.GivenOn.DayNumber;
                var gap = days == 0 ? "the day of the onset" : days == 1 ? "1 day before the onset" : $"{days} days before the onset";
                text.Append(Invariant, $", the last on {last.GivenOn:yyyy-MM-dd} ({last.DoseIu:N0} IU, {gap})");
            }

            text.Append(". ");
        }

        var when = report.OnsetOn.IsFull ? $"On {onset:yyyy-MM-dd}" : $"In {report.OnsetOn} (day imputed as {onset:yyyy-MM-dd})";
        text.Append(Invariant, $"{when}");
        if (file.FirstDose is { } firstDose)
        {
            text.Append(Invariant, $", study day {StudyDays.Of(firstDose, onset)},");
        }

        text.Append(Invariant, $" the patient developed {report.Term}");
        if (report.MeddraPtCode is { } pt)
        {
            text.Append(Invariant, $" (MedDRA PT {pt})");
        }

        text.Append(Invariant, $", CTCAE grade {now.WorstGrade} at worst. ");
        text.Append(now.SeriousCriteria.Count == 0
            ? "The event is not serious. "
            : $"The event is serious: {string.Join(", ", now.SeriousCriteria.Order().Select(Words))}. ");
        text.Append(Invariant, $"The site assessed the causality as {(now.Causality is { } c ? Words(c) : "not yet assessed")} (WHO-UMC) ");
        text.Append(now.Expected switch
        {
            true => "and the event as expected in the reference safety information. ",
            false => "and the event as unexpected in the reference safety information. ",
            null => "and has not yet assessed its expectedness. ",
        });
        text.Append(Invariant, $"Action taken with IL-2: {Words(report.ActionTaken)}. ");
        text.Append(Invariant, $"Outcome: {Words(now.Outcome)}");
        if (now.ResolvedOn is { } resolved)
        {
            text.Append(Invariant, $", on {resolved}");
        }

        text.Append(". ");
        // Dechallenge and rechallenge only when the doses say so without doubt: a dose inside a partial onset's period may
        // be before or after the onset, so it counts as neither; an unknown outcome says nothing.
        var after = doses.Where(d => d.GivenOn > report.OnsetOn.Last).ToList();
        var stopped = report.ActionTaken is ActionTaken.Withdrawn or ActionTaken.Interrupted;
        if (stopped && after.Count == 0)
        {
            text.Append(now.Outcome switch
            {
                AeOutcome.Recovered or AeOutcome.RecoveredWithSequelae or AeOutcome.Recovering =>
                    "The event abated after IL-2 was stopped (positive dechallenge). ",
                AeOutcome.NotRecovered => "The event had not abated after IL-2 was stopped (negative dechallenge so far). ",
                _ => "",
            });
        }

        if (stopped && after.Count > 0)
        {
            var resumed = after[0].GivenOn;
            text.Append(Invariant, $"IL-2 was given again from {resumed:yyyy-MM-dd}");
            if (now.ResolvedOn is { } end && end.Last < resumed)
            {
                var recurred = facts.AdverseEvents
                    .Where(x => x.Key != file.AdverseEventId)
                    .Select(x => x.Value.Report)
                    .Where(r => (r.MeddraPtCode is not null && r.MeddraPtCode == report.MeddraPtCode)
                        || string.Equals(r.Term, report.Term, StringComparison.OrdinalIgnoreCase))
                    .Where(r => r.OnsetOn.First >= resumed)
                    .Select(r => r.OnsetOn)
                    .Order()
                    .ToList();
                text.Append(recurred.Count > 0
                    ? $", after the event had resolved (rechallenge); the event recurred ({recurred[0]}): positive rechallenge. "
                    : ", after the event had resolved (rechallenge); no recurrence has been recorded so far. ");
            }
            else
            {
                text.Append(", before the event was known to have resolved. ");
            }
        }

        return text.ToString().TrimEnd();
    }

    private static string Words<T>(T value)
        where T : struct, Enum => Kebab.Name(value).Replace('-', ' ');
}
