using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Exports;

/// <summary>
/// The export as FHIR R4 resources (Firely SDK), one NDJSON file per resource type, in the shape of a
/// Bulk Data export. FHIR needs real dates, so de-identified dates are shifted: study day 1 (the first
/// dose; the enrolment if never dosed) is 2000-01-01; with <c>dates: year</c> only the year is given.
/// </summary>
public static class FhirExport
{
    public const string LabSystem = "urn:registry:lab";
    public const string InstrumentSystem = "urn:registry:instrument";
    public const string CausalitySystem = "urn:registry:causality";
    public const string SeriousCriterionSystem = "urn:registry:serious-criterion";
    public const string ActionTakenSystem = "urn:registry:action-taken";
    public const string MedDra = "http://terminology.hl7.org/CodeSystem/mdr";
    public const string Ucum = "http://unitsofmeasure.org";
    public const string Loinc = "http://loinc.org";
    public const string SeveritySystem = "http://terminology.hl7.org/CodeSystem/adverse-event-severity";

    /// <summary>
    /// The registry's own extensions (docs/fhir.md). No StructureDefinition is published for them: a validator reports
    /// each as an unresolvable extension, a warning.
    /// </summary>
    public const string ExtensionBase = "http://registry.invalid/fhir/StructureDefinition/";

    /// <summary>AdverseEvent: the CTCAE grade as the latest follow-up left it (valueInteger, 1 to 5).</summary>
    public const string GradeExtension = ExtensionBase + "ctcae-grade";

    /// <summary>AdverseEvent: the worst CTCAE grade the event has had (valueInteger, 1 to 5); severity is mapped from it.</summary>
    public const string WorstGradeExtension = ExtensionBase + "ctcae-worst-grade";

    /// <summary>AdverseEvent: expected (true) or unexpected (false) per the reference safety information; absent if not assessed.</summary>
    public const string ExpectedExtension = ExtensionBase + "expected";

    /// <summary>AdverseEvent: one per seriousness criterion met (valueCoding, <see cref="SeriousCriterionSystem"/>).</summary>
    public const string SeriousCriterionExtension = ExtensionBase + "serious-criterion";

    /// <summary>AdverseEvent: the action taken with IL-2 (valueCoding, <see cref="ActionTakenSystem"/>).</summary>
    public const string ActionTakenExtension = ExtensionBase + "action-taken";

    public static readonly DateOnly DayOne = new(2000, 1, 1);

    public static readonly IReadOnlyList<string> ResourceTypes =
        ["Patient", "ResearchSubject", "MedicationAdministration", "Observation", "AdverseEvent"];

