using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;
using Registry.Testing;

namespace Registry.IntegrationTests.Safety;

/// <summary>
/// The pv officer's case work through the API: the case with its patient context, the E2B(R3) report of a fatal SUSAR, its
/// follow-up version and its nullification read back by XPath (each version the same however often it is downloaded), the
/// CIOMS I form read back with a PDF reader, the narrative's versions, and the periodic tabulations as of a period's end.
/// Today is 2026-11-29 (the fixture's clock).
/// </summary>
public sealed class CaseWorkTests(RegistryApp app) : ApiTest(app)
{
    private const string Message = "/h:MCCI_IN200100UV01/h:PORR_IN049016UV";
    private const string Event = Message + "/h:controlActProcess/h:subject/h:investigationEvent";
    private const string Patient = Event + "/h:component/h:adverseEventAssessment/h:subject1/h:primaryRole";
    private const string Reaction = Patient + "/h:subjectOf2/h:observation[h:code/@code='29']";
    private const string Tests = Patient + "/h:subjectOf2/h:organizer[h:code/@code='3']/h:component/h:observation";
    private const string Drugs = Patient + "/h:subjectOf2/h:organizer[h:code/@code='4']/h:component/h:substanceAdministration";
    private const string Characteristic = Event + "/h:subjectOf2/h:investigationCharacteristic";
    private const string Causality =
        Event + "/h:component/h:adverseEventAssessment/h:component/h:causalityAssessment[h:code/@code='39']/h:value";

    private static readonly XmlNamespaceManager Ns = Namespaces();

    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    private ApiClient Pv => App.AsUser("pv-case", Roles.Pv);

    private Guid _patientId;

    private static XmlNamespaceManager Namespaces()
    {
        var ns = new XmlNamespaceManager(new NameTable());
        ns.AddNamespace("h", "urn:hl7-org:v3");
        return ns;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01", "Europe/Paris");
        _patientId = await Nurse.EnrolAsync(Requests.Enrolment());
    }

    private static JsonObject Dose(string on) => new()
    {
        ["givenOn"] = on,
        ["doseIu"] = 1_000_000,
        ["product"] = "aldesleukin",
        ["phase"] = "induction",
    };

