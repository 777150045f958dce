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
    public const string MedDra = "http://terminology.hl7.org/CodeSystem/mdr";
    public const string Ucum = "http://unitsofmeasure.org";
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
        };

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
            yield return Observation(Id("lb"), subject, When(t.SampledOn),
                new Coding(LabSystem, "TREGPCD4", "Regulatory T cells / CD4+ T cells (%)"), t.TregPercentOfCd4, "%", Kebab.Name(t.Gating));
            if (t.Cd4PerUl is { } cd4)
            {
                yield return Observation(Id("lb"), subject, When(t.SampledOn),
                    new Coding("http://loinc.org", "24467-3", "CD3+CD4+ (T4 helper) cells [#/volume] in Blood"), cd4, "/uL", null);
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
                Actuality = AdverseEvent.AdverseEventActuality.Actual,
                Subject = subject,
                Event = @event,
                // A partial onset goes out imputed (DOMAIN.md), shifted like every date of the export.
                DateElement = When(AdverseEventFold.ImputedOnset(report, now, doses.Count > 0 ? anchor : null)),
                Seriousness = new CodeableConcept(
                    "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
                    now.SeriousCriteria.Count > 0 ? "serious" : "non-serious"),
                Outcome = new CodeableConcept("http://terminology.hl7.org/CodeSystem/adverse-event-outcome", now.Outcome switch
                {
                    AeOutcome.Recovering => "recovering",
                    AeOutcome.Recovered => "resolved",
                    AeOutcome.RecoveredWithSequelae => "resolvedWithSequelae",
                    AeOutcome.NotRecovered => "ongoing",
                    AeOutcome.Fatal => "fatal",
                    _ => "unknown",
                }),
            };
        }
    }

    public static DateOnly Shift(int studyDay) => studyDay >= 1 ? DayOne.AddDays(studyDay - 1) : DayOne.AddDays(studyDay);

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
