using System.Text.RegularExpressions;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients.RecordingVisits;

namespace Registry.Patients;

/// <summary>
/// The clinical rules of DOMAIN.md for each kind of entry, applied the same way to a new entry and to
/// a corrected one. Each method adds every error it finds at the JSON path of the field and returns
/// the entry's values when there were none.
/// </summary>
public sealed partial class EntryRules(PatientState patient, DateOnly today, DiseaseCatalogue catalogue, ValidationErrors errors)
{
    public const long PlausibleMinIu = 100_000;
    public const long PlausibleMaxIu = 6_000_000;
    public const long AbsoluteMaxIu = 100_000_000;
    public const int ScreeningDays = 30;
    public const int MaxTextLength = 500;

    public DateOnly Today => today;

    public ValidationErrors Errors => errors;

    private static string At(string prefix, string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";

    public DoseData? Dose(string p, DoseRequest r, Guid? self = null)
    {
        var start = Count;
        var givenOn = ClinicalDate(At(p, "givenOn"), r.GivenOn, "dose date");
        if (givenOn is { } d)
        {
            NotBeforeEnrolment(At(p, "givenOn"), d, "A dose", 0);
            NotAfterEnd(At(p, "givenOn"), d, "doses", self);
        }

        if (r.DoseIu is not { } iu)
        {
            errors.Add(At(p, "doseIu"), "Give the dose in international units (IU), e.g. 1000000 for 1 MIU.");
        }
        else if (iu <= 0 || iu > AbsoluteMaxIu)
        {
            errors.Add(At(p, "doseIu"), $"A dose of {iu:N0} IU is not possible: a dose is more than 0 and at most {AbsoluteMaxIu:N0} IU.");
        }
        else if ((iu < PlausibleMinIu || iu > PlausibleMaxIu) && r.ConfirmUnusualDose != true)
        {
            errors.Add(At(p, "doseIu"),
                $"A dose of {iu:N0} IU ({iu / 1_000_000m:0.###} MIU) is outside the usual 0.1 to 6 MIU. Check the unit (IU, not MIU); if it is what was given, confirm it with confirmUnusualDose.");
        }

        var route = r.Route is null ? DoseRoute.Subcutaneous : errors.Enumeration<DoseRoute>(At(p, "route"), r.Route, "route");
        var product = errors.Required(At(p, "product"), r.Product, "Give the product given, e.g. aldesleukin.");
        Text(At(p, "lot"), r.Lot);
        var phase = errors.Enumeration<DosePhase>(At(p, "phase"), r.Phase, "schedule phase");
        return Count > start ? null : new DoseData(givenOn!.Value, r.GivenAt, r.DoseIu!.Value, route!.Value, product!, r.Lot?.Trim(), phase!.Value, r.ConfirmUnusualDose == true);
    }

    public DoseHoldData? DoseHold(string p, DoseHoldRequest r, Guid? self = null)
    {
        var start = Count;
        var heldOn = ClinicalDate(At(p, "heldOn"), r.HeldOn, "date the dose was held");
        if (heldOn is { } d)
        {
            NotBeforeEnrolment(At(p, "heldOn"), d, "A held dose", 0);
            NotAfterEnd(At(p, "heldOn"), d, "held doses", self);
        }

        var reason = errors.Enumeration<HoldReason>(At(p, "reasonCode"), r.ReasonCode, "reason for holding the dose");
        Text(At(p, "reason"), r.Reason);
        return Count > start ? null : new DoseHoldData(heldOn!.Value, reason!.Value, r.Reason?.Trim());
    }

    public TregData? Treg(string p, TregRequest r, Guid? self = null)
    {
        var start = Count;
        var sampledOn = ClinicalDate(At(p, "sampledOn"), r.SampledOn, "sample date");
        if (sampledOn is { } d)
        {
            NotBeforeEnrolment(At(p, "sampledOn"), d, "A Treg sample", ScreeningDays);
            NotAfterEnd(At(p, "sampledOn"), d, "samples", self);
        }

        if (r.TregPercentOfCd4 is not { } percent)
        {
            errors.Add(At(p, "tregPercentOfCd4"), "Give the Tregs as a percentage of CD4+ T cells.");
        }
        else if (percent is < 0 or > 100)
        {
            errors.Add(At(p, "tregPercentOfCd4"), $"A percentage of CD4+ T cells is between 0 and 100; {percent} is not.");
        }

        var gating = errors.Enumeration<Gating>(At(p, "gating"), r.Gating, "gating");
        NotNegative(At(p, "tregPerUl"), r.TregPerUl, "A Treg count");
        NotNegative(At(p, "cd4PerUl"), r.Cd4PerUl, "A CD4 count");
        if (r.TregPerUl is { } tregs && r.Cd4PerUl is { } cd4 && tregs > cd4)
        {
            errors.Add(At(p, "tregPerUl"), $"The Treg count ({tregs}/µL) is larger than its parent CD4 count ({cd4}/µL); Tregs are a subset of CD4+ T cells.");
        }

        if (r.TconvPercentOfCd4 is { } tconv)
        {
            if (tconv is < 0 or > 100)
            {
                errors.Add(At(p, "tconvPercentOfCd4"), $"A percentage of CD4+ T cells is between 0 and 100; {tconv} is not.");
            }
            else if (r.TregPercentOfCd4 is { } treg and >= 0 and <= 100 && treg + tconv > 100)
            {
                errors.Add(At(p, "tconvPercentOfCd4"), $"Tregs ({treg} %) and conventional T cells ({tconv} %) add up to more than 100 % of CD4+ T cells.");
            }
        }

        Text(At(p, "lab"), r.Lab);
        return Count > start ? null : new TregData(sampledOn!.Value, r.TregPercentOfCd4!.Value, gating!.Value, r.TregPerUl, r.Cd4PerUl, r.TconvPercentOfCd4, r.Lab?.Trim());
    }

    public ScoreData? Score(string p, ScoreRequest r, Guid? self = null)
    {
        var start = Count;
        var assessedOn = ClinicalDate(At(p, "assessedOn"), r.AssessedOn, "assessment date");
        if (assessedOn is { } d)
        {
            NotBeforeEnrolment(At(p, "assessedOn"), d, "A score", 0);
            NotAfterEnd(At(p, "assessedOn"), d, "scores", self);
        }

        Instrument? instrument = null;
        var code = errors.Required(At(p, "instrument"), r.Instrument, "Give the instrument's catalogue code, e.g. sledai-2k.");
        if (code is not null)
        {
            instrument = catalogue.FindInstrument(patient.DiseaseCode, code);
            if (instrument is null)
            {
                var allowed = catalogue.FindDisease(patient.DiseaseCode)?.Instruments.Select(i => i.Code) ?? [];
                errors.Add(At(p, "instrument"), $"'{code}' is not an instrument of this patient's disease ({patient.DiseaseCode}): use one of {string.Join(", ", allowed)}.");
            }
        }

        if (r.Value is not { } value)
        {
            errors.Add(At(p, "value"), "Give the total score.");
        }
        else if (instrument is not null)
        {
            if (value < instrument.Min || value > instrument.Max)
            {
                errors.Add(At(p, "value"), $"{instrument.Name} runs from {instrument.Min} to {instrument.Max}; {value} is outside it.");
            }
            else if (instrument.Integer && value != decimal.Truncate(value))
            {
                errors.Add(At(p, "value"), $"{instrument.Name} is scored in whole numbers; {value} is not one.");
            }
        }

        return Count > start ? null : new ScoreData(assessedOn!.Value, code!, r.Value!.Value, r.Items);
    }

    public AdverseEventData? AdverseEvent(string p, AdverseEventRequest r)
    {
        var start = Count;
        var onsetOn = ClinicalDate(At(p, "onsetOn"), r.OnsetOn, "onset date");
        var awareOn = ClinicalDate(At(p, "awareOn"), r.AwareOn, "date the site became aware of it");
        if (onsetOn is { } onset && awareOn is { } aware && aware < onset)
        {
            errors.Add(At(p, "awareOn"), $"The site cannot have become aware of it ({aware:yyyy-MM-dd}) before its onset ({onset:yyyy-MM-dd}).");
        }

        var term = errors.Required(At(p, "term"), r.Term, "Give the adverse event's verbatim term, as the patient or physician described it.");
        Text(At(p, "term"), r.Term);
        MeddraCode(At(p, "meddraPtCode"), r.MeddraPtCode, "preferred-term");
        MeddraCode(At(p, "meddraSocCode"), r.MeddraSocCode, "system organ class");
        var grade = Grade(At(p, "grade"), r.Grade, required: true);
        var criteria = Criteria(At(p, "seriousCriteria"), r.SeriousCriteria) ?? [];
        var causality = r.Causality is null ? null : errors.Enumeration<Causality>(At(p, "causality"), r.Causality, "causality");
        var outcome = errors.Enumeration<AeOutcome>(At(p, "outcome"), r.Outcome, "outcome");
        var action = errors.Enumeration<ActionTaken>(At(p, "actionTaken"), r.ActionTaken, "action taken with IL-2");
        ResolvedOn(At(p, "resolvedOn"), r.ResolvedOn, onsetOn, outcome);
        FatalityRules(p, grade, criteria, outcome);
        return Count > start
            ? null
            : new AdverseEventData(onsetOn!.Value, awareOn!.Value, term!, Trimmed(r.MeddraPtCode), Trimmed(r.MeddraSocCode), grade!.Value, criteria,
                causality, r.Expected, outcome!.Value, action!.Value, r.ResolvedOn);
    }

    /// <summary>A follow-up of an adverse event, checked against the event as it stands with its earlier follow-ups.</summary>
    public AeFollowUpData? FollowUp(string p, Guid adverseEventId, AeFollowUpRequest r, Guid? self = null)
    {
        var start = Count;
        if (!patient.Entries.TryGetValue(adverseEventId, out var entry) || entry.Kind != EntryKinds.AdverseEvent || entry.Voided)
        {
            errors.Add(At(p, "adverseEventId"), "There is no current adverse event with this id for this patient.");
            return null;
        }

        var current = AdverseEvents.Current(patient, adverseEventId, excludeFollowUp: self);
        var reportedOn = ClinicalDate(At(p, "reportedOn"), r.ReportedOn, "date the site learnt the new information");
        if (reportedOn is { } reported && reported < current.AwareOn)
        {
            errors.Add(At(p, "reportedOn"), $"New information cannot come ({reported:yyyy-MM-dd}) before the site first became aware of the event ({current.AwareOn:yyyy-MM-dd}).");
        }

        var grade = Grade(At(p, "grade"), r.Grade, required: false);
        var added = Criteria(At(p, "seriousCriteria"), r.SeriousCriteria);
        var outcome = r.Outcome is null ? null : errors.Enumeration<AeOutcome>(At(p, "outcome"), r.Outcome, "outcome");
        var causality = r.Causality is null ? null : errors.Enumeration<Causality>(At(p, "causality"), r.Causality, "causality");
        ResolvedOn(At(p, "resolvedOn"), r.ResolvedOn, current.OnsetOn, outcome ?? current.Outcome);
        if (r.Grade is null && r.SeriousCriteria is not { Count: > 0 } && r.Outcome is null && r.ResolvedOn is null && r.Causality is null && r.Expected is null)
        {
            errors.Add(p.Length == 0 ? "$" : p, "A follow-up brings new information: a grade, seriousness criteria, an outcome, a resolution date, causality or expectedness.");
        }

        if (Count == start)
        {
            FatalityRules(p, grade ?? current.Grade, current.SeriousCriteria.Union(added ?? []).ToList(), outcome ?? current.Outcome);
        }

        return Count > start ? null : new AeFollowUpData(adverseEventId, reportedOn!.Value, grade, added, outcome, r.ResolvedOn, causality, r.Expected);
    }

    public ConmedData? Conmed(string p, ConmedRequest r)
    {
        var start = Count;
        var drug = errors.Required(At(p, "drug"), r.Drug, "Give the drug's name.");
        Text(At(p, "drug"), r.Drug);
        var drugClass = errors.Enumeration<DrugClass>(At(p, "drugClass"), r.DrugClass, "drug class");
        NotNegative(At(p, "dose"), r.Dose, "A dose");
        if (r.Dose is not null && string.IsNullOrWhiteSpace(r.Unit))
        {
            errors.Add(At(p, "unit"), "Give the unit of the dose, e.g. mg/day.");
        }

        var started = r.StartedOn is null ? null : ClinicalDate(At(p, "startedOn"), r.StartedOn, "start date");
        var stopped = r.StoppedOn is null ? null : ClinicalDate(At(p, "stoppedOn"), r.StoppedOn, "stop date");
        if (started is { } s && stopped is { } e && e < s)
        {
            errors.Add(At(p, "stoppedOn"), $"The medication cannot stop ({e:yyyy-MM-dd}) before it started ({s:yyyy-MM-dd}).");
        }

        return Count > start ? null : new ConmedData(drug!, drugClass!.Value, r.Dose, Trimmed(r.Unit), r.StartedOn, r.StoppedOn);
    }

    public NotDoneData? NotDone(string p, NotDoneRequest r)
    {
        var start = Count;
        var item = errors.Enumeration<NotDoneItem>(At(p, "item"), r.Item, "planned item");
        if (r.DueOn is not { } due)
        {
            errors.Add(At(p, "dueOn"), "Give the date the item was due (yyyy-MM-dd).");
        }
        else
        {
            NotBeforeEnrolment(At(p, "dueOn"), due, "A planned item", ScreeningDays);
        }

        var reason = errors.Required(At(p, "reason"), r.Reason, "Say why it will not happen, e.g. sample haemolysed.");
        Text(At(p, "reason"), r.Reason);
        return Count > start ? null : new NotDoneData(item!.Value, r.DueOn!.Value, reason!);
    }

    public WithdrawalData? Withdrawal(string p, WithdrawalRequest r, Guid? self = null)
    {
        var start = Count;
        var on = EndDate(At(p, "withdrawnOn"), r.WithdrawnOn, "withdrawal date", self);
        var reason = errors.Enumeration<WithdrawalReason>(At(p, "reasonCode"), r.ReasonCode, "reason for withdrawal");
        Text(At(p, "reason"), r.Reason);
        return Count > start ? null : new WithdrawalData(on!.Value, reason!.Value, Trimmed(r.Reason));
    }

    public CompletionData? Completion(string p, CompletionRequest r, Guid? self = null)
    {
        var start = Count;
        var on = EndDate(At(p, "completedOn"), r.CompletedOn, "completion date", self);
        return Count > start ? null : new CompletionData(on!.Value);
    }

    private int Count => errors.Errors.Sum(e => e.Value.Count);

    private DateOnly? ClinicalDate(string path, DateOnly? date, string what)
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

    private void NotBeforeEnrolment(string path, DateOnly date, string what, int daysAllowedBefore)
    {
        var earliest = patient.EnrolledOn.AddDays(-daysAllowedBefore);
        if (date < earliest)
        {
            errors.Add(path, daysAllowedBefore == 0
                ? $"{what} cannot be dated {date:yyyy-MM-dd}, before the enrolment on {patient.EnrolledOn:yyyy-MM-dd}."
                : $"{what} can be at most {daysAllowedBefore} days before the enrolment on {patient.EnrolledOn:yyyy-MM-dd}; {date:yyyy-MM-dd} is earlier.");
        }
    }

    private void NotAfterEnd(string path, DateOnly date, string what, Guid? self)
    {
        if (patient.Ended is { } ended && ended.EntryId != self && date > ended.On)
        {
            var how = ended.Kind == EntryKinds.Withdrawal ? "withdrawn" : "completed the study";
            errors.Add(path, $"The patient {how} on {ended.On:yyyy-MM-dd}: there are no {what} after that (adverse events are still recorded).");
        }
    }

    private DateOnly? EndDate(string path, DateOnly? date, string what, Guid? self)
    {
        var on = ClinicalDate(path, date, what);
        if (on is not { } d)
        {
            return null;
        }

        NotBeforeEnrolment(path, d, "The end of the patient's participation", 0);
        if (patient.Ended is { } ended && ended.EntryId != self)
        {
            errors.Add(path, $"The patient already {(ended.Kind == EntryKinds.Withdrawal ? "withdrew" : "completed")} on {ended.On:yyyy-MM-dd}; correct or void that entry instead.");
        }

        var later = patient.Entries.Values
            .Where(e => !e.Voided && e.Kind is EntryKinds.Dose or EntryKinds.Treg or EntryKinds.Score && e.Date > d)
            .Select(e => e.Date)
            .OrderBy(x => x)
            .ToList();
        if (later.Count > 0)
        {
            errors.Add(path, $"There are doses, samples or scores after {d:yyyy-MM-dd} (the first on {later[0]:yyyy-MM-dd}); correct them or choose a later date.");
        }

        return on;
    }

    private void NotNegative(string path, decimal? value, string what)
    {
        if (value is < 0)
        {
            errors.Add(path, $"{what} cannot be negative.");
        }
    }

    private void Text(string path, string? value)
    {
        if (value is { Length: > MaxTextLength })
        {
            errors.Add(path, $"At most {MaxTextLength} characters.");
        }
    }

    private int? Grade(string path, int? grade, bool required)
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

    private List<SeriousCriterion>? Criteria(string path, List<string>? values)
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

    private void ResolvedOn(string path, DateOnly? resolvedOn, DateOnly? onsetOn, AeOutcome? outcome)
    {
        if (resolvedOn is not { } resolved)
        {
            return;
        }

        if (resolved > today)
        {
            errors.Add(path, $"The resolution date {resolved:yyyy-MM-dd} is after the site's today ({today:yyyy-MM-dd}).");
        }

        if (onsetOn is { } onset && resolved < onset)
        {
            errors.Add(path, $"An adverse event cannot resolve ({resolved:yyyy-MM-dd}) before its onset ({onset:yyyy-MM-dd}).");
        }

        if (outcome is AeOutcome.Recovering or AeOutcome.NotRecovered or AeOutcome.Unknown)
        {
            errors.Add(path, $"A resolution date goes with an outcome of recovered, recovered-with-sequelae or fatal, not {Kebab.Name(outcome.Value)}.");
        }
    }

    /// <summary>CTCAE grade 5 is death: it goes with the death criterion and a fatal outcome, and they with it.</summary>
    private void FatalityRules(string p, int? grade, IReadOnlyCollection<SeriousCriterion> criteria, AeOutcome? outcome)
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

    private void MeddraCode(string path, string? code, string what)
    {
        if (code is not null && !MeddraPattern().IsMatch(code.Trim()))
        {
            errors.Add(path, $"A MedDRA {what} code is 8 digits starting with 1, e.g. 10022061; '{code}' is not.");
        }
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex("^1[0-9]{7}$")]
    private static partial Regex MeddraPattern();
}