    /// <summary>A fatal SUSAR (onset known to the month) after five doses, with two Treg results and a corticosteroid.</summary>
    private async Task<Guid> FatalSusarAsync()
    {
        await Nurse.PostAsync($"/api/patients/{_patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-08",
            ["doses"] = new JsonArray(Dose("2026-11-01"), Dose("2026-11-02"), Dose("2026-11-03"), Dose("2026-11-04"), Dose("2026-11-05")),
            ["tregs"] = new JsonArray(
                new JsonObject { ["sampledOn"] = "2026-11-01", ["tregPercentOfCd4"] = 5.0, ["gating"] = "cd4-cd25-foxp3" },
                new JsonObject { ["sampledOn"] = "2026-11-08", ["tregPercentOfCd4"] = 8.5, ["gating"] = "cd4-cd25-foxp3" }),
            ["conmeds"] = new JsonArray(new JsonObject { ["drug"] = "prednisone", ["drugClass"] = "corticosteroid", ["startedOn"] = "2025" }),
        }, 201);
        var aeId = Guid.NewGuid();
        var sae = Requests.AdverseEvent(aeId, "2026-11", "2026-11-28");
        sae["term"] = "capillary leak syndrome";
        sae["meddraPtCode"] = "10007196";
        sae["meddraSocCode"] = "10047065";
        sae["grade"] = 5;
        sae["seriousCriteria"] = new JsonArray("death");
        sae["outcome"] = "fatal";
        sae["resolvedOn"] = "2026-11-27";
        sae["causality"] = "probable";
        sae["expected"] = false;
        sae["actionTaken"] = "withdrawn";
        await Nurse.PostAsync($"/api/patients/{_patientId}/visits",
            new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = "2026-11-28", ["adverseEvents"] = new JsonArray(sae) }, 201);
        return aeId;
    }

    private async Task<byte[]> BytesAsync(string url, string contentType)
    {
        var result = await Pv.GetAsync(url);
        Assert.StartsWith(contentType, result.Context.Response.ContentType);
        using var bytes = new MemoryStream();
        await result.Context.Response.Body.CopyToAsync(bytes);
        return bytes.ToArray();
    }

    private async Task<XDocument> E2bAsync(Guid aeId, int? version = null) =>
        XDocument.Parse(System.Text.Encoding.UTF8.GetString(
            await BytesAsync($"/api/safety/sae/{aeId}/e2b" + (version is { } v ? $"?version={v}" : ""), "application/xml")));

    private static string Text(XDocument doc, string path) => (string)doc.XPathEvaluate($"string({path})", Ns);

    [Fact]
    public async Task a_fatal_susar_its_follow_up_and_its_nullification_each_pass_the_xpath_checks_and_download_the_same_each_time()
    {
        var aeId = await FatalSusarAsync();

        var pvCase = await Pv.GetJsonAsync($"/api/safety/sae/{aeId}");
        Assert.Equal("awaiting-acknowledgement", pvCase["clock"]!["status"]!.GetValue<string>());
        Assert.Equal("40–49", pvCase["patient"]!["ageBand"]!.GetValue<string>());
        Assert.Equal(5, pvCase["doses"]!.AsArray().Count);
        Assert.Equal([0, 7], pvCase["tregs"]!.AsArray().Select(t => t!["daysFromOnset"]!.GetValue<int>()));
        Assert.Equal("prednisone", pvCase["conmeds"]![0]!["drug"]!.GetValue<string>());
        Assert.Equal(1, pvCase["nextReport"]!["version"]!.GetValue<int>());
        Assert.True(pvCase["narrativeIsDraft"]!.GetValue<bool>());
        var draft = pvCase["narrative"]!.GetValue<string>();
        Assert.Contains("capillary leak syndrome (MedDRA PT 10007196)", draft);
        Assert.Contains("In 2026-11 (day imputed as 2026-11-01), study day 1,", draft);
        Assert.Contains("The event is serious: death.", draft);
        var caseId = pvCase["worldwideCaseId"]!.GetValue<string>();

        // The draft of the initial report.
        var initial = await E2bAsync(aeId);
        Assert.Equal(caseId, Text(initial, Event + "/h:id[@root='2.16.840.1.113883.3.989.2.1.3.2']/@extension"));
        Assert.Equal("2", Text(initial, Characteristic + "[h:code/@code='1']/h:value/@code"));
        Assert.Equal("capillary leak syndrome", Text(initial, Reaction + "/h:value/h:originalText"));
        Assert.Equal("10007196", Text(initial, Reaction + "/h:value/@code"));
        Assert.Equal("202611", Text(initial, Reaction + "/h:effectiveTime/h:low/@value"));
        Assert.Equal("true", Text(initial, Reaction + "/h:outboundRelationship2/h:observation[h:code/@code='34']/h:value/@value"));
        Assert.Equal("5", Text(initial, Reaction + "/h:outboundRelationship2/h:observation[h:code/@code='27']/h:value/@code"));
        Assert.Equal(["5", "8.5"], initial.XPathSelectElements(Tests, Ns)
            .Select(t => Text(new XDocument(t), "//h:value/h:center/@value")));
        Assert.Equal(5, initial.XPathSelectElements(Drugs + "//h:doseQuantity[@unit='[iU]']", Ns).Count());
        Assert.Equal(draft, Text(initial, Event + "/h:text"));
        Assert.Equal("20261127", Text(initial, Patient + "/h:player1/h:deceasedTime/@value"));

        await Pv.PostAsync($"/api/safety/sae/{aeId}/acknowledgement", new JsonObject(), 201);
        // What the officer sends (the draft, downloaded just before the submission is recorded) is version 1, byte for byte.
        var sent = await BytesAsync($"/api/safety/sae/{aeId}/e2b", "application/xml");
        var sentCioms = await BytesAsync($"/api/safety/sae/{aeId}/cioms", "application/pdf");
        await Pv.PostAsync($"/api/safety/sae/{aeId}/submissions",
            new JsonObject { ["submittedOn"] = "2026-11-29", ["authority"] = "ANSM", ["reference"] = "FR-ANSM-2026-1" }, 201);
        var version1 = await BytesAsync($"/api/safety/sae/{aeId}/e2b?version=1", "application/xml");
        Assert.Equal(sent, version1);
        Assert.Equal(sentCioms, await BytesAsync($"/api/safety/sae/{aeId}/cioms?version=1", "application/pdf"));

        // The narrative is edited (a version of its own; longer than other texts may be), the site sends new information, and
        // the follow-up report goes.
        await Pv.PostAsync($"/api/safety/sae/{aeId}/narratives", new JsonObject { ["text"] = new string('n', 5_000) }, 201);
        await Pv.PostAsync($"/api/safety/sae/{aeId}/narratives", new JsonObject { ["text"] = "Edited by pv: capillary leak, fatal." }, 201);
        Assert.False((await Pv.GetJsonAsync($"/api/safety/sae/{aeId}"))["narrativeIsDraft"]!.GetValue<bool>());
        await Nurse.PostAsync($"/api/patients/{_patientId}/adverse-events/{aeId}/follow-ups",
            new JsonObject { ["reportedOn"] = "2026-11-29", ["causality"] = "certain" }, 201);
        await Pv.PostAsync($"/api/safety/sae/{aeId}/follow-up-reports", new JsonObject
        {
            ["receivedOn"] = "2026-11-29",
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "FR-ANSM-2026-1-FU1",
        }, 201);

        Assert.Equal(version1, await BytesAsync($"/api/safety/sae/{aeId}/e2b?version=1", "application/xml"));
        var followUp = await E2bAsync(aeId, 2);
        Assert.Equal(caseId, Text(followUp, Event + "/h:id[@root='2.16.840.1.113883.3.989.2.1.3.2']/@extension"));
        Assert.Equal("20261129", Text(followUp, Event + "/h:availabilityTime/@value")[..8]);
        Assert.Contains("Certain", Text(followUp, Causality), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Probable", Text(XDocument.Parse(System.Text.Encoding.UTF8.GetString(version1)), Causality),
            StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Edited by pv: capillary leak, fatal.", Text(followUp, Event + "/h:text"));
        var badVersion = await Pv.GetAsync($"/api/safety/sae/{aeId}/e2b?version=3", 400);
        Assert.Contains("version", (await badVersion.ValidationErrorsAsync()).Keys);

        // An amendment (no new information): the draft downloaded with its reason is version 3, byte for byte.
        var amendmentDraft = await BytesAsync($"/api/safety/sae/{aeId}/e2b?kind=amendment&reason=PT%20recoded", "application/xml");
        await Pv.PostAsync($"/api/safety/sae/{aeId}/amendments", new JsonObject
        {
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "A-1",
            ["reason"] = "PT recoded",
        }, 201);
        Assert.Equal(amendmentDraft, await BytesAsync($"/api/safety/sae/{aeId}/e2b?version=3", "application/xml"));
        var amendment = await E2bAsync(aeId, 3);
        Assert.Equal("2", Text(amendment, Characteristic + "[h:code/@code='3']/h:value/@code"));
        Assert.Equal("PT recoded", Text(amendment, Characteristic + "[h:code/@code='4']/h:value/h:originalText"));
        Assert.Contains("kind", (await (await Pv.GetAsync($"/api/safety/sae/{aeId}/e2b?version=3&kind=amendment", 400))
            .ValidationErrorsAsync()).Keys);
        Assert.Contains("kind", (await (await Pv.GetAsync($"/api/safety/sae/{aeId}/e2b?kind=nullification", 400))
            .ValidationErrorsAsync()).Keys);
        Assert.Contains("reason", (await (await Pv.GetAsync($"/api/safety/sae/{aeId}/e2b?reason=why", 400))
            .ValidationErrorsAsync()).Keys);

        // The site corrects the event to expected: no longer a SUSAR, so the submitted case is downgraded and nullified.
        await Pv.PostAsync($"/api/safety/sae/{aeId}/nullifications", new JsonObject
        {
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "N-1",
            ["reason"] = "expected after all",
        }, 409);
        async Task ExpectedAsync(bool expected) => await Nurse.PostAsync($"/api/patients/{_patientId}/corrections", new JsonObject
        {
            ["entryId"] = aeId,
            ["changes"] = new JsonObject { ["expected"] = expected },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "the reference safety information, read again",
        }, 201);
        await ExpectedAsync(true);
        Assert.Equal("nullification", (await Pv.GetJsonAsync($"/api/safety/sae/{aeId}"))["nextReport"]!["kind"]!.GetValue<string>());
        // Undone: a SUSAR again, nothing to nullify.
        await ExpectedAsync(false);
        Assert.Equal("follow-up", (await Pv.GetJsonAsync($"/api/safety/sae/{aeId}"))["nextReport"]!["kind"]!.GetValue<string>());
        await Pv.PostAsync($"/api/safety/sae/{aeId}/nullifications", new JsonObject
        {
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "N-1",
            ["reason"] = "expected after all",
        }, 409);
        await ExpectedAsync(true);
        await Pv.PostAsync($"/api/safety/sae/{aeId}/nullifications", new JsonObject
        {
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "N-1",
            ["reason"] = "expected after all",
        }, 201);
        var nullification = await E2bAsync(aeId, 4);
        Assert.Equal("1", Text(nullification, Characteristic + "[h:code/@code='3']/h:value/@code"));
        Assert.Equal("expected after all", Text(nullification, Characteristic + "[h:code/@code='4']/h:value/h:originalText"));
        Assert.Equal(caseId, Text(nullification, Event + "/h:id[@root='2.16.840.1.113883.3.989.2.1.3.2']/@extension"));
        await Pv.PostAsync($"/api/safety/sae/{aeId}/follow-up-reports", new JsonObject
        {
            ["receivedOn"] = "2026-11-29",
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "late",
        }, 409);
        // A fatal SUSAR owes a complete report, but not once nullified.
        var nullified = (await Pv.GetJsonAsync($"/api/safety/sae/{aeId}"))["clock"]!;
        Assert.Null(nullified["completeReportDueOn"]);
        Assert.False(nullified["overdue"]!.GetValue<bool>());
        await Pv.PostAsync($"/api/safety/sae/{aeId}/submissions", new JsonObject
        {
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "C-1",
            ["kind"] = "complete",
        }, 409);

        var reports = (await Pv.GetJsonAsync($"/api/safety/sae/{aeId}"))["reports"]!.AsArray();
        Assert.Equal(["initial", "follow-up", "amendment", "nullification"], reports.Select(r => r!["kind"]!.GetValue<string>()));

        // The CIOMS I form of version 1, read back.
        var pdf = await BytesAsync($"/api/safety/sae/{aeId}/cioms?version=1", "application/pdf");
        using (var document = UglyToad.PdfPig.PdfDocument.Open(pdf))
        {
            var text = string.Concat(document.GetPages().Select(p => p.Text)).Replace(" ", "", StringComparison.Ordinal);
            Assert.Contains(caseId, text);
            Assert.Contains("FR01-0007", text);
            Assert.Contains("capillaryleaksyndrome", text);
            Assert.Contains("aldesleukin", text);
        }

        Assert.True(await Poll.UntilAsync(async () => (await App.Admin.GetJsonArrayAsync("/api/audit?userId=pv-case"))
            .Count(a => a!["action"]!.GetValue<string>() == "case-report") >= 6, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task the_case_page_s_actions_refuse_what_the_case_s_step_does_not_allow_and_name_each_bad_field()
    {
        var aeId = await FatalSusarAsync();

        await Pv.PostAsync($"/api/safety/sae/{aeId}/follow-up-reports", new JsonObject
        {
            ["receivedOn"] = "2026-11-29",
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "too early",
        }, 409);
        await Pv.PostAsync($"/api/safety/sae/{aeId}/amendments", new JsonObject
        {
            ["submittedOn"] = "2026-11-29",
            ["authority"] = "ANSM",
            ["reference"] = "too early",
            ["reason"] = "recoded",
        }, 409);
        var bad = await (await Pv.PostAsync($"/api/safety/sae/{aeId}/follow-up-reports", new JsonObject
        {
            ["receivedOn"] = "2026-11-30",
            ["submittedOn"] = "2026-11-20",
        }, 400)).ValidationErrorsAsync();
        Assert.Equal(["authority", "receivedOn", "reference", "submittedOn"], bad.Keys.Order());
        var empty = await (await Pv.PostAsync($"/api/safety/sae/{aeId}/narratives", new JsonObject { ["text"] = "  " }, 400))
            .ValidationErrorsAsync();
        Assert.Contains("text", empty.Keys);
        // A character no XML report may hold is refused at the door (it would make the case's E2B unwritable).
        await Pv.PostAsync($"/api/safety/sae/{aeId}/narratives", new JsonObject { ["text"] = "fever \uFFFF" }, 400);
        await Pv.PostAsync($"/api/safety/sae/{aeId}/narratives", new JsonObject { ["text"] = new string('x', 20_001) }, 400);
        await Pv.GetAsync($"/api/safety/sae/{Guid.NewGuid()}", 404);
        await Pv.GetAsync($"/api/safety/sae/{Guid.NewGuid()}/e2b", 404);
        await Pv.GetAsync($"/api/safety/sae/{aeId}/cioms?version=1", 400);
    }

    [Fact]
    public async Task the_tabulations_are_as_of_the_period_s_end_and_a_later_correction_does_not_change_them()
    {
        var aeId = await FatalSusarAsync();
        App.Clock.Advance(TimeSpan.FromDays(1));
        // 2026-11-30: the site judges the death unrelated; the tabulation to 2026-11-29 must not change.
        await Nurse.PostAsync($"/api/patients/{_patientId}/corrections", new JsonObject
        {
            ["entryId"] = aeId,
            ["changes"] = new JsonObject { ["causality"] = "unlikely" },
            ["reasonCode"] = "transcription-error",
            ["reason"] = "autopsy: unrelated",
        }, 201);
        App.Clock.Advance(TimeSpan.FromDays(2));

        var before = await BytesAsync("/api/safety/tabulations/serious-reactions?to=2026-11-29", "text/csv");
        var lines = System.Text.Encoding.UTF8.GetString(before).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("soc_code,pt_code,term,standalone,addon,total,unexpected,fatal", lines[0].TrimEnd('\r'));
        Assert.Equal("10047065,10007196,capillary leak syndrome,1,0,1,1,1", lines[1].TrimEnd('\r'));
        Assert.Equal(before, await BytesAsync("/api/safety/tabulations/serious-reactions?to=2026-11-29", "text/csv"));
        var after = System.Text.Encoding.UTF8.GetString(await BytesAsync("/api/safety/tabulations/serious-reactions?to=2026-11-30", "text/csv"));
        Assert.Single(after.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var susars = System.Text.Encoding.UTF8.GetString(
            await BytesAsync("/api/safety/tabulations/susars?from=2026-11-01&to=2026-11-29", "text/csv"));
        Assert.Contains("FR01-0007", susars);
        Assert.Contains("capillary leak syndrome", susars);
        Assert.DoesNotContain("FR01-0007",
            System.Text.Encoding.UTF8.GetString(await BytesAsync("/api/safety/tabulations/susars?from=2026-11-01&to=2026-11-30", "text/csv")));
        var pdf = await BytesAsync("/api/safety/tabulations/susars?from=2026-11-01&to=2026-11-29&format=pdf", "application/pdf");
        using (var document = UglyToad.PdfPig.PdfDocument.Open(pdf))
        {
            var text = string.Concat(document.GetPages().Select(p => p.Text));
            Assert.Contains("Line listing of SUSARs", text);
            Assert.Contains("FR01-0007", text);
        }

        foreach (var (query, field) in new[]
        {
            ("serious-reactions?to=2026-12-02", "to"), ("serious-reactions", "to"), ("serious-reactions?to=2026-11-29&format=xlsx", "format"),
            ("susars?to=2026-11-29", "from"), ("susars?from=2026-11-30&to=2026-11-29", "from"),
        })
        {
            var problem = await Pv.GetAsync($"/api/safety/tabulations/{query}", 400);
            Assert.Contains(field, (await problem.ValidationErrorsAsync()).Keys);
        }
    }
}
