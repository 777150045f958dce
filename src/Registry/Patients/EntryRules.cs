using System.Text.RegularExpressions;
using Registry.Catalogue;
using Registry.Infrastructure;

namespace Registry.Patients;

/// <summary>
/// The checks the entry kinds' rules (DOMAIN.md) share: clinical dates, the enrolment and the end of
/// participation, text, grades, seriousness. Each adds every error it finds at the JSON path of the
/// field; a kind's rules (<c>Patients/Entries/*.cs</c>) compare <see cref="Count"/> before and after.
/// </summary>
public sealed partial class EntryRules(PatientState patient, DateOnly today, DiseaseCatalogue catalogue, ValidationErrors errors)
{
    public const int ScreeningDays = 30;
    public const int MaxTextLength = 500;

    public DateOnly Today => today;

    public PatientState Patient => patient;

    public DiseaseCatalogue Catalogue => catalogue;

    public ValidationErrors Errors => errors;

    public static string At(string prefix, string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";

    /// <summary>How many errors were found so far: a rule compares it before and after its checks.</summary>
    public int Count => errors.Errors.Sum(e => e.Value.Count);

    public DateOnly? ClinicalDate(string path, DateOnly? date, string what)
    {
        if (date is not { } d)
        {
            errors.Add(path, $"Give the {what} (yyyy-MM-dd).");
            return null;
        }

        if (d > today)
        {
            errors.Add(path, $"The {what} {d:yyyy-MM-dd} is after the site's today ({today:yyyy-MM-dd}).");
        }

        return d;
    }

    /// <summary>A date that may be known to the month or year only (<see cref="PartialDate"/>): required, not after today.</summary>
    public PartialDate? ClinicalDate(string path, PartialDate? date, string what)
    {
        if (date is not { } d)
        {
            errors.Add(path, $"Give the {what} (yyyy-MM-dd, or yyyy-MM or yyyy when only the month or the year is known).");
            return null;
        }

        if (d.First > today)
        {
            errors.Add(path, $"The {what} {d} is after the site's today ({today:yyyy-MM-dd}).");
        }

        return d;
    }

    public void NotBeforeEnrolment(string path, DateOnly date, string what, int daysAllowedBefore)
    {
        var earliest = patient.EnrolledOn.AddDays(-daysAllowedBefore);
        if (date < earliest)
        {
            errors.Add(path, daysAllowedBefore == 0
                ? $"{what} cannot be dated {date:yyyy-MM-dd}, before the enrolment on {patient.EnrolledOn:yyyy-MM-dd}."
                : $"{what} can be at most {daysAllowedBefore} days before the enrolment on {patient.EnrolledOn:yyyy-MM-dd}; " +
                    $"{date:yyyy-MM-dd} is earlier.");
        }
    }

    public void NotAfterEnd(string path, DateOnly date, string what, Guid? self)
    {
        if (patient.Ended is { } ended && ended.EntryId != self && date > ended.On)
        {
            var how = ended.Kind == EntryKind.Withdrawal ? "withdrawn" : "completed the study";
            errors.Add(path,
                $"The patient {how} on {ended.On:yyyy-MM-dd}: there are no {what} after that (adverse events are still recorded).");
        }
    }

    public DateOnly? EndDate(string path, DateOnly? date, string what, Guid? self)
    {
        var on = ClinicalDate(path, date, what);
        if (on is not { } d)
        {
            return null;
        }

        NotBeforeEnrolment(path, d, "The end of the patient's participation", 0);
        if (patient.Ended is { } ended && ended.EntryId != self)
        {
            errors.Add(path,
                $"The patient already {(ended.Kind == EntryKind.Withdrawal ? "withdrew" : "completed")} on {ended.On:yyyy-MM-dd}; " +
                "correct or void that entry instead.");
        }

        var later = patient.Entries.Values
            .Where(e => !e.Voided && e.Kind is EntryKind.Dose or EntryKind.Treg or EntryKind.Score && e.Date > d)
            .Select(e => e.Date)
            .OrderBy(x => x)
            .ToList();
        if (later.Count > 0)
        {
            errors.Add(path,
                $"There are doses, samples or scores after {d:yyyy-MM-dd} (the first on {later[0]:yyyy-MM-dd}); " +
                "correct them or choose a later date.");
        }

        return on;
    }

    public void NotNegative(string path, decimal? value, string what)
    {
        if (value is < 0)
        {
            errors.Add(path, $"{what} cannot be negative.");
        }
    }

    public void Text(string path, string? value)
    {
        if (value is { Length: > MaxTextLength })
        {
            errors.Add(path, $"At most {MaxTextLength} characters.");
        }
    }

    public int? Grade(string path, int? grade, bool required)
    {
        if (grade is null)
        {
            if (required)
            {
                errors.Add(path, "Give the CTCAE grade: 1 mild, 2 moderate, 3 severe, 4 life-threatening, 5 death.");
            }

            return null;
        }

        if (grade is < 1 or > 5)
        {
            errors.Add(path, $"A CTCAE grade is 1 (mild) to 5 (death); {grade} is not one.");
            return null;
        }

        return grade;
    }

    public List<SeriousCriterion>? Criteria(string path, List<string>? values)
    {
        if (values is null)
        {
            return null;
        }

        var parsed = new List<SeriousCriterion>();
        for (var i = 0; i < values.Count; i++)
        {
            if (errors.Enumeration<SeriousCriterion>($"{path}[{i}]", values[i], "seriousness criterion") is { } c)
            {
                if (parsed.Contains(c))
                {
                    errors.Add($"{path}[{i}]", $"'{values[i]}' is listed twice.");
                }

                parsed.Add(c);
            }
        }

        return parsed.Distinct().ToList();
    }

    /// <summary>
    /// A resolution date, partial or full: not after today, and consistent with the onset as each is known (an onset
    /// known as 2026-03 cannot follow a resolution on 2026-02-10; 2026-03 and 2026-03-05 can go together).
    /// </summary>
    public void ResolvedOn(string path, PartialDate? resolvedOn, PartialDate? onsetOn, AeOutcome? outcome)
    {
        if (resolvedOn is not { } resolved)
        {
            return;
        }

        if (resolved.First > today)
        {
            errors.Add(path, $"The resolution date {resolved} is after the site's today ({today:yyyy-MM-dd}).");
        }

        if (onsetOn is { } onset && onset.First > resolved.Last)
        {
            errors.Add(path, $"An adverse event cannot resolve ({resolved}) before its onset ({onset}).");
        }

        if (outcome is AeOutcome.Recovering or AeOutcome.NotRecovered or AeOutcome.Unknown)
        {
            errors.Add(path,
                $"A resolution date goes with an outcome of recovered, recovered-with-sequelae or fatal, not {Kebab.Name(outcome.Value)}.");
        }
    }

    /// <summary>CTCAE grade 5 is death: it goes with the death criterion and a fatal outcome, and they with it.</summary>
    public void FatalityRules(string p, int? grade, IReadOnlyCollection<SeriousCriterion> criteria, AeOutcome? outcome)
    {
        var death = criteria.Contains(SeriousCriterion.Death);
        if (grade == 5 && !death)
        {
            errors.Add(At(p, "seriousCriteria"), "A grade 5 event is a death: add the 'death' seriousness criterion.");
        }

        if (grade == 5 && outcome is not null && outcome != AeOutcome.Fatal)
        {
            errors.Add(At(p, "outcome"), "A grade 5 event is a death: its outcome is 'fatal'.");
        }

        if (grade is not null and < 5 && (death || outcome == AeOutcome.Fatal))
        {
            errors.Add(At(p, "grade"), "An event that led to death (criterion 'death' or outcome 'fatal') is grade 5.");
        }
    }

    public void MeddraCode(string path, string? code, string what)
    {
        if (code is not null && !MeddraPattern().IsMatch(code.Trim()))
        {
            errors.Add(path, $"A MedDRA {what} code is 8 digits starting with 1, e.g. 10022061; '{code}' is not.");
        }
    }

    public static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex("^1[0-9]{7}$")]
    private static partial Regex MeddraPattern();
}
