using Hl7.Fhir.Model;
using Registry.Exports;
using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Exports;

/// <summary>
/// The FHIR resources of one patient, in memory: what the registry records reaches them (standard elements where R4 has
/// one, the registry's extensions otherwise), de-identified as the tables are.
/// </summary>
public sealed class FhirExportTests
{
    private static readonly DateOnly FirstDose = new(2026, 3, 10);

    private static readonly Guid Ae = Guid.NewGuid();

    /// <summary>
    /// One dose, a Treg result with every value (7.9 %, 41 /uL, CD4 520 /uL, Tconv 92.1 %), and a serious event reported
    /// grade 3 (possible, unexpected, medically important then hospitalisation, IL-2 interrupted) followed up at grade 2, probable.
    /// </summary>
    private static PatientState Patient() => Given(
        DoseGiven(FirstDose),
        TregSampled(FirstDose.AddDays(-1)),
        AeReported(Ae, AeData(3, AeOutcome.Recovering, SeriousCriterion.MedicallyImportant, SeriousCriterion.Hospitalisation)
            with
        { ActionTaken = ActionTaken.Interrupted }),
        FollowedUp(Guid.NewGuid(), new AeFollowUpData(Ae, AeAware.AddDays(2), 2, null, null, null, Causality.Probable, null)));

    private static List<Resource> Resources(PatientState state, bool freeText = false, PatientEnrolled? enrolled = null)
    {
        var definition = new ExportDefinition(
            new CohortDefinition([], [], null, null, null), 1, null, "fhir-ndjson", "study-day", "scope", freeText);
        return FhirExport.Resources(definition, enrolled ?? Enrolled(), "Rkey", state).ToList();
    }

    private static T Extension<T>(DomainResource resource, string url) where T : DataType =>
        Assert.IsType<T>(Assert.Single(resource.Extension, e => e.Url == url).Value);

    private static string Describe(Observation o)
    {
        var coding = Assert.Single(o.Code!.Coding);
        var quantity = Assert.IsType<Quantity>(o.Value);
        return FormattableString.Invariant(
            $"{coding.System}|{coding.Code} {quantity.Value} {quantity.Unit} {quantity.System}|{quantity.Code} {o.Method?.Text}");
    }

    private static string? When(Observation o) => Assert.IsType<FhirDateTime>(o.Effective).Value;

    [Fact]
    public void an_adverse_event_carries_its_grades_causality_expectedness_criteria_and_action_taken()
    {
        var ae = Assert.Single(Resources(Patient()).OfType<AdverseEvent>());

        // R4's severity from the worst grade; the exact grades, the latest and the worst, in extensions.
        var severity = Assert.Single(ae.Severity!.Coding);
        Assert.Equal(("http://terminology.hl7.org/CodeSystem/adverse-event-severity", "severe"), (severity.System, severity.Code));
        Assert.Equal(2, Extension<Integer>(ae, FhirExport.GradeExtension).Value);
        Assert.Equal(3, Extension<Integer>(ae, FhirExport.WorstGradeExtension).Value);

        // WHO-UMC causality as the follow-up left it, of IL-2.
        var suspect = Assert.Single(ae.SuspectEntity);
        Assert.Equal("interleukin-2", suspect.Instance!.Display);
        var causality = Assert.Single(suspect.Causality);
        var assessment = Assert.Single(causality.Assessment!.Coding);
        Assert.Equal(("urn:registry:causality", "probable", "Probable/Likely"), (assessment.System, assessment.Code, assessment.Display));
        Assert.Equal("WHO-UMC", causality.Method!.Text);

        Assert.False(Extension<FhirBoolean>(ae, FhirExport.ExpectedExtension).Value);

        // One extension per criterion, in a stable order; seriousness as before.
        var criteria = ae.Extension.Where(e => e.Url == FhirExport.SeriousCriterionExtension).Select(e => Assert.IsType<Coding>(e.Value));
        Assert.Equal(
            ["urn:registry:serious-criterion|hospitalisation", "urn:registry:serious-criterion|medically-important"],
            criteria.Select(c => $"{c.System}|{c.Code}"));
        Assert.Equal("serious", Assert.Single(ae.Seriousness!.Coding).Code);
        Assert.Equal("recovering", Assert.Single(ae.Outcome!.Coding).Code);

        var action = Extension<Coding>(ae, FhirExport.ActionTakenExtension);
        Assert.Equal(("urn:registry:action-taken", "interrupted"), (action.System, action.Code));

        Assert.All(ae.Extension, e => Assert.StartsWith("http://registry.invalid/fhir/StructureDefinition/", e.Url));
    }

