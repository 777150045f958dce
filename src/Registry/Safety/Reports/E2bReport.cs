using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Safety.Reports;

/// <summary>
/// One version of a case (<see cref="IcsrCase"/>) as an ICH E2B(R3) individual case safety report: the HL7 v3 batch
/// <c>MCCI_IN200100UV01</c> (N.1) wrapping one <c>PORR_IN049016UV</c> message (N.2), laid out as the ICH implementation
/// guide and its reference instance lay it out. The patient is de-identified: the name masked (D.1, nullFlavor MSK), no
/// birth date, the subject code as the study's patient number (D.1.1.4), the age at onset in years (D.2.2).
/// Everything comes from the case alone (the internal ids are derived from the adverse event's id), so a version built
/// again is the same XML.
/// </summary>
public static class E2bReport
{
    /// <summary>The HL7 v3 namespace of every element of the report.</summary>
    public static readonly XNamespace Hl7 = "urn:hl7-org:v3";

    /// <summary>The XML Schema instance namespace (the <c>xsi:type</c> of the HL7 data types).</summary>
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>
    /// The batch and message receiver identifier (N.1.4, N.2.r.3). A case does not say which authority a version goes to,
    /// and each gateway has its own routing id (e.g. <c>EVHUMAN</c> for EudraVigilance): the operator's gateway, or the
    /// authority's submission tool, sets the real one when it transmits the file; the file carries this neutral placeholder.
    /// </summary>
    public const string ReceiverId = "REGULATOR";

    /// <summary>The MedDRA version of the codes the sites enter (E.i.2.1a): one version per report, as the guide requires.</summary>
    public const string MeddraVersion = "27.1";

    /// <summary>The language of the verbatim term (E.i.1.1b, ISO 639-2 alpha-3): the registry's forms are in English.</summary>
    public const string TermLanguage = "eng";

    /// <summary>The product named when a case has no dose (G.k.2.2): the registry's drug.</summary>
    public const string DefaultProduct = "aldesleukin";

    /// <summary>The method of the causality assessment (G.k.9.i.2.r.2): the sites assess with the WHO-UMC system.</summary>
    public const string CausalityMethod = "WHO-UMC";

    private const string CodeLists = "2.16.840.1.113883.3.989.2.1.1.";
    private const string Ids = "2.16.840.1.113883.3.989.2.1.3.";
    private const string Observations = CodeLists + "19";
    private const string Groupings = CodeLists + "20";
    private const string Roles = CodeLists + "21";
    private const string Characteristics = CodeLists + "23";
    private const string Meddra = "2.16.840.1.113883.6.163";
    private const string Countries = "1.0.3166.1.2.2";
    private const string Sexes = "1.0.5218";
    private const string Interactions = "2.16.840.1.113883.1.6";

    // The ICH E2B(R2) route list (code list 14), used until the EDQM/M5 route terms; its version goes with the code.
    private const string RouteListVersion = "2.2";

    // C.3.1: 6 = Other (e.g. distributor or other organisation): the registry's operator is neither a company holding the
    // authorisation, nor an authority, nor a pharmacovigilance centre.
    private const string SenderType = "6";

    // C.5.4: 3 = Other studies (pharmacoepidemiology, intensive monitoring): a registry of routine and trial use, not a trial.
    private const string StudyType = "3";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Drug(string Id, bool Suspect, XElement Administration);

