using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Safety.Reports;

namespace Registry.Tests.Safety;

/// <summary>
/// The ICH E2B(R3) report of a case, read back by XPath: a fatal SUSAR (capillary leak syndrome, onset known to the
/// month, death on 18 March 2026, causality probable, unexpected), its follow-up and its nullification.
/// </summary>
public sealed class E2bReportTests
{
    private const string Message = "/h:MCCI_IN200100UV01/h:PORR_IN049016UV";
    private const string Event = Message + "/h:controlActProcess/h:subject/h:investigationEvent";
    private const string Assessment = Event + "/h:component/h:adverseEventAssessment";
    private const string Patient = Assessment + "/h:subject1/h:primaryRole";
    private const string Reaction = Patient + "/h:subjectOf2/h:observation[h:code/@code='29']";
    private const string Tests = Patient + "/h:subjectOf2/h:organizer[h:code/@code='3']/h:component/h:observation";
    private const string Drugs = Patient + "/h:subjectOf2/h:organizer[h:code/@code='4']/h:component/h:substanceAdministration";
    private const string Characteristic = Event + "/h:subjectOf2/h:investigationCharacteristic";
    private const string CodeLists = "2.16.840.1.113883.3.989.2.1.1.";

    private static readonly Guid AeId = Guid.Parse("6f1d2c3b-4a59-4e8d-9c7b-0a1b2c3d4e5f");
    private static readonly DateTimeOffset Created = new(2026, 4, 2, 10, 30, 0, TimeSpan.FromHours(2));

    private readonly XmlNamespaceManager _ns = new(new NameTable());

    public E2bReportTests() => _ns.AddNamespace("h", "urn:hl7-org:v3");