    private static readonly JsonSerializerOptions Json = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, resource.GetType(), Json);

    public static IEnumerable<Resource> Resources(ExportDefinition export, PatientEnrolled p, string key, PatientState state)
    {
        var doses = state.Current(EntryKind.Dose)
            .Select(e => (e.Key, Data: e.Value.Read<DoseData>()))
            .OrderBy(d => d.Data.GivenOn)
            .ThenBy(d => d.Key)
            .ToList();
        var anchor = doses.Count > 0 ? doses[0].Data.GivenOn : p.EnrolledOn;
        FhirDateTime When(DateOnly date) => export.Dates == "year"
            ? new FhirDateTime(date.Year.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : new FhirDateTime(Shift(StudyDays.Of(anchor, date)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        var subject = new ResourceReference($"Patient/{key}");
        var n = 0;
        string Id(string kind) => $"{key}-{kind}-{++n}";

        yield return new Patient
        {
            Id = key,
            Gender = p.Sex switch
            {
                Sex.Female => AdministrativeGender.Female,
                Sex.Male => AdministrativeGender.Male,
                Sex.Other => AdministrativeGender.Other,
                _ => AdministrativeGender.Unknown,
            },
        };

        yield return new ResearchSubject
        {
            Id = $"{key}-rs",
            Status = state.Ended?.Kind switch
            {
                EntryKind.Withdrawal => ResearchSubject.ResearchSubjectStatus.Withdrawn,
                EntryKind.Completion => ResearchSubject.ResearchSubjectStatus.OffStudy,
                _ => doses.Count > 0 ? ResearchSubject.ResearchSubjectStatus.OnStudy : ResearchSubject.ResearchSubjectStatus.Candidate,
            },
            Study = new ResourceReference { Display = $"Low-dose IL-2 registry, {p.DiseaseCode} cohort" },
            Individual = subject,
            // IL-2 alone or as an add-on to other immunomodulating drugs.
            AssignedArm = Kebab.Name(p.TherapyLine),
        };

        // The age at enrolment as the tables give it: in years, over 89 given as 90 (de-identification).
        yield return Observation($"{key}-age", subject, When(p.EnrolledOn), new Coding(Loinc, "30525-0", "Age"),
            Math.Min(90, p.EnrolledOn.Year - p.BirthYear), "a", null);

        foreach (var (_, d) in doses)
        {
            yield return new MedicationAdministration
            {
                Id = Id("ex"),
                Status = MedicationAdministration.MedicationAdministrationStatusCodes.Completed,
                // The product as the site typed it is free text; without it, the class every product here belongs to.
                Medication = export.IncludeFreeText
                    ? new CodeableConcept { Text = d.Product }
                    : new CodeableConcept
                    {
                        Coding = [new Coding("http://www.whocc.no/atc", "L03AC", "Interleukins")],
                        Text = "interleukin-2",
                    },
                Subject = subject,
                Effective = When(d.GivenOn),
                Dosage = new MedicationAdministration.DosageComponent
                {
                    Route = new CodeableConcept { Text = Kebab.Name(d.Route) },
                    Dose = new Quantity { Value = d.DoseIu, Unit = "IU", System = Ucum, Code = "[iU]" },
                },
            };
        }

        foreach (var (_, t) in state.Current(EntryKind.Treg)
            .Select(e => (e.Key, e.Value.Read<TregData>()))
            .OrderBy(x => x.Item2.SampledOn)
            .ThenBy(x => x.Key))
        {
            // The same tests, codes and order as the lb table; every value derived from the Treg gating carries it as method.
            var gating = Kebab.Name(t.Gating);
            yield return Observation(Id("lb"), subject, When(t.SampledOn),
                new Coding(LabSystem, "TREGPCD4", "Regulatory T cells / CD4+ T cells (%)"), t.TregPercentOfCd4, "%", gating);
            if (t.TregPerUl is { } tregs)
            {
                yield return Observation(Id("lb"), subject, When(t.SampledOn),
                    new Coding(LabSystem, "TREGCNT", "Regulatory T cells [#/volume] in Blood (/uL)"), tregs, "/uL", gating);
            }

            if (t.Cd4PerUl is { } cd4)
            {
                yield return Observation(Id("lb"), subject, When(t.SampledOn),
                    new Coding(Loinc, "24467-3", "CD3+CD4+ (T4 helper) cells [#/volume] in Blood"), cd4, "/uL", null);
            }

            if (t.TconvPercentOfCd4 is { } tconv)
            {
                yield return Observation(Id("lb"), subject, When(t.SampledOn),
                    new Coding(LabSystem, "TCONVPCD", "Conventional (non-regulatory) T cells / CD4+ T cells (%)"), tconv, "%", gating);
            }
        }

        foreach (var (_, s) in state.Current(EntryKind.Score)
            .Select(e => (e.Key, e.Value.Read<ScoreData>()))
            .OrderBy(x => x.Item2.AssessedOn)
            .ThenBy(x => x.Item2.Instrument, StringComparer.Ordinal)
            .ThenBy(x => x.Key))
        {
            yield return Observation(
                Id("rs"), subject, When(s.AssessedOn), new Coding(InstrumentSystem, s.Instrument), s.Value, "{score}", null);
        }

        foreach (var (id, entry) in state.Current(EntryKind.AdverseEvent).OrderBy(e => e.Value.Date).ThenBy(e => e.Key))
        {
            var report = entry.Read<AdverseEventData>();
            var now = AdverseEventFold.Current(state, id);
            var @event = new CodeableConcept();
            if (report.MeddraPtCode is { } pt)
            {
                @event.Coding.Add(new Coding(MedDra, pt));
            }

            if (export.IncludeFreeText)
            {
                @event.Text = report.Term;
            }

            yield return new AdverseEvent
            {
                Id = Id("ae"),
                Extension = AdverseEventExtensions(report, now),
                Actuality = AdverseEvent.AdverseEventActuality.Actual,
                Subject = subject,
                Event = @event,
                // A partial onset goes out imputed (DOMAIN.md), shifted like every date of the export.
                DateElement = When(AdverseEventFold.ImputedOnset(report, now, doses.Count > 0 ? anchor : null)),
                Seriousness = new CodeableConcept(
                    "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
                    now.SeriousCriteria.Count > 0 ? "serious" : "non-serious"),
                // R4 binds severity to mild | moderate | severe (required): mapped from the worst CTCAE grade, kept exact in extensions.
                Severity = Severity(now.WorstGrade),
                Outcome = new CodeableConcept("http://terminology.hl7.org/CodeSystem/adverse-event-outcome", now.Outcome switch
                {
                    AeOutcome.Recovering => "recovering",
                    AeOutcome.Recovered => "resolved",
                    AeOutcome.RecoveredWithSequelae => "resolvedWithSequelae",
                    AeOutcome.NotRecovered => "ongoing",
                    AeOutcome.Fatal => "fatal",
                    _ => "unknown",
                }),
                // WHO-UMC causality, of IL-2 as a whole (the registry does not tie an event to one dose); absent when not assessed.
                SuspectEntity = Suspects(now.Causality),
            };
        }
    }

    public static DateOnly Shift(int studyDay) => studyDay >= 1 ? DayOne.AddDays(studyDay - 1) : DayOne.AddDays(studyDay);

    /// <summary>R4's severity (mild | moderate | severe) from a CTCAE grade: 1 mild, 2 moderate, 3 and above severe.</summary>
    public static CodeableConcept? Severity(int grade) => grade switch
    {
        < 1 => null,
        1 => new CodeableConcept(SeveritySystem, "mild"),
        2 => new CodeableConcept(SeveritySystem, "moderate"),
        _ => new CodeableConcept(SeveritySystem, "severe"),
    };

    /// <summary>What R4's AdverseEvent has no element for: the exact grades, expectedness, seriousness criteria, action taken.</summary>
    private static List<Extension> AdverseEventExtensions(AdverseEventData report, AdverseEventNow now)
    {
        List<Extension> extensions =
        [
            Ext(GradeExtension, new Integer(now.Grade)),
            Ext(WorstGradeExtension, new Integer(now.WorstGrade)),
        ];
        if (now.Expected is { } expected)
        {
            extensions.Add(Ext(ExpectedExtension, new FhirBoolean(expected)));
        }

        foreach (var criterion in now.SeriousCriteria.Distinct().Order())
        {
            extensions.Add(Ext(SeriousCriterionExtension,
                new Coding(SeriousCriterionSystem, Kebab.Name(criterion), SeriousCriterionDisplay(criterion))));
        }

        extensions.Add(Ext(ActionTakenExtension,
            new Coding(ActionTakenSystem, Kebab.Name(report.ActionTaken), ActionTakenDisplay(report.ActionTaken))));
        return extensions;
    }

    private static Extension Ext(string url, DataType value) => new() { Url = url, Value = value };

    private static List<AdverseEvent.SuspectEntityComponent> Suspects(Causality? assessed)
    {
        if (assessed is not { } causality)
        {
            return [];
        }

        return
        [
            new AdverseEvent.SuspectEntityComponent
            {
                Instance = new ResourceReference { Display = "interleukin-2" },
                Causality =
                [
                    new AdverseEvent.CausalityComponent
                    {
                        Assessment = new CodeableConcept
                        {
                            Coding = [new Coding(CausalitySystem, Kebab.Name(causality), CausalityDisplay(causality))],
                        },
                        Method = new CodeableConcept { Text = "WHO-UMC" },
                    },
                ],
            },
        ];
    }

    /// <summary>The WHO-UMC categories' names.</summary>
    public static string CausalityDisplay(Causality causality) => causality switch
    {
        Causality.Certain => "Certain",
        Causality.Probable => "Probable/Likely",
        Causality.Possible => "Possible",
        Causality.Unlikely => "Unlikely",
        Causality.Conditional => "Conditional/Unclassified",
        _ => "Unassessable/Unclassifiable",
    };

    /// <summary>The six seriousness criteria of ICH E2A/E2B.</summary>
    public static string SeriousCriterionDisplay(SeriousCriterion criterion) => criterion switch
    {
        SeriousCriterion.Death => "Results in death",
        SeriousCriterion.LifeThreatening => "Is life-threatening",
        SeriousCriterion.Hospitalisation => "Requires inpatient hospitalisation or prolongation of existing hospitalisation",
        SeriousCriterion.Disability => "Results in persistent or significant disability/incapacity",
        SeriousCriterion.CongenitalAnomaly => "Is a congenital anomaly/birth defect",
        _ => "Other medically important condition",
    };

    public static string ActionTakenDisplay(ActionTaken action) => action switch
    {
        ActionTaken.None => "Dose not changed",
        ActionTaken.DoseReduced => "Dose reduced",
        ActionTaken.Interrupted => "Drug interrupted",
        _ => "Drug withdrawn",
    };

    private static Observation Observation(
        string id, ResourceReference subject, FhirDateTime when, Coding code, decimal value, string unit, string? method) => new()
        {
            Id = id,
            Status = ObservationStatus.Final,
            Code = new CodeableConcept { Coding = [code] },
            Subject = subject,
            Effective = when,
            Value = new Quantity { Value = value, Unit = unit, System = Ucum, Code = unit == "/uL" ? "/uL" : unit },
            Method = method is null ? null : new CodeableConcept { Text = method },
        };
}