    [Fact]
    public void an_event_not_assessed_has_no_suspect_entity_nor_expectedness_and_grade_1_is_mild()
    {
        var id = Guid.NewGuid();
        var state = Given(DoseGiven(FirstDose), AeReported(id, AeData(1) with { Causality = null, Expected = null }));

        var ae = Assert.Single(Resources(state).OfType<AdverseEvent>());

        Assert.Equal("mild", Assert.Single(ae.Severity!.Coding).Code);
        Assert.Empty(ae.SuspectEntity);
        Assert.DoesNotContain(ae.Extension, e => e.Url == FhirExport.ExpectedExtension);
        Assert.DoesNotContain(ae.Extension, e => e.Url == FhirExport.SeriousCriterionExtension);
        Assert.Equal("non-serious", Assert.Single(ae.Seriousness!.Coding).Code);
        Assert.Equal(1, Extension<Integer>(ae, FhirExport.GradeExtension).Value);
        Assert.Equal(1, Extension<Integer>(ae, FhirExport.WorstGradeExtension).Value);
        Assert.Equal("none", Extension<Coding>(ae, FhirExport.ActionTakenExtension).Code);
    }

    [Theory]
    [InlineData(1, "mild")]
    [InlineData(2, "moderate")]
    [InlineData(3, "severe")]
    [InlineData(4, "severe")]
    [InlineData(5, "severe")]
    public void severity_is_mapped_from_the_ctcae_grade(int grade, string severity) =>
        Assert.Equal(severity, Assert.Single(FhirExport.Severity(grade)!.Coding).Code);

    [Fact]
    public void a_treg_result_gives_one_observation_per_value_in_the_lab_tables_order_with_the_gating_as_method()
    {
        var labs = Resources(Patient()).OfType<Observation>().Where(o => (o.Id ?? "").Contains("-lb-", StringComparison.Ordinal)).ToList();

        Assert.Equal(
        [
            "urn:registry:lab|TREGPCD4 7.9 % http://unitsofmeasure.org|% cd4-cd25-foxp3",
            "urn:registry:lab|TREGCNT 41 /uL http://unitsofmeasure.org|/uL cd4-cd25-foxp3",
            "http://loinc.org|24467-3 520 /uL http://unitsofmeasure.org|/uL ",
            "urn:registry:lab|TCONVPCD 92.1 % http://unitsofmeasure.org|% cd4-cd25-foxp3",
        ], labs.Select(Describe));
        Assert.All(labs, o => Assert.Equal("1999-12-31", When(o)));
        Assert.All(labs, o => Assert.Equal("Patient/Rkey", o.Subject!.Reference));
    }

    [Fact]
    public void the_age_at_enrolment_is_an_observation_over_89_given_as_90_dated_like_the_other_dates()
    {
        var age = Assert.Single(Resources(Patient()).OfType<Observation>(), o => o.Id == "Rkey-age");

        Assert.Equal("http://loinc.org|30525-0 56 a http://unitsofmeasure.org|a ", Describe(age));
        // Enrolled 8 days before the first dose: study day -8.
        Assert.Equal("1999-12-24", When(age));

        var old = Enrolled() with { BirthYear = 1930 };
        var capped = Assert.Single(
            Resources(GivenEnrolled(old, DoseGiven(FirstDose)), enrolled: old).OfType<Observation>(), o => o.Id == "Rkey-age");
        Assert.Equal(90m, Assert.IsType<Quantity>(capped.Value).Value);
    }

    [Fact]
    public void the_research_subject_gives_the_therapy_line_as_its_arm_and_the_disease_in_its_study()
    {
        var subject = Assert.Single(Resources(Patient()).OfType<ResearchSubject>());

        Assert.Equal("addon", subject.AssignedArm);
        Assert.Equal("Low-dose IL-2 registry, sle cohort", subject.Study!.Display);
        Assert.Equal("standalone", Assert.Single(
            Resources(Given(), enrolled: Enrolled() with { TherapyLine = TherapyLine.Standalone }).OfType<ResearchSubject>()).AssignedArm);
    }

    [Fact]
    public void no_calendar_date_birth_year_subject_code_or_free_text_leaves_unless_free_text_is_asked_for()
    {
        var json = string.Join('\n', Resources(Patient()).Select(FhirExport.Serialize));

        Assert.DoesNotContain("2026", json);
        Assert.DoesNotContain("1970", json);
        Assert.DoesNotContain("FR01", json);
        Assert.DoesNotContain(PatientId.ToString(), json);
        Assert.DoesNotContain(PatientId.ToString("N"), json);
        Assert.DoesNotContain("fever", json);
        Assert.DoesNotContain("aldesleukin", json);
        Assert.DoesNotContain("central", json);
        Assert.Contains(FhirExport.WorstGradeExtension, json);

        var withText = string.Join('\n', Resources(Patient(), freeText: true).Select(FhirExport.Serialize));
        Assert.Contains("fever", withText);
    }

    [Fact]
    public void the_same_patient_gives_the_same_resources()
    {
        var state = Patient();

        Assert.Equal(Resources(state).Select(FhirExport.Serialize), Resources(state).Select(FhirExport.Serialize));
    }
}