    private static IcsrCase Case(
        int version = 1, IcsrReportKind kind = IcsrReportKind.Initial, DateOnly? mostRecent = null, string? reason = null) =>
        new(
            AdverseEventId: AeId,
            SafetyReportId: "FR-IL2REG-000123",
            WorldwideCaseId: "FR-IL2REG-000123",
            Version: version,
            Kind: kind,
            FirstReceivedOn: new DateOnly(2026, 3, 19),
            MostRecentReceivedOn: mostRecent ?? new DateOnly(2026, 3, 19),
            CreatedAt: Created,
            AsOfSequence: 42,
            NullificationReason: reason,
            Sender: new IcsrSender("IL2 Registry Consortium", "FR", "Low-dose IL-2 in autoimmune diseases registry", "NCT09999999"),
            Source: new IcsrPrimarySource("FR01", "Hôpital de la Pitié-Salpêtrière", "FR"),
            Patient: new IcsrPatient("FR01-0007", 46, Sex.Female, "sle", "Systemic lupus erythematosus", TherapyLine.Addon,
                new DateOnly(2026, 3, 18)),
            Reaction: new IcsrReaction(
                Term: "Capillary leak syndrome",
                MeddraPtCode: "10007196",
                MeddraSocCode: "10047065",
                OnsetOn: new PartialDate(2026, 3),
                ResolvedOn: null,
                WorstGrade: 5,
                SeriousCriteria: [SeriousCriterion.Death],
                Outcome: AeOutcome.Fatal,
                Causality: Causality.Probable,
                Expected: false,
                ActionTaken: ActionTaken.Interrupted),
            Tests:
            [
                new IcsrTest(new DateOnly(2026, 2, 2), "Treg (% of CD4+ T cells)", 5.4m, "%"),
                new IcsrTest(new DateOnly(2026, 3, 2), "Treg (% of CD4+ T cells)", 9.8m, "%"),
            ],
            Doses:
            [
                new IcsrDose(new DateOnly(2026, 2, 2), 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", "LOT-A1"),
                new IcsrDose(new DateOnly(2026, 2, 3), 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", "LOT-A1"),
                new IcsrDose(new DateOnly(2026, 3, 2), 1_500_000, DoseRoute.Subcutaneous, "aldesleukin", null),
            ],
            Concomitants: [new IcsrConcomitant("hydroxychloroquine", DrugClass.Csdmard, 400m, "mg/d", new PartialDate(2024), null)],
            Narrative: "A 46-year-old woman with systemic lupus erythematosus developed capillary leak syndrome in March 2026 "
                + "during low-dose IL-2 and died on 18 March 2026.",
            SenderComment: "Fatal, unexpected and judged probably related: reported as a SUSAR.");

    private static XDocument Build(IcsrCase c) => E2bReport.Build(c, "BATCH-0001", "MSG-0001");

    private string Text(XDocument doc, string path) => (string)doc.XPathEvaluate($"string({path})", _ns);

    private XElement One(XDocument doc, string path)
    {
        var element = doc.XPathSelectElement(path, _ns);
        Assert.NotNull(element);
        return element;
    }

    [Fact]
    public void the_batch_wraps_one_icsr_message()
    {
        var doc = Build(Case());

        Assert.Equal(E2bReport.Hl7 + "MCCI_IN200100UV01", doc.Root!.Name);
        Assert.Single(doc.XPathSelectElements("/h:MCCI_IN200100UV01/h:PORR_IN049016UV", _ns));
        Assert.Equal("BATCH-0001", Text(doc, "/h:MCCI_IN200100UV01/h:id[@root='2.16.840.1.113883.3.989.2.1.3.22']/@extension"));
        Assert.Equal("MSG-0001", Text(doc, Message + "/h:id/@extension"));
        Assert.Equal("PORR_IN049016UV", Text(doc, Message + "/h:interactionId/@extension"));
        Assert.Equal("IL2 Registry Consortium", Text(doc, "/h:MCCI_IN200100UV01/h:sender/h:device/h:id/@extension"));
        Assert.Equal(E2bReport.ReceiverId, Text(doc, "/h:MCCI_IN200100UV01/h:receiver/h:device/h:id/@extension"));
        Assert.Equal("20260402103000+0200", Text(doc, Message + "/h:controlActProcess/h:effectiveTime/@value"));
    }

    [Fact]
    public void the_case_is_identified_as_a_report_from_a_study()
    {
        var doc = Build(Case());

        Assert.Equal("FR-IL2REG-000123", Text(doc, Event + "/h:id[@root='2.16.840.1.113883.3.989.2.1.3.1']/@extension"));
        Assert.Equal("FR-IL2REG-000123", Text(doc, Event + "/h:id[@root='2.16.840.1.113883.3.989.2.1.3.2']/@extension"));
        Assert.Equal("2", Text(doc, Characteristic + "[h:code/@code='1']/h:value/@code"));
        Assert.Equal(CodeLists + "2", Text(doc, Characteristic + "[h:code/@code='1']/h:value/@codeSystem"));
        Assert.Equal("20260319", Text(doc, Event + "/h:effectiveTime/h:low/@value"));
        Assert.Equal("20260319", Text(doc, Event + "/h:availabilityTime/@value"));
        Assert.Equal("3", Text(doc, Patient + "/h:subjectOf1/h:researchStudy/h:code/@code"));
        Assert.Equal("NCT09999999",
            Text(doc, Patient + "/h:subjectOf1/h:researchStudy/h:authorization/h:studyRegistration/h:id/@extension"));
        Assert.Empty(doc.XPathSelectElements(Characteristic + "[h:code/@code='3']", _ns));
    }

    [Fact]
    public void the_primary_source_is_the_sites_physician_in_its_country()
    {
        var doc = Build(Case());
        const string person = Event + "/h:outboundRelationship/h:relatedInvestigation[h:code/@code='2']/h:subjectOf2/h:controlActEvent"
            + "/h:author/h:assignedEntity/h:assignedPerson";

        Assert.Equal("FR", Text(doc, person + "/h:asLocatedEntity/h:location/h:code/@code"));
        Assert.Equal("1", Text(doc, person + "/h:asQualifiedEntity/h:code/@code"));
        Assert.Equal("6", Text(doc, Event + "/h:subjectOf1/h:controlActEvent/h:author/h:assignedEntity/h:code/@code"));
    }

    [Fact]
    public void the_patient_is_masked_and_known_by_the_subject_code_age_and_sex()
    {
        var doc = Build(Case());

        Assert.Equal("MSK", Text(doc, Patient + "/h:player1/h:name/@nullFlavor"));
        Assert.Equal("FR01-0007",
            Text(doc, Patient + "/h:player1/h:asIdentifiedEntity/h:id[@root='2.16.840.1.113883.3.989.2.1.3.10']/@extension"));
        Assert.Equal("4", Text(doc, Patient + "/h:player1/h:asIdentifiedEntity/h:code/@code"));
        Assert.Equal("46", Text(doc, Patient + "/h:subjectOf2/h:observation[h:code/@code='3']/h:value/@value"));
        Assert.Equal("a", Text(doc, Patient + "/h:subjectOf2/h:observation[h:code/@code='3']/h:value/@unit"));
        Assert.Equal("2", Text(doc, Patient + "/h:player1/h:administrativeGenderCode/@code"));
        Assert.Contains("Systemic lupus erythematosus",
            Text(doc, Patient + "/h:subjectOf2/h:organizer[h:code/@code='1']/h:component/h:observation[h:code/@code='18']/h:value"));
    }

    [Fact]
    public void the_reaction_carries_its_term_code_partial_onset_seriousness_and_outcome()
    {
        var doc = Build(Case());

        Assert.Equal("Capillary leak syndrome", Text(doc, Reaction + "/h:value/h:originalText"));
        Assert.Equal("10007196", Text(doc, Reaction + "/h:value/@code"));
        Assert.Equal("2.16.840.1.113883.6.163", Text(doc, Reaction + "/h:value/@codeSystem"));
        Assert.Equal(E2bReport.MeddraVersion, Text(doc, Reaction + "/h:value/@codeSystemVersion"));
        Assert.Equal("202603", Text(doc, Reaction + "/h:effectiveTime/h:low/@value"));
        Assert.Empty(doc.XPathSelectElements(Reaction + "/h:effectiveTime/h:high", _ns));

        static string Criterion(string code) => Reaction + $"/h:outboundRelationship2/h:observation[h:code/@code='{code}']/h:value";
        Assert.Equal("true", Text(doc, Criterion("34") + "/@value"));
        foreach (var other in new[] { "21", "33", "35", "12", "26" })
        {
            Assert.Equal("NI", Text(doc, Criterion(other) + "/@nullFlavor"));
            Assert.Empty(doc.XPathSelectElements(Criterion(other) + "[@value]", _ns));
        }

        Assert.Equal("5", Text(doc, Reaction + "/h:outboundRelationship2/h:observation[h:code/@code='27']/h:value/@code"));
        Assert.Equal("20260318", Text(doc, Patient + "/h:player1/h:deceasedTime/@value"));
    }

    [Fact]
    public void the_treg_tests_are_results_with_date_value_and_unit()
    {
        var doc = Build(Case());

        Assert.Equal(2, doc.XPathSelectElements(Tests, _ns).Count());
        Assert.Equal("Treg (% of CD4+ T cells)", Text(doc, "(" + Tests + ")[1]/h:code/h:originalText"));
        Assert.Equal("20260202", Text(doc, "(" + Tests + ")[1]/h:effectiveTime/@value"));
        Assert.Equal("5.4", Text(doc, "(" + Tests + ")[1]/h:value/h:center/@value"));
        Assert.Equal("%", Text(doc, "(" + Tests + ")[1]/h:value/h:center/@unit"));
        Assert.Equal("9.8", Text(doc, "(" + Tests + ")[2]/h:value/h:center/@value"));
    }

    [Fact]
    public void il2_is_the_suspect_drug_with_its_doses_action_and_causality()
    {
        var doc = Build(Case());
        const string il2 = Drugs + "[h:consumable/h:instanceOfKind/h:kindOfProduct/h:name='aldesleukin']";
        var il2Id = Text(doc, il2 + "/h:id/@root");
        var characterisation = Assessment + "/h:component/h:causalityAssessment[h:code/@code='20']"
            + $"[h:subject2/h:productUseReference/h:id/@root='{il2Id}']/h:value/@code";
        const string doses = il2 + "/h:outboundRelationship2[@typeCode='COMP']/h:substanceAdministration";
        var causality = Assessment + "/h:component/h:causalityAssessment[h:code/@code='39']"
            + $"[h:subject2/h:productUseReference/h:id/@root='{il2Id}']";

        Assert.NotEqual("", il2Id);
        Assert.Equal("1", Text(doc, characterisation));
        Assert.Equal(3, doc.XPathSelectElements(doses, _ns).Count());
        Assert.Equal("1000000", Text(doc, "(" + doses + ")[1]/h:doseQuantity/@value"));
        Assert.Equal("[iU]", Text(doc, "(" + doses + ")[1]/h:doseQuantity/@unit"));
        Assert.Equal("20260202", Text(doc, "(" + doses + ")[1]/h:effectiveTime/h:low/@value"));
        Assert.Equal("058", Text(doc, "(" + doses + ")[1]/h:routeCode/@code"));
        Assert.Equal("LOT-A1", Text(doc, "(" + doses + ")[1]/h:consumable/h:instanceOfKind/h:productInstanceInstance/h:lotNumberText"));
        Assert.Equal("1500000", Text(doc, "(" + doses + ")[3]/h:doseQuantity/@value"));
        Assert.Equal("Systemic lupus erythematosus",
            Text(doc, il2 + "/h:inboundRelationship[@typeCode='RSON']/h:observation/h:value/h:originalText"));
        Assert.Equal("1", Text(doc, il2 + "/h:inboundRelationship[@typeCode='CAUS']/h:act/h:code/@code"));
        Assert.Equal("Probable/Likely", Text(doc, causality + "/h:value"));
        Assert.Equal("WHO-UMC", Text(doc, causality + "/h:methodCode/h:originalText"));
        Assert.Equal(Text(doc, Reaction + "/h:id/@root"), Text(doc, causality + "/h:subject1/h:adverseEffectReference/h:id/@root"));
    }

    [Fact]
    public void the_concomitant_is_a_drug_of_characterisation_2()
    {
        var doc = Build(Case());
        var id = Text(doc, Drugs + "[h:consumable/h:instanceOfKind/h:kindOfProduct/h:name='hydroxychloroquine']/h:id/@root");

        Assert.NotEqual("", id);
        Assert.Equal("2", Text(doc, Assessment + "/h:component/h:causalityAssessment[h:code/@code='20']"
            + $"[h:subject2/h:productUseReference/h:id/@root='{id}']/h:value/@code"));
        Assert.Empty(doc.XPathSelectElements(Assessment + "/h:component/h:causalityAssessment[h:code/@code='39']"
            + $"[h:subject2/h:productUseReference/h:id/@root='{id}']", _ns));
    }

    [Fact]
    public void the_narrative_and_the_senders_comment_are_in_section_h()
    {
        var doc = Build(Case());

        Assert.StartsWith("A 46-year-old woman", Text(doc, Event + "/h:text"));
        Assert.Equal("Fatal, unexpected and judged probably related: reported as a SUSAR.",
            Text(doc, Assessment + "/h:component1/h:observationEvent[h:author/h:assignedEntity/h:code/@code='1']/h:value"));
    }

    [Fact]
    public void a_follow_up_keeps_the_case_ids_and_has_the_later_most_recent_date()
    {
        var initial = Build(Case());
        var followUp = Build(Case(version: 2, kind: IcsrReportKind.FollowUp, mostRecent: new DateOnly(2026, 3, 27)));

        foreach (var root in new[] { "2.16.840.1.113883.3.989.2.1.3.1", "2.16.840.1.113883.3.989.2.1.3.2" })
        {
            var path = Event + $"/h:id[@root='{root}']/@extension";
            Assert.Equal(Text(initial, path), Text(followUp, path));
        }

        Assert.Equal("20260319", Text(followUp, Event + "/h:effectiveTime/h:low/@value"));
        Assert.Equal("20260327", Text(followUp, Event + "/h:availabilityTime/@value"));
        Assert.Empty(followUp.XPathSelectElements(Characteristic + "[h:code/@code='3']", _ns));
    }

    [Fact]
    public void a_nullification_says_so_and_why()
    {
        var doc = Build(Case(version: 3, kind: IcsrReportKind.Nullification, reason: "Causality reassessed as unlikely."));

        Assert.Equal("1", Text(doc, Characteristic + "[h:code/@code='3']/h:value/@code"));
        Assert.Equal(CodeLists + "5", Text(doc, Characteristic + "[h:code/@code='3']/h:value/@codeSystem"));
        Assert.Equal("Causality reassessed as unlikely.", Text(doc, Characteristic + "[h:code/@code='4']/h:value/h:originalText"));
        Assert.Equal("FR-IL2REG-000123", Text(doc, Event + "/h:id[@root='2.16.840.1.113883.3.989.2.1.3.2']/@extension"));
    }

    [Fact]
    public void the_xml_has_no_birth_date_and_no_patient_name()
    {
        var doc = Build(Case());
        var player = One(doc, Patient + "/h:player1");

        Assert.Empty(doc.Descendants(E2bReport.Hl7 + "birthTime"));
        var name = Assert.Single(player.Elements(E2bReport.Hl7 + "name"));
        Assert.Equal("MSK", (string?)name.Attribute("nullFlavor"));
        Assert.Equal("", name.Value);
        Assert.False(name.HasElements);
    }

    [Fact]
    public void the_xml_text_is_utf8_with_its_declaration_and_the_same_each_time()
    {
        var xml = E2bReport.ToXml(Build(Case()));

        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", xml, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Hôpital de la Pitié-Salpêtrière", xml);
        Assert.Equal(xml, E2bReport.ToXml(Build(Case())));
        Assert.Equal("MCCI_IN200100UV01", XDocument.Parse(xml).Root!.Name.LocalName);
    }

    [Fact]
    public void the_report_is_valid_against_the_ich_schemas_when_an_operator_gives_them()
    {
        // The ICH E2B(R3) schema package is not redistributed with the registry: the check runs only where an operator has
        // unpacked it and named its folder in REGISTRY_E2B_SCHEMAS; elsewhere there is nothing to validate against.
        var folder = Environment.GetEnvironmentVariable("REGISTRY_E2B_SCHEMAS");
        if (string.IsNullOrWhiteSpace(folder))
        {
            return;
        }

        foreach (var c in new[] { Case(), Case(version: 2, kind: IcsrReportKind.Nullification, reason: "Entered in error.") })
        {
            var errors = E2bSchema.Validate(Build(c), folder);
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        }
    }

    [Fact]
    public void a_character_no_xml_may_hold_is_replaced_so_the_report_is_still_written()
    {
        var c = Case();
        var odd = c with { Reaction = c.Reaction with { Term = "fever \uFFFF chills \uD800" } };

        var xml = E2bReport.ToXml(Build(odd));

        Assert.Contains("fever \uFFFD chills \uFFFD", xml);
    }

    [Fact]
    public void an_amendment_says_so_and_why()
    {
        var doc = Build(Case(version: 3, kind: IcsrReportKind.Amendment, reason: "MedDRA PT recoded"));

        Assert.Equal("2", Text(doc, Characteristic + "[h:code/@code='3']/h:value/@code"));
        Assert.Equal("MedDRA PT recoded", Text(doc, Characteristic + "[h:code/@code='4']/h:value/h:originalText"));
    }
}
