using System.Globalization;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Safety.Reports;
using UglyToad.PdfPig;

namespace Registry.Tests.Safety;

/// <summary>
/// The CIOMS I form, read back from the PDF with PdfPig: the boxes hold the case's values, long text continues on a
/// continuation sheet, a nullification says so. PdfPig splits and joins words its own way, so texts are compared without
/// their whitespace.
/// </summary>
public sealed class CiomsFormTests
{
    private const string CaseId = "FR-LOWDOSEIL2REGISTRY-6f1c2b7e9a0d4e55b3c8a1f2d4e6b7c9";
    private const string LastSentence = "The site closed the case after the autopsy report confirmed the capillary leak.";
    private const string NullificationReason = "The site reassessed the causality as unlikely: the reaction was due to sepsis.";

    private static IcsrCase FatalSusar(IcsrReportKind kind = IcsrReportKind.FollowUp, string? nullificationReason = null) => new(
        AdverseEventId: Guid.Parse("6f1c2b7e-9a0d-4e55-b3c8-a1f2d4e6b7c9"),
        SafetyReportId: CaseId,
        WorldwideCaseId: CaseId,
        Version: 2,
        Kind: kind,
        FirstReceivedOn: new DateOnly(2026, 3, 16),
        MostRecentReceivedOn: new DateOnly(2026, 3, 20),
        CreatedAt: new DateTimeOffset(2026, 3, 21, 9, 30, 0, TimeSpan.Zero),
        AsOfSequence: 42,
        NullificationReason: nullificationReason,
        Sender: new IcsrSender("Low-dose IL-2 Registry", "FR", "Low-dose interleukin-2 registry", "EUPAS12345"),
        Source: new IcsrPrimarySource("FR01", "Hopital Saint-Louis", "FR"),
        Patient: new IcsrPatient("FR01-0042", 54, Sex.Female, "sle", "Systemic lupus erythematosus", TherapyLine.Addon,
            new DateOnly(2026, 3, 14)),
        Reaction: new IcsrReaction("Capillary leak syndrome", "10007196", "10047065", new PartialDate(2026, 3), null, 5,
            [SeriousCriterion.Death, SeriousCriterion.Hospitalisation], AeOutcome.Fatal, Causality.Probable, false,
            ActionTaken.Withdrawn),
        Tests:
        [
            new IcsrTest(new DateOnly(2026, 1, 5), "Regulatory T cells (CD4+CD25+FOXP3+) in CD4+ T cells", 6.2m, "%"),
            new IcsrTest(new DateOnly(2026, 2, 2), "Regulatory T cells (CD4+CD25+FOXP3+) in CD4+ T cells", 9.75m, "%"),
            new IcsrTest(new DateOnly(2026, 2, 2), "Conventional T cells in CD4+ T cells", 61.4m, "%"),
        ],
        Doses:
        [
            .. Enumerable.Range(0, 6).Select(i =>
                new IcsrDose(new DateOnly(2026, 1, 5).AddDays(i * 7), 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", "L2409A")),
        ],
        Concomitants:
        [
            new IcsrConcomitant("Hydroxychloroquine", DrugClass.Csdmard, 400m, "mg/day", new PartialDate(2024), null),
            new IcsrConcomitant("Prednisone", DrugClass.Corticosteroid, 5m, "mg/day", new PartialDate(2025, 6),
                new PartialDate(2026, 2, 1)),
        ],
        Narrative: Narrative(),
        SenderComment: "Reported from an observational registry of low-dose interleukin-2.");

    /// <summary>A narrative far longer than box 7+13: it must wrap and go on on the continuation sheet.</summary>
    private static string Narrative()
    {
        var sentences = Enumerable.Range(1, 45).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"Day {i} of the follow-up: the team reviewed the oedema, the weight gain and the albumin, and adjusted the fluids."));
        return string.Join(' ', sentences) + "\n\n" + LastSentence;
    }

    private static string Compact(string text) => new string([.. text.Where(ch => !char.IsWhiteSpace(ch))]);