    /// <summary>
    /// The report of <paramref name="c"/> in a batch of one: <paramref name="batchId"/> is the batch number (N.1.2) and
    /// <paramref name="messageId"/> the message identifier (N.2.r.1); the sender (N.1.3, N.2.r.2) is the sender's
    /// organisation, the receiver <see cref="ReceiverId"/>; batch, message and report (C.1.2) are dated at the case's
    /// <see cref="IcsrCase.CreatedAt"/>.
    /// </summary>
    public static XDocument Build(IcsrCase c, string batchId, string messageId)
    {
        ArgumentNullException.ThrowIfNull(c);
        var created = Ts(c.CreatedAt);
        var sender = c.Sender.Organisation;
        var message = E("PORR_IN049016UV",
            Id(Ids + "1", messageId),
            E("creationTime", A("value", created)),
            E("interactionId", A("extension", "PORR_IN049016UV"), A("root", Interactions)),
            E("processingCode", A("code", "P")),
            E("processingModeCode", A("code", "T")),
            E("acceptAckCode", A("code", "AL")),
            Device("receiver", "RCV", Ids + "12", ReceiverId),
            Device("sender", "SND", Ids + "11", sender),
            E("controlActProcess", A("classCode", "CACT"), A("moodCode", "EVN"),
                Code("code", "PORR_TE049016UV", "2.16.840.1.113883.1.18"),
                E("effectiveTime", A("value", created)),
                E("subject", A("typeCode", "SUBJ"), InvestigationEvent(c))));
        var batch = E("MCCI_IN200100UV01",
            new XAttribute("xmlns", Hl7.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsi", Xsi.NamespaceName),
            A("ITSVersion", "XML_1.0"),
            new XAttribute(Xsi + "schemaLocation", "urn:hl7-org:v3 MCCI_IN200100UV01.xsd"),
            Id(Ids + "22", batchId),
            E("creationTime", A("value", created)),
            E("responseModeCode", A("code", "D")),
            E("interactionId", A("extension", "MCCI_IN200100UV01"), A("root", Interactions)),
            Code("name", "1", CodeLists + "1"),
            message,
            Device("receiver", "RCV", Ids + "14", ReceiverId),
            Device("sender", "SND", Ids + "13", sender));
        var document = new XDocument(new XDeclaration("1.0", "UTF-8", null), batch);
        Clean(document);
        return document;
    }

    /// <summary>
    /// Replaces any character an XML document may not hold (U+FFFE, U+FFFF, a lone surrogate: the body check refuses them
    /// now, but a text recorded before it could hold one) with U+FFFD, so no stored value can make a report unwritable.
    /// </summary>
    private static void Clean(XDocument document)
    {
        static string Valid(string text)
        {
            var builder = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    builder.Append(text[i]).Append(text[++i]);
                }
                else
                {
                    builder.Append(XmlConvert.IsXmlChar(text[i]) ? text[i] : '\uFFFD');
                }
            }

            return builder.ToString();
        }

        foreach (var node in document.DescendantNodes().OfType<XText>())
        {
            if (Valid(node.Value) is var text && text != node.Value)
            {
                node.Value = text;
            }
        }