    /// <summary>The text (whitespace removed) of every page, of page 1, of the continuation sheets; the page count; the title.</summary>
    private static (string All, string First, string Continued, int Pages, string? Title) Read(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        var pages = document.GetPages().Select(p => Compact(p.Text)).ToList();
        return (string.Concat(pages), pages[0], string.Concat(pages.Skip(1)), document.NumberOfPages, document.Information.Title);
    }

    [Fact]
    public void the_form_holds_the_case_and_the_narrative_continues_on_a_second_page()
    {
        var pdf = CiomsForm.Render(FatalSusar());
        var (all, first, continued, pages, title) = Read(pdf);

        Assert.Equal($"CIOMS I – {CaseId} v2", title);
        Assert.True(pages >= 2, $"The long narrative should continue on a second page; the PDF has {pages} page(s).");
        foreach (var expected in new[]
        {
            CaseId,
            "1. PATIENT: SUBJECT CODE (initials masked)",
            "FR01-0042",
            "not kept: age at onset given",
            "54 years",
            "Female",
            "Capillary leak syndrome",
            "Onset: 2026-03 (day not known)",
            "Day UNK Month 03 Year 2026",
            "[X] PATIENT DIED",
            "[X] INVOLVED OR PROLONGED INPATIENT HOSPITALISATION",
            "[ ] LIFE THREATENING",
            "Worst CTCAE grade: 5.",
            "Outcome: fatal",
            "probable/likely",
            "unexpected. SUSAR: yes.",
            "2026-01-05 Regulatory T cells (CD4+CD25+FOXP3+) in CD4+ T cells: 6.2 %",
            "aldesleukin (interleukin-2, IL-2); batch no.: L2409A",
            "2026-01-05: 1,000,000 IU (1 MIU), subcutaneous",
            "Systemic lupus erythematosus (sle)",
            "Hydroxychloroquine (csDMARD), 400 mg/day: from 2024 to ongoing",
            "add-on to other immunomodulating drugs",
            "[ ] INITIAL",
            "[X] FOLLOW-UP (version 2)",
        })
        {
            Assert.Contains(Compact(expected), all);
        }

        Assert.DoesNotContain(Compact(LastSentence), first);
        Assert.Contains(Compact(LastSentence), continued);
        Assert.Contains(Compact("Continuation of box 7+13"), continued);
        Assert.DoesNotContain("NULLIFICATION", all);
    }

    [Fact]
    public void a_nullification_says_so_with_its_reason()
    {
        var pdf = CiomsForm.Render(FatalSusar(IcsrReportKind.Nullification, NullificationReason));
        var all = Read(pdf).All;

        Assert.Contains("NULLIFICATION", all);
        Assert.Contains(Compact(NullificationReason), all);
        Assert.Contains(Compact("[X] NULLIFICATION (version 2)"), all);
        Assert.Contains(Compact("[ ] FOLLOW-UP"), all);
        Assert.Contains(Compact(CaseId), all);
    }

    [Fact]
    public void forms_render_in_parallel_with_the_one_global_font_resolver()
    {
        var c = FatalSusar();
        var pdfs = new byte[8][];

        Parallel.For(0, pdfs.Length, i => pdfs[i] = CiomsForm.Render(c));

        Assert.All(pdfs, pdf => Assert.Contains(Compact("[X] PATIENT DIED"), Read(pdf).All));
    }

    [Fact]
    public void the_same_case_renders_to_the_same_bytes()
    {
        Assert.Equal(CiomsForm.Render(FatalSusar()), CiomsForm.Render(FatalSusar()));
        var rows = new List<string[]> { new[] { "10047065", "10007196", "capillary leak syndrome", "1" } };
        var at = new DateTimeOffset(2026, 11, 30, 23, 59, 59, TimeSpan.Zero);
        Assert.Equal(TablePdf.Render("t", "s", ["soc", "pt", "term", "n"], rows, at), TablePdf.Render("t", "s", ["soc", "pt", "term", "n"], rows, at));
    }
}