        foreach (var attribute in document.Descendants().Attributes())
        {
            if (Valid(attribute.Value) is var value && value != attribute.Value)
            {
                attribute.Value = value;
            }
        }
    }

    /// <summary>The document as UTF-8 text (no byte order mark) with its XML declaration, indented.</summary>
    public static string ToXml(XDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, OmitXmlDeclaration = false };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            doc.Save(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// The action taken with the suspect drug (G.k.8, code list 2.16.840.1.113883.3.989.2.1.1.15): none is 4 (dose not
    /// changed), a reduced dose 2 (dose reduced), a withdrawal 1 (drug withdrawn). The list has no code for a temporary
    /// interruption, so an interruption is 1 (drug withdrawn): the drug was stopped after the reaction, which is what the
    /// guide reads, with the outcome (E.i.7), as the dechallenge; that it was resumed, if it was, is in the narrative (H.1).
    /// Anything else is 0 (unknown).
    /// </summary>
    public static string ActionTakenCode(ActionTaken action) => action switch
    {
        ActionTaken.None => "4",
        ActionTaken.DoseReduced => "2",
        ActionTaken.Interrupted => "1",
        ActionTaken.Withdrawn => "1",
        _ => "0",
    };

    private static XElement InvestigationEvent(IcsrCase c)
    {
        var reactionId = Uuid(c.AdverseEventId, "reaction");
        var drugs = Drugs(c);
        // C.1.11.1: 1 nullification, 2 amendment; C.1.11.2 the reason.
        var change = c.Kind switch
        {
            IcsrReportKind.Nullification => "1",
            IcsrReportKind.Amendment => "2",
            _ => null,
        };
        var reason = string.IsNullOrWhiteSpace(c.NullificationReason)
            ? change == "1" ? "Case nullified by the sender." : "Earlier report amended by the sender."
            : c.NullificationReason;
        return E("investigationEvent", A("classCode", "INVSTG"), A("moodCode", "EVN"),
            Id(Ids + "1", c.SafetyReportId),
            Id(Ids + "2", c.WorldwideCaseId),
            Code("code", "PAT_ADV_EVNT", "2.16.840.1.113883.5.4"),
            E("text", c.Narrative),
            E("statusCode", A("code", "active")),
            E("effectiveTime", E("low", A("value", Ts(c.FirstReceivedOn)))),
            E("availabilityTime", A("value", Ts(c.MostRecentReceivedOn))),
            E("component", A("typeCode", "COMP"), Assessment(c, reactionId, drugs)),
            E("component", A("typeCode", "COMP"), ObservationEvent("1", Bool(false))),
            E("component", A("typeCode", "COMP"), ObservationEvent("23", Bool(c.Susar))),
            FirstSender(),
            PrimarySource(c.Source),
            Sender(c.Sender),
            Characteristic("1", Value("CE", A("code", "2"), A("codeSystem", CodeLists + "2"))),
            Characteristic("2", Value("BL", A("nullFlavor", "NI"))),
            change is null ? null : Characteristic("3", Value("CE", A("code", change), A("codeSystem", CodeLists + "5"))),
            change is null ? null : Characteristic("4", Value("CE", E("originalText", reason))));
    }

    private static XElement Assessment(IcsrCase c, string reactionId, IReadOnlyList<Drug> drugs) =>
        E("adverseEventAssessment", A("classCode", "INVSTG"), A("moodCode", "EVN"),
            E("subject1", A("typeCode", "SBJ"), PrimaryRole(c, reactionId, drugs)),
            drugs.Select(d => E("component", A("typeCode", "COMP"),
                E("causalityAssessment", A("classCode", "OBS"), A("moodCode", "EVN"),
                    Code("code", "20", Observations),
                    Value("CE", A("code", d.Suspect ? "1" : "2"), A("codeSystem", CodeLists + "13")),
                    ProductUse(d.Id)))),
            c.Reaction.Causality is { } causality
                ? drugs.Where(d => d.Suspect).Select(d => E("component", A("typeCode", "COMP"),
                    E("causalityAssessment", A("classCode", "OBS"), A("moodCode", "EVN"),
                        Code("code", "39", Observations),
                        Value("ST", WhoUmc(causality)),
                        E("methodCode", E("originalText", CausalityMethod)),
                        E("author", A("typeCode", "AUT"),
                            E("assignedEntity", A("classCode", "ASSIGNED"), E("code", E("originalText", "Investigator")))),
                        E("subject1", A("typeCode", "SUBJ"),
                            E("adverseEffectReference", A("classCode", "OBS"), A("moodCode", "EVN"), E("id", A("root", reactionId)))),
                        ProductUse(d.Id))))
                : null,
            string.IsNullOrWhiteSpace(c.SenderComment)
                ? null
                : E("component1", A("typeCode", "COMP"),
                    E("observationEvent", A("classCode", "OBS"), A("moodCode", "EVN"),
                        Code("code", "10", Observations),
                        Value("ED", c.SenderComment),
                        E("author", A("typeCode", "AUT"), E("assignedEntity", A("classCode", "ASSIGNED"), Code("code", "1", Roles))))));

    private static XElement PrimaryRole(IcsrCase c, string reactionId, IReadOnlyList<Drug> drugs)
    {
        var p = c.Patient;
        var r = c.Reaction;
        var line = p.TherapyLine == TherapyLine.Addon ? "add-on to other immunomodulating drugs" : "alone";
        return E("primaryRole", A("classCode", "INVSBJ"),
            E("player1", A("classCode", "PSN"), A("determinerCode", "INSTANCE"),
                E("name", A("nullFlavor", "MSK")),
                p.Sex switch
                {
                    Sex.Male => Code("administrativeGenderCode", "1", Sexes),
                    Sex.Female => Code("administrativeGenderCode", "2", Sexes),
                    _ => E("administrativeGenderCode", A("nullFlavor", "UNK"), A("codeSystem", Sexes)),
                },
                p.DiedOn is { } died ? E("deceasedTime", A("value", Ts(died))) : null,
                E("asIdentifiedEntity", A("classCode", "IDENT"), Id(Ids + "10", p.SubjectCode), Code("code", "4", CodeLists + "4"))),
            Study(c.Sender),
            p.AgeAtOnsetYears is { } age
                ? E("subjectOf2", A("typeCode", "SBJ"),
                    Observation("3", Value("PQ", A("value", age.ToString(Inv)), A("unit", "a"))))
                : null,
            E("subjectOf2", A("typeCode", "SBJ"),
                E("organizer", A("classCode", "CATEGORY"), A("moodCode", "EVN"),
                    Code("code", "1", Groupings),
                    E("component", A("typeCode", "COMP"),
                        Observation("18", Value("ED", $"{p.DiseaseName} ({p.DiseaseCode}); low-dose IL-2 given {line}."))))),
            E("subjectOf2", A("typeCode", "SBJ"),
                E("observation", A("classCode", "OBS"), A("moodCode", "EVN"),
                    E("id", A("root", reactionId)),
                    Code("code", "29", Observations),
                    E("effectiveTime", XsiType("IVL_TS"),
                        E("low", A("value", Ts(r.OnsetOn))),
                        r.ResolvedOn is { } end ? E("high", A("value", Ts(end))) : null),
                    Value("CE",
                        r.MeddraPtCode is { Length: > 0 } pt ? A("code", pt) : null,
                        A("codeSystem", Meddra),
                        A("codeSystemVersion", MeddraVersion),
                        E("originalText", A("language", TermLanguage), r.Term)),
                    E("location", A("typeCode", "LOC"),
                        E("locatedEntity", A("classCode", "LOCE"),
                            E("locatedPlace", A("classCode", "COUNTRY"), A("determinerCode", "INSTANCE"),
                                Code("code", c.Source.CountryCode, Countries)))),
                    Seriousness.Select(s => Pertinent(
                        Observation(s.Code, r.SeriousCriteria.Contains(s.Criterion) ? Bool(true) : Value("BL", A("nullFlavor", "NI"))))),
                    Pertinent(Observation("27", Value("CE", A("code", OutcomeCode(r.Outcome)), A("codeSystem", CodeLists + "11")))))),
            c.Tests.Count == 0
                ? null
                : E("subjectOf2", A("typeCode", "SBJ"),
                    E("organizer", A("classCode", "CATEGORY"), A("moodCode", "EVN"),
                        Code("code", "3", Groupings),
                        c.Tests.OrderBy(t => t.On).Select(t => E("component", A("typeCode", "COMP"),
                            E("observation", A("classCode", "OBS"), A("moodCode", "EVN"),
                                E("code", E("originalText", t.Name)),
                                E("effectiveTime", A("value", Ts(t.On))),
                                Value("IVL_PQ", E("center", A("value", t.Value.ToString(Inv)), A("unit", t.Unit)))))))),
            E("subjectOf2", A("typeCode", "SBJ"),
                E("organizer", A("classCode", "CATEGORY"), A("moodCode", "EVN"),
                    Code("code", "4", Groupings),
                    drugs.Select(d => E("component", A("typeCode", "COMP"), d.Administration)))));
    }

    private static XElement Study(IcsrSender s) =>
        E("subjectOf1", A("typeCode", "SBJ"),
            E("researchStudy", A("classCode", "CLNTRL"), A("moodCode", "EVN"),
                Code("code", StudyType, CodeLists + "8"),
                E("title", s.StudyName),
                string.IsNullOrWhiteSpace(s.StudyRegistration)
                    ? null
                    : E("authorization", A("typeCode", "AUTH"),
                        E("studyRegistration", A("classCode", "ACT"), A("moodCode", "EVN"),
                            Id(Ids + "6", s.StudyRegistration),
                            E("author", A("typeCode", "AUT"),
                                E("territorialAuthority", A("classCode", "TERR"),
                                    E("governingPlace", A("classCode", "COUNTRY"), A("determinerCode", "INSTANCE"),
                                        Code("code", s.CountryCode, Countries))))))));

    /// <summary>
    /// The drugs (G.k): each product of the doses as a suspect (the doses grouped by product, in the order first given),
    /// then each concomitant medication.
    /// </summary>
    private static List<Drug> Drugs(IcsrCase c)
    {
        var drugs = new List<Drug>();
        var products = c.Doses
            .OrderBy(d => d.GivenOn)
            .GroupBy(d => d.Product.Trim(), StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (products.Count == 0)
        {
            drugs.Add(Suspect(c, Uuid(c.AdverseEventId, "drug-0"), DefaultProduct, []));
        }

        foreach (var (product, k) in products.Select((group, index) => (group, index)))
        {
            drugs.Add(Suspect(c, Uuid(c.AdverseEventId, $"drug-{k}"), product.Key, product.ToList()));
        }

        foreach (var (m, k) in c.Concomitants.Select((medication, index) => (medication, index)))
        {
            var id = Uuid(c.AdverseEventId, $"concomitant-{k}");
            var dosage = m.Dose is not null || m.StartedOn is not null || m.StoppedOn is not null;
            drugs.Add(new Drug(id, false,
                E("substanceAdministration", A("classCode", "SBADM"), A("moodCode", "EVN"),
                    E("id", A("root", id)),
                    Product(m.Drug),
                    dosage
                        ? E("outboundRelationship2", A("typeCode", "COMP"),
                            E("substanceAdministration", A("classCode", "SBADM"), A("moodCode", "EVN"),
                                m.Dose is { } dose ? E("text", $"{dose.ToString(Inv)} {m.Unit}".Trim()) : null,
                                m.StartedOn is not null || m.StoppedOn is not null
                                    ? E("effectiveTime", XsiType("IVL_TS"),
                                        m.StartedOn is { } start ? E("low", A("value", Ts(start))) : null,
                                        m.StoppedOn is { } stop ? E("high", A("value", Ts(stop))) : null)
                                    : null))
                        : null,
                    E("outboundRelationship2", A("typeCode", "REFR"),
                        Observation("2", Value("ST", $"Drug class: {ClassName(m.DrugClass)}."))))));
        }

        return drugs;
    }

    private static Drug Suspect(IcsrCase c, string id, string product, IReadOnlyList<IcsrDose> doses) =>
        new(id, true,
            E("substanceAdministration", A("classCode", "SBADM"), A("moodCode", "EVN"),
                E("id", A("root", id)),
                Product(product),
                doses.Select(d => E("outboundRelationship2", A("typeCode", "COMP"),
                    E("substanceAdministration", A("classCode", "SBADM"), A("moodCode", "EVN"),
                        E("effectiveTime", XsiType("IVL_TS"), E("low", A("value", Ts(d.GivenOn))), E("high", A("value", Ts(d.GivenOn)))),
                        Route(d.Route),
                        E("doseQuantity", A("value", d.DoseIu.ToString(Inv)), A("unit", "[iU]")),
                        string.IsNullOrWhiteSpace(d.Lot)
                            ? null
                            : E("consumable", A("typeCode", "CSM"),
                                E("instanceOfKind", A("classCode", "INST"),
                                    E("productInstanceInstance", A("classCode", "MMAT"), A("determinerCode", "INSTANCE"),
                                        E("lotNumberText", d.Lot.Trim()))))))),
                E("inboundRelationship", A("typeCode", "RSON"),
                    Observation("19",
                        Value("CE", A("codeSystem", Meddra), E("originalText", c.Patient.DiseaseName)),
                        E("performer", A("typeCode", "PRF"),
                            E("assignedEntity", A("classCode", "ASSIGNED"), Code("code", "3", Roles))))),
                E("inboundRelationship", A("typeCode", "CAUS"),
                    E("act", A("classCode", "ACT"), A("moodCode", "EVN"),
                        Code("code", ActionTakenCode(c.Reaction.ActionTaken), CodeLists + "15")))));

    private static XElement Product(string name) =>
        E("consumable", A("typeCode", "CSM"),
            E("instanceOfKind", A("classCode", "INST"),
                E("kindOfProduct", A("classCode", "MMAT"), A("determinerCode", "KIND"), E("name", name))));

    private static XElement ProductUse(string drugId) =>
        E("subject2", A("typeCode", "SUBJ"),
            E("productUseReference", A("classCode", "SBADM"), A("moodCode", "EVN"), E("id", A("root", drugId))));

    private static XElement Route(DoseRoute route)
    {
        var (code, text) = route switch
        {
            DoseRoute.Subcutaneous => ("058", "subcutaneous"),
            DoseRoute.Intravenous => ("042", "intravenous"),
            DoseRoute.Intramuscular => ("030", "intramuscular"),
            _ => ("050", "other"),
        };
        return E("routeCode", A("code", code), A("codeSystem", CodeLists + "14"), A("codeSystemVersion", RouteListVersion),
            E("originalText", text));
    }

    /// <summary>C.1.8.2, first sender of this case: 2 = other (not a regulator).</summary>
    private static XElement FirstSender() =>
        E("outboundRelationship", A("typeCode", "SPRT"),
            E("relatedInvestigation", A("classCode", "INVSTG"), A("moodCode", "EVN"),
                Code("code", "1", CodeLists + "22"),
                E("subjectOf2", A("typeCode", "SUBJ"),
                    E("controlActEvent", A("classCode", "CACT"), A("moodCode", "EVN"),
                        E("author", A("typeCode", "AUT"),
                            E("assignedEntity", A("classCode", "ASSIGNED"), Code("code", "2", CodeLists + "3")))))));

    /// <summary>C.2.r, the primary source: the site, its investigator a physician (C.2.r.4 = 1), for regulatory purposes.</summary>
    private static XElement PrimarySource(IcsrPrimarySource s) =>
        E("outboundRelationship", A("typeCode", "SPRT"),
            E("priorityNumber", A("value", "1")),
            E("relatedInvestigation", A("classCode", "INVSTG"), A("moodCode", "EVN"),
                Code("code", "2", CodeLists + "22"),
                E("subjectOf2", A("typeCode", "SUBJ"),
                    E("controlActEvent", A("classCode", "CACT"), A("moodCode", "EVN"),
                        E("author", A("typeCode", "AUT"),
                            E("assignedEntity", A("classCode", "ASSIGNED"),
                                E("assignedPerson", A("classCode", "PSN"), A("determinerCode", "INSTANCE"),
                                    E("asQualifiedEntity", A("classCode", "QUAL"), Code("code", "1", CodeLists + "6")),
                                    Country(s.CountryCode)),
                                Organisation($"{s.SiteName} ({s.SiteId})")))))));

    /// <summary>C.3, the sender: its type (C.3.1), organisation (C.3.2) and country (C.3.4.5).</summary>
    private static XElement Sender(IcsrSender s) =>
        E("subjectOf1", A("typeCode", "SUBJ"),
            E("controlActEvent", A("classCode", "CACT"), A("moodCode", "EVN"),
                E("author", A("typeCode", "AUT"),
                    E("assignedEntity", A("classCode", "ASSIGNED"),
                        Code("code", SenderType, CodeLists + "7"),
                        E("assignedPerson", A("classCode", "PSN"), A("determinerCode", "INSTANCE"), Country(s.CountryCode)),
                        Organisation(s.Organisation)))));

    private static XElement Organisation(string name) =>
        E("representedOrganization", A("classCode", "ORG"), A("determinerCode", "INSTANCE"),
            E("assignedEntity", A("classCode", "ASSIGNED"),
                E("representedOrganization", A("classCode", "ORG"), A("determinerCode", "INSTANCE"), E("name", name))));

    private static XElement Country(string code) =>
        E("asLocatedEntity", A("classCode", "LOCE"),
            E("location", A("classCode", "COUNTRY"), A("determinerCode", "INSTANCE"), Code("code", code, Countries)));

    private static XElement Characteristic(string code, XElement value) =>
        E("subjectOf2", A("typeCode", "SUBJ"),
            E("investigationCharacteristic", A("classCode", "OBS"), A("moodCode", "EVN"), Code("code", code, Characteristics), value));

    private static XElement ObservationEvent(string code, XElement value) =>
        E("observationEvent", A("classCode", "OBS"), A("moodCode", "EVN"), Code("code", code, Observations), value);

    private static XElement Observation(string code, params object?[] content) =>
        E("observation", A("classCode", "OBS"), A("moodCode", "EVN"), Code("code", code, Observations), content);

    private static XElement Pertinent(XElement observation) => E("outboundRelationship2", A("typeCode", "PERT"), observation);

    private static XElement Device(string name, string typeCode, string root, string id) =>
        E(name, A("typeCode", typeCode), E("device", A("classCode", "DEV"), A("determinerCode", "INSTANCE"), Id(root, id)));

    /// <summary>E.i.3.2a–f: every criterion is sent, true when the case has it, else nullFlavor NI (the guide allows no false).</summary>
    private static readonly (SeriousCriterion Criterion, string Code)[] Seriousness =
    [
        (SeriousCriterion.Death, "34"),
        (SeriousCriterion.LifeThreatening, "21"),
        (SeriousCriterion.Hospitalisation, "33"),
        (SeriousCriterion.Disability, "35"),
        (SeriousCriterion.CongenitalAnomaly, "12"),
        (SeriousCriterion.MedicallyImportant, "26"),
    ];

    /// <summary>E.i.7: 1 recovered, 2 recovering, 3 not recovered, 4 recovered with sequelae, 5 fatal, 0 unknown.</summary>
    private static string OutcomeCode(AeOutcome outcome) => outcome switch
    {
        AeOutcome.Recovered => "1",
        AeOutcome.Recovering => "2",
        AeOutcome.NotRecovered => "3",
        AeOutcome.RecoveredWithSequelae => "4",
        AeOutcome.Fatal => "5",
        _ => "0",
    };

    /// <summary>G.k.9.i.2.r.3: the WHO-UMC category as the system names it.</summary>
    private static string WhoUmc(Causality causality) => causality switch
    {
        Causality.Certain => "Certain",
        Causality.Probable => "Probable/Likely",
        Causality.Possible => "Possible",
        Causality.Unlikely => "Unlikely",
        Causality.Conditional => "Conditional/Unclassified",
        Causality.Unassessable => "Unassessable/Unclassifiable",
        _ => "Not assessed",
    };

    private static string ClassName(DrugClass drugClass) => drugClass switch
    {
        DrugClass.Corticosteroid => "corticosteroid",
        DrugClass.Csdmard => "conventional synthetic DMARD",
        DrugClass.Bdmard => "biological DMARD",
        DrugClass.JakInhibitor => "JAK inhibitor",
        _ => "other",
    };

    private static XElement E(string name, params object?[] content) => new(Hl7 + name, content);

    private static XAttribute A(string name, string value) => new(name, value);

    private static XAttribute XsiType(string type) => new(Xsi + "type", type);

    private static XElement Code(string element, string code, string codeSystem) =>
        E(element, A("code", code), A("codeSystem", codeSystem));

    private static XElement Id(string root, string extension) => E("id", A("extension", extension), A("root", root));

    private static XElement Value(string type, params object?[] content) => E("value", XsiType(type), content);

    private static XElement Bool(bool value) => Value("BL", A("value", value ? "true" : "false"));

    /// <summary>An HL7 TS of the precision known: <c>2026</c>, <c>202603</c> or <c>20260314</c>.</summary>
    private static string Ts(PartialDate date) =>
        date.Year.ToString("D4", Inv)
        + (date.Month is { } m ? m.ToString("D2", Inv) : "")
        + (date.Day is { } d ? d.ToString("D2", Inv) : "");

    private static string Ts(DateOnly date) => date.ToString("yyyyMMdd", Inv);

    /// <summary>An HL7 TS to the second with the offset, <c>yyyyMMddHHmmss±HHmm</c>.</summary>
    private static string Ts(DateTimeOffset time)
    {
        var offset = time.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var abs = offset.Duration();
        return time.ToString("yyyyMMddHHmmss", Inv) + sign + abs.Hours.ToString("D2", Inv) + abs.Minutes.ToString("D2", Inv);
    }

    /// <summary>A UUID stable for the case and the part (the internal ids that tie drugs, reaction and assessments).</summary>
    private static string Uuid(Guid caseId, string part)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{caseId:D}/{part}"));
        return new Guid(hash.AsSpan(0, 16)).ToString("D");
    }
}

/// <summary>
/// Checks a report against the ICH E2B(R3) HL7 schemas. The schemas are not shipped with the registry: an operator who
/// has the ICH ICSR schema package names its folder, which holds <c>coreschemas/</c> and <c>multicacheschemas/</c>.
/// </summary>
public static class E2bSchema
{
    /// <summary>
    /// The validation messages of <paramref name="doc"/> against
    /// <c>{schemaFolder}/multicacheschemas/MCCI_IN200100UV01.xsd</c> (and the schemas it includes); empty when valid.
    /// </summary>
    public static IReadOnlyList<string> Validate(XDocument doc, string schemaFolder)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var path = Path.GetFullPath(Path.Combine(schemaFolder, "multicacheschemas", "MCCI_IN200100UV01.xsd"));
        if (!File.Exists(path))
        {
            return [$"No schema at {path}: give the folder of the ICH ICSR schema package (with multicacheschemas/)."];
        }

        var messages = new List<string>();
        var schemas = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
        schemas.ValidationEventHandler += (_, e) => messages.Add($"schema {e.Severity}: {e.Message}");
        schemas.Add(E2bReport.Hl7.NamespaceName, path);
        schemas.Compile();
        if (messages.Count > 0)
        {
            return messages;
        }

        doc.Validate(schemas, (_, e) => messages.Add(Describe(e)));
        return messages;
    }

    private static string Describe(ValidationEventArgs e)
    {
        var element = e.Exception is XmlSchemaValidationException { SourceObject: XObject source }
            ? source as XElement ?? source.Parent
            : null;
        var where = element is null ? "" : string.Join("/", element.AncestorsAndSelf().Reverse().Select(x => x.Name.LocalName));
        return $"{e.Severity} at /{where}: {e.Message}";
    }
}
