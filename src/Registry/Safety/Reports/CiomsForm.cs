using System.Globalization;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using Registry.Patients;

namespace Registry.Safety.Reports;

/// <summary>
/// The CIOMS I form ("Suspect adverse reaction report", Council for International Organizations of Medical Sciences) of one
/// version of a case, for the recipients that take no E2B: the form's numbered boxes, sections I to IV, on an A4 page; text
/// that does not fit its box (the description, the doses, the history...) goes on continuation sheets, box by box.
/// De-identified as the case is: the subject code stands in box 1 in place of the initials (masked), and box 2 gives no
/// date of birth (the registry keeps none; box 2a gives the age at onset).
/// </summary>
public static class CiomsForm
{
    private const double Margin = 28;
    private const double Pad = 2.5;
    private const double Leading = 1.2;
    private const double TitleHeight = 30;
    private const double SectionHeight = 11;
    private const double FooterHeight = 16;
    private const double ContinuationHeaderHeight = 26;

    // Row heights of page 1 (points); box 7+13 takes the rest of the page.
    private const double RowA = 44;
    private const double Row14 = 34;
    private const double Row15 = 60;
    private const double Row17 = 24;
    private const double Row18 = 26;
    private const double Row22 = 48;
    private const double Row23 = 36;
    private const double Row24a = 58;
    private const double Row26 = 42;
    private const double Row24b = 26;
    private const double Row24c = 37;

    private const string Continues = "(continued on the continuation sheet)";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly XColor SectionShade = XColor.FromArgb(225, 225, 225);
    private static readonly XColor BannerShade = XColor.FromArgb(255, 228, 225);

    /// <summary>
    /// Renders the form of <paramref name="c"/> as a PDF: page 1 is the form, continuation sheets follow when text overflows
    /// its box. The document's title is "CIOMS I – {worldwide case id} v{version}".
    /// </summary>
    /// <param name="c">The version of the case to render.</param>
    /// <returns>The PDF file's bytes.</returns>
    public static byte[] Render(IcsrCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        ReportFonts.EnsureRegistered();
        var fonts = new Typefaces();
        using var document = new PdfDocument();
        document.Info.Title = string.Create(Invariant, $"CIOMS I – {c.WorldwideCaseId} v{c.Version}");
        document.Info.Subject = "Suspect adverse reaction report (CIOMS I)";
        document.Info.Author = c.Sender.Organisation;
        document.Info.Creator = "IL-2 patient registry";
        ReportPdf.Stamp(document, string.Create(Invariant, $"cioms|{c.WorldwideCaseId}|{c.Version}|{c.CreatedAt:O}"), c.CreatedAt);

        var first = AddA4(document);
        var overflow = new List<Continued>();
        List<List<SheetLine>> sheets;
        using (var graphics = XGraphics.FromPdfPage(first))
        {
            var k = new Canvas(graphics, fonts);
            var width = first.Width.Point;
            var height = first.Height.Point;
            DrawForm(k, c, width, height, overflow);
            sheets = Paginate(k, overflow, width, height);
            Footer(k, c, width, height, 1, 1 + sheets.Count);
        }

        for (var i = 0; i < sheets.Count; i++)
        {
            var page = AddA4(document);
            using var graphics = XGraphics.FromPdfPage(page);
            var k = new Canvas(graphics, fonts);
            var width = page.Width.Point;
            var height = page.Height.Point;
            DrawContinuation(k, c, width, sheets[i]);
            Footer(k, c, width, height, i + 2, 1 + sheets.Count);
        }

        return ReportPdf.Save(document);
    }

    private static PdfPage AddA4(PdfDocument document)
    {
        var page = document.AddPage();
        page.Size = PageSize.A4;
        return page;
    }

    /// <summary>Page 1: the form's boxes, as the CIOMS I form lays them out.</summary>
    private static void DrawForm(Canvas k, IcsrCase c, double pageWidth, double pageHeight, List<Continued> overflow)
    {
        var f = k.Fonts;
        var x = Margin;
        var width = pageWidth - 2 * Margin;
        var y = Margin;

        k.Text("CIOMS FORM", f.Strong, x, y, width);
        k.Text("SUSPECT ADVERSE REACTION REPORT", f.Title, x, y, width, XStringFormats.TopCenter);
        k.Text("De-identified registry case: subject code in place of the initials, no date of birth.", f.Small, x, y + 16, width);
        k.Text(string.Create(Invariant, $"{KindWords(c.Kind)}, version {c.Version}, {c.CreatedAt.UtcDateTime:yyyy-MM-dd}"),
            f.Small, x, y + 16, width, XStringFormats.TopRight);
        y += TitleHeight;

        if (c.Kind == IcsrReportKind.Nullification)
        {
            y = Banner(k, c, x, y, width, overflow) + 4;
        }

        var left = Math.Round(width * 0.78, 1);
        var right = width - left;

        // I. Reaction information.
        y = Section(k, x, y, width, "I. REACTION INFORMATION");
        var fixedBelow = RowA + 3 * SectionHeight + Row14 + Row15 + Row17 + Row18 + Row22 + Row23 + Row24a + Row26 + FooterHeight;
        var rowB = Math.Max(60, pageHeight - Margin - fixedBelow - y);
        DrawRowA(k, c, x, y, left, overflow);
        Fill(k, Box(k, new XRect(x + left, y, right, RowA + rowB), "8-12. CHECK ALL APPROPRIATE TO ADVERSE REACTION"),
            Checks(c), f.Value, "boxes 8-12 (check all appropriate to adverse reaction)", overflow);
        Fill(k, Box(k, new XRect(x, y + RowA, left, rowB), "7+13. DESCRIBE REACTION(S) (including relevant tests/laboratory data)"),
            Describe(c), f.Value, "box 7+13 (describe reaction(s), including relevant tests/laboratory data)", overflow);
        y += RowA + rowB;

        // II. Suspect drug(s) information.
        y = Section(k, x, y, width, "II. SUSPECT DRUG(S) INFORMATION");
        var doses = c.Doses.OrderBy(d => d.GivenOn).ToList();
        var wide = Math.Round(left * 0.62, 1);
        Fill(k, Box(k, new XRect(x, y, left, Row14), "14. SUSPECT DRUG(S) (include generic name and batch no.)"),
            SuspectDrugs(doses), f.Value, "box 14 (suspect drug(s))", overflow);
        Fill(k, Box(k, new XRect(x, y + Row14, wide, Row15), "15. DAILY DOSE(S)"),
            doses.Count == 0 ? ["No dose recorded."] : doses.Select(DoseLine), f.Value, "box 15 (daily dose(s))", overflow);
        Fill(k, Box(k, new XRect(x + wide, y + Row14, left - wide, Row15), "16. ROUTE(S) OF ADMINISTRATION"),
            [Routes(doses)], f.Value, "box 16 (route(s) of administration)", overflow);
        var (abated, abatedNote) = Dechallenge(c, doses);
        Fill(k, Box(k, new XRect(x + left, y, right, Row14 + Row15), "20. DID REACTION ABATE AFTER STOPPING DRUG?"),
            [YesNoNa(abated), string.Empty, abatedNote], f.Value, "box 20 (did reaction abate after stopping drug?)", overflow);
        y += Row14 + Row15;

        Fill(k, Box(k, new XRect(x, y, left, Row17), "17. INDICATION(S) FOR USE"),
            [$"{c.Patient.DiseaseName} ({c.Patient.DiseaseCode})"], f.Value, "box 17 (indication(s) for use)", overflow);
        Fill(k, Box(k, new XRect(x, y + Row17, wide, Row18), "18. THERAPY DATES (from/to)"),
            [TherapyDates(c, doses)], f.Value, "box 18 (therapy dates)", overflow);
        Fill(k, Box(k, new XRect(x + wide, y + Row17, left - wide, Row18), "19. THERAPY DURATION"),
            [TherapyDuration(doses)], f.Value, "box 19 (therapy duration)", overflow);
        Fill(k, Box(k, new XRect(x + left, y, right, Row17 + Row18), "21. DID REACTION REAPPEAR AFTER REINTRODUCTION?"),
            [YesNoNa(null), Rechallenge(c, doses)], f.Value, "box 21 (did reaction reappear after reintroduction?)", overflow);
        y += Row17 + Row18;

        // III. Concomitant drug(s) and history.
        y = Section(k, x, y, width, "III. CONCOMITANT DRUG(S) AND HISTORY");
        Fill(k, Box(k, new XRect(x, y, width, Row22),
                "22. CONCOMITANT DRUG(S) AND DATES OF ADMINISTRATION (exclude those used to treat reaction)"),
            Concomitants(c), f.Value, "box 22 (concomitant drug(s) and dates of administration)", overflow);
        Fill(k, Box(k, new XRect(x, y + Row22, width, Row23),
                "23. OTHER RELEVANT HISTORY (e.g. diagnostics, allergies, pregnancy with last month of period, etc.)"),
            History(c), f.Value, "box 23 (other relevant history)", overflow);
        y += Row22 + Row23;

        // IV. Manufacturer information.
        y = Section(k, x, y, width, "IV. MANUFACTURER INFORMATION");
        DrawSectionFour(k, c, x, y, width, overflow);
    }

    /// <summary>The nullification banner under the title; returns where the form goes on.</summary>
    private static double Banner(Canvas k, IcsrCase c, double x, double y, double width, List<Continued> overflow)
    {
        var f = k.Fonts;
        var reason = string.IsNullOrWhiteSpace(c.NullificationReason) ? "no reason given." : c.NullificationReason.Trim();
        string[] text =
        [
            string.Create(Invariant,
                $"This report (version {c.Version}) nullifies case {c.WorldwideCaseId}: it should not have been reported."),
            $"Reason: {reason}",
        ];
        var inner = width - 2 * Pad - 4;
        var lines = text.SelectMany(SplitParagraphs).Sum(t => k.Wrap(t, f.Value, inner).Count);
        var shown = Math.Min(lines, 4);
        var height = 2 * Pad + 4 + LineHeight(f.Banner) + shown * LineHeight(f.Value);
        var r = new XRect(x, y, width, height);
        k.Shade(r, BannerShade);
        k.Frame(r, 1.5);
        k.Text("NULLIFICATION", f.Banner, x + Pad + 2, y + Pad + 2, inner);
        var area = new XRect(x + Pad + 2, y + Pad + 2 + LineHeight(f.Banner), inner, shown * LineHeight(f.Value) + 0.5);
        Fill(k, area, text, f.Value, "the nullification (reason)", overflow);
        return y + height;
    }

    /// <summary>Boxes 1 to 4-6, left of boxes 8-12.</summary>
    private static void DrawRowA(Canvas k, IcsrCase c, double x, double y, double left, List<Continued> overflow)
    {
        var f = k.Fonts;
        double[] share = [0.25, 0.09, 0.17, 0.09, 0.10];
        var w = share.Select(s => Math.Round(left * s, 1)).ToArray();
        var cx = x;
        Fill(k, Box(k, new XRect(cx, y, w[0], RowA), "1. PATIENT: SUBJECT CODE (initials masked)"),
            [c.Patient.SubjectCode], f.Value, "box 1 (patient)", overflow);
        cx += w[0];
        Fill(k, Box(k, new XRect(cx, y, w[1], RowA), "1a. COUNTRY"), [c.Source.CountryCode], f.Value, "box 1a (country)", overflow);
        cx += w[1];
        Fill(k, Box(k, new XRect(cx, y, w[2], RowA), "2. DATE OF BIRTH"),
            ["not kept: age at onset given"], f.Value, "box 2 (date of birth)", overflow);
        cx += w[2];
        Fill(k, Box(k, new XRect(cx, y, w[3], RowA), "2a. AGE Years"),
            [c.Patient.AgeAtOnsetYears is { } age ? age.ToString(Invariant) : "unknown"], f.Value, "box 2a (age)", overflow);
        cx += w[3];
        Fill(k, Box(k, new XRect(cx, y, w[4], RowA), "3. SEX"), [SexWords(c.Patient.Sex)], f.Value, "box 3 (sex)", overflow);
        cx += w[4];

        var onsetBox = new XRect(cx, y, x + left - cx, RowA);
        var area = Box(k, onsetBox, "4-6. REACTION ONSET");
        var onset = c.Reaction.OnsetOn;
        string[] labels = ["Day", "Month", "Year"];
        string[] values =
        [
            onset.Day is { } d ? d.ToString("00", Invariant) : "UNK",
            onset.Month is { } m ? m.ToString("00", Invariant) : "UNK",
            onset.Year.ToString("0000", Invariant),
        ];
        var third = area.Width / 3;
        for (var i = 0; i < 3; i++)
        {
            var cellX = area.Left + i * third;
            if (i > 0)
            {
                k.Line(cellX - Pad / 2, area.Top, cellX - Pad / 2, onsetBox.Bottom);
            }

            k.Text(labels[i], f.Small, cellX, area.Top, third - Pad);
            k.Text(values[i], f.Value, cellX, area.Top + LineHeight(f.Small), third - Pad);
        }
    }

    /// <summary>Section IV: 24a and the reporter on the left; 24b, 24c, 24d, the date of the report and 25a on the right.</summary>
    private static void DrawSectionFour(Canvas k, IcsrCase c, double x, double y, double width, List<Continued> overflow)
    {
        var f = k.Fonts;
        var half = Math.Round(width / 2, 1);
        var right = width - half;
        var quarter = Math.Round(right / 2, 1);
        var s = c.Sender;
        List<string> sender =
        [
            s.Organisation,
            s.StudyRegistration is { } registration ? $"Study: {s.StudyName} ({registration})" : $"Study: {s.StudyName}",
            $"Country: {s.CountryCode}",
        ];
        Fill(k, Box(k, new XRect(x, y, half, Row24a), "24a. NAME AND ADDRESS OF MANUFACTURER / SENDER"),
            sender, f.Value, "box 24a (manufacturer / sender)", overflow);
        Fill(k, Box(k, new XRect(x, y + Row24a, half, Row26), "26. REPORTER (primary source)"),
            [$"{c.Source.SiteName} (site {c.Source.SiteId}), {c.Source.CountryCode}", "Health professional at the reporting site."],
            f.Value, "box 26 (reporter)", overflow);

        List<string> control = [c.WorldwideCaseId];
        if (!string.Equals(c.SafetyReportId, c.WorldwideCaseId, StringComparison.Ordinal))
        {
            control.Add($"Safety report id: {c.SafetyReportId}");
        }

        Fill(k, Box(k, new XRect(x + half, y, right, Row24b), "24b. MFR CONTROL NO. (worldwide unique case id)"),
            control, f.Value, "box 24b (MFR control no.)", overflow);
        var y2 = y + Row24b;
        Fill(k, Box(k, new XRect(x + half, y2, quarter, Row24c), "24c. DATE RECEIVED BY MANUFACTURER"),
            [
                string.Create(Invariant, $"{c.MostRecentReceivedOn:yyyy-MM-dd} (latest)"),
                string.Create(Invariant, $"first: {c.FirstReceivedOn:yyyy-MM-dd}"),
            ],
            f.Small, "box 24c (date received by manufacturer)", overflow);
        Fill(k, Box(k, new XRect(x + half + quarter, y2, right - quarter, Row24c), "24d. REPORT SOURCE"),
            [$"{Tick(true)} STUDY", $"{Tick(false)} LITERATURE", $"{Tick(true)} HEALTH PROFESSIONAL"],
            f.Small, "box 24d (report source)", overflow);
        var y3 = y2 + Row24c;
        var last = Row24a + Row26 - Row24b - Row24c;
        Fill(k, Box(k, new XRect(x + half, y3, quarter, last), "DATE OF THIS REPORT"),
            [string.Create(Invariant, $"{c.CreatedAt.UtcDateTime:yyyy-MM-dd}")], f.Small, "the date of this report", overflow);
        Fill(k, Box(k, new XRect(x + half + quarter, y3, right - quarter, last), "25a. REPORT TYPE"),
            ReportType(c), f.Small, "box 25a (report type)", overflow);
    }

    /// <summary>The continuation sheet's header: what it continues, and the case.</summary>
    private static void DrawContinuation(Canvas k, IcsrCase c, double pageWidth, IReadOnlyList<SheetLine> lines)
    {
        var f = k.Fonts;
        var x = Margin;
        var width = pageWidth - 2 * Margin;
        k.Text("CIOMS FORM – SUSPECT ADVERSE REACTION REPORT: CONTINUATION SHEET", f.Strong, x, Margin, width);
        var nullified = c.Kind == IcsrReportKind.Nullification ? " – NULLIFICATION" : string.Empty;
        k.Text(string.Create(Invariant, $"Case {c.WorldwideCaseId}, version {c.Version} ({KindWords(c.Kind)}){nullified}"),
            f.Small, x, Margin + LineHeight(f.Strong) + 1, width);
        k.Line(x, Margin + ContinuationHeaderHeight - 4, x + width, Margin + ContinuationHeaderHeight - 4);
        foreach (var line in lines)
        {
            k.Text(line.Text, line.Heading ? f.Strong : f.Value, x, line.Top, width);
        }
    }

    /// <summary>Lays the overflowing text out on continuation sheets: each box's heading, then its text, page after page.</summary>
    private static List<List<SheetLine>> Paginate(Canvas k, List<Continued> overflow, double pageWidth, double pageHeight)
    {
        var sheets = new List<List<SheetLine>>();
        if (overflow.Count == 0)
        {
            return sheets;
        }

        var f = k.Fonts;
        var width = pageWidth - 2 * Margin;
        var top = Margin + ContinuationHeaderHeight;
        var bottom = pageHeight - Margin - FooterHeight;
        var headingHeight = LineHeight(f.Strong);
        var lineHeight = LineHeight(f.Value);
        var sheet = new List<SheetLine>();
        var y = top;
        foreach (var part in overflow)
        {
            var heading = k.Wrap($"Continuation of {part.Caption}", f.Strong, width);
            var gap = y > top ? 6 : 0;
            if (y > top && y + gap + heading.Count * headingHeight + lineHeight > bottom)
            {
                sheets.Add(sheet);
                sheet = [];
                y = top;
                gap = 0;
            }

            y += gap;
            foreach (var line in heading)
            {
                sheet.Add(new SheetLine(line.Text, true, y));
                y += headingHeight;
            }

            foreach (var paragraph in part.Paragraphs)
            {
                foreach (var line in k.Wrap(paragraph, f.Value, width))
                {
                    if (y + lineHeight > bottom)
                    {
                        sheets.Add(sheet);
                        sheet = [];
                        y = top;
                    }

                    sheet.Add(new SheetLine(line.Text, false, y));
                    y += lineHeight;
                }
            }
        }

        sheets.Add(sheet);
        return sheets;
    }

    private static void Footer(Canvas k, IcsrCase c, double pageWidth, double pageHeight, int page, int pages)
    {
        var x = Margin;
        var width = pageWidth - 2 * Margin;
        var y = pageHeight - Margin - FooterHeight + 5;
        k.Line(x, y - 2, x + width, y - 2);
        k.Text(string.Create(Invariant, $"CIOMS I | {c.WorldwideCaseId} v{c.Version} | {KindWords(c.Kind)}"), k.Fonts.Small, x, y, width);
        k.Text(string.Create(Invariant, $"Confidential | page {page} of {pages}"), k.Fonts.Small, x, y, width, XStringFormats.TopRight);
    }

    private static double Section(Canvas k, double x, double y, double width, string title)
    {
        var r = new XRect(x, y, width, SectionHeight);
        k.Shade(r, SectionShade);
        k.Frame(r);
        k.Text(title, k.Fonts.Section, x + Pad, y + 1.2, width - 2 * Pad);
        return y + SectionHeight;
    }

    /// <summary>Draws a box's frame and its caption; returns the area left for its content.</summary>
    private static XRect Box(Canvas k, XRect r, string caption)
    {
        k.Frame(r);
        var font = k.Fonts.Caption;
        var y = r.Top + Pad;
        foreach (var line in k.Wrap(caption, font, r.Width - 2 * Pad))
        {
            k.Text(line.Text, font, r.Left + Pad, y, r.Width - 2 * Pad);
            y += LineHeight(font);
        }

        y += 1;
        return new XRect(r.Left + Pad, y, r.Width - 2 * Pad, Math.Max(0, r.Bottom - Pad - y));
    }

    /// <summary>
    /// Writes <paramref name="texts"/> (one paragraph each; line breaks in them start new paragraphs) in
    /// <paramref name="area"/>, wrapped. What does not fit goes to <paramref name="overflow"/> under <paramref name="caption"/>,
    /// and the box's last line says so.
    /// </summary>
    private static void Fill(
        Canvas k, XRect area, IEnumerable<string> texts, XFont font, string caption, List<Continued> overflow)
    {
        var paragraphs = texts.SelectMany(SplitParagraphs).ToList();
        var lineHeight = LineHeight(font);
        var lines = new List<(WrappedLine Line, int Paragraph)>();
        for (var p = 0; p < paragraphs.Count; p++)
        {
            foreach (var line in k.Wrap(paragraphs[p], font, area.Width))
            {
                lines.Add((line, p));
            }
        }

        var capacity = (int)Math.Floor((area.Height + 0.01) / lineHeight);
        var shown = lines.Count <= capacity ? lines.Count : Math.Max(0, capacity - 1);
        for (var i = 0; i < shown; i++)
        {
            k.Text(lines[i].Line.Text, font, area.Left, area.Top + i * lineHeight, area.Width);
        }

        if (shown == lines.Count)
        {
            return;
        }

        if (capacity > 0)
        {
            k.Text(Continues, k.Fonts.Caption, area.Left, area.Top + shown * lineHeight, area.Width);
        }

        var (rest, paragraph) = lines[shown];
        List<string> remaining = [paragraphs[paragraph][rest.Start..], .. paragraphs.Skip(paragraph + 1)];
        overflow.Add(new Continued(caption, remaining));
    }

    /// <summary>
    /// Wraps one paragraph to <paramref name="width"/> at spaces (a word wider than a line is cut where it must), each line
    /// with where it starts in the paragraph. A blank paragraph is one empty line.
    /// </summary>
    private static List<WrappedLine> Wrap(string text, double width, Func<string, double> measure)
    {
        var lines = new List<WrappedLine>();
        var start = SkipSpaces(text, 0);
        if (start == text.Length)
        {
            lines.Add(new WrappedLine(string.Empty, text.Length));
            return lines;
        }

        while (start < text.Length)
        {
            var end = start;
            var next = start;
            while (next < text.Length)
            {
                var wordEnd = text.IndexOf(' ', next);
                if (wordEnd < 0)
                {
                    wordEnd = text.Length;
                }

                if (measure(text[start..wordEnd]) <= width)
                {
                    end = wordEnd;
                    next = SkipSpaces(text, wordEnd);
                    continue;
                }

                if (end == start)
                {
                    end = LongestFit(text, start, wordEnd, width, measure);
                }

                break;
            }

            lines.Add(new WrappedLine(text[start..end], start));
            start = SkipSpaces(text, end);
        }

        return lines;
    }

    /// <summary>The end of the longest start of the word [start, wordEnd) that fits: at least one character (or surrogate pair).</summary>
    private static int LongestFit(string text, int start, int wordEnd, double width, Func<string, double> measure)
    {
        var end = start + (char.IsHighSurrogate(text[start]) && start + 1 < wordEnd ? 2 : 1);
        while (end < wordEnd)
        {
            var step = char.IsHighSurrogate(text[end]) && end + 1 < wordEnd ? 2 : 1;
            if (measure(text[start..(end + step)]) > width)
            {
                break;
            }

            end += step;
        }

        return end;
    }

    private static int SkipSpaces(string text, int i)
    {
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        return i;
    }

    /// <summary>The text's paragraphs: split at line breaks, tabs as spaces, other control characters left out.</summary>
    private static IEnumerable<string> SplitParagraphs(string text)
    {
        var clean = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace('\t', ' ');
        foreach (var part in clean.Split('\n'))
        {
            yield return new string([.. part.Where(ch => !char.IsControl(ch))]).TrimEnd();
        }
    }

    private static double LineHeight(XFont font) => font.Size * Leading;

    // ----- The boxes' contents -----

    /// <summary>Box 7+13: the reaction as coded and assessed, the tests (Treg), the narrative, the sender's comment.</summary>
    private static List<string> Describe(IcsrCase c)
    {
        var r = c.Reaction;
        var p = c.Patient;
        var coded = r.MeddraPtCode is { } pt
            ? $" (MedDRA PT {pt}{(r.MeddraSocCode is { } soc ? $", SOC {soc}" : string.Empty)})"
            : string.Empty;
        var precision = r.OnsetOn.IsFull ? string.Empty : r.OnsetOn.Month is null ? " (only the year is known)" : " (day not known)";
        var resolved = r.ResolvedOn is { } resolvedOn ? $"; resolved: {resolvedOn}" : string.Empty;
        var age = p.AgeAtOnsetYears is { } years ? string.Create(Invariant, $"{years} years at onset") : "age at onset unknown";
        var died = p.DiedOn is { } d ? string.Create(Invariant, $"; the patient died on {d:yyyy-MM-dd}") : string.Empty;
        var expected = r.Expected switch
        {
            true => "expected",
            false => "unexpected",
            null => "not yet assessed",
        };
        var lines = new List<string>
        {
            $"Reaction: {r.Term}{coded}.",
            $"Onset: {r.OnsetOn}{precision}{resolved}.",
            $"Patient: subject {p.SubjectCode}, {age}, {SexWords(p.Sex).ToLowerInvariant()}.",
            string.Create(Invariant, $"Worst CTCAE grade: {r.WorstGrade}."),
            r.SeriousCriteria.Count == 0
                ? "Seriousness: not serious."
                : $"Seriousness: serious ({string.Join("; ", r.SeriousCriteria.Select(s => Words(s)))}).",
            $"Outcome: {Words(r.Outcome)}{died}.",
            $"Causality (WHO-UMC, as the site assessed it): {(r.Causality is { } cause ? Words(cause) : "not yet assessed")}.",
            $"Expectedness (reference safety information): {expected}. SUSAR: {(c.Susar ? "yes" : "no")}.",
            $"Action taken with IL-2: {Words(r.ActionTaken)}.",
        };
        if (c.Tests.Count == 0)
        {
            lines.Add("Relevant tests/laboratory data: none recorded.");
        }
        else
        {
            lines.Add("Relevant tests/laboratory data:");
            lines.AddRange(c.Tests.OrderBy(t => t.On).Select(t =>
                string.Create(Invariant, $"{t.On:yyyy-MM-dd}  {t.Name}: {t.Value.ToString("0.####", Invariant)} {t.Unit}")));
        }

        lines.Add(string.Empty);
        if (string.IsNullOrWhiteSpace(c.Narrative))
        {
            lines.Add("Narrative: none written.");
        }
        else
        {
            lines.Add("Narrative:");
            lines.Add(c.Narrative.Trim());
        }

        if (!string.IsNullOrWhiteSpace(c.SenderComment))
        {
            lines.Add(string.Empty);
            lines.Add($"Sender's comment: {c.SenderComment.Trim()}");
        }

        return lines;
    }

    /// <summary>Boxes 8-12: the seriousness criteria ticked, one item each.</summary>
    private static List<string> Checks(IcsrCase c)
    {
        var r = c.Reaction;
        bool Has(SeriousCriterion s) => r.SeriousCriteria.Contains(s);
        var diedOn = c.Patient.DiedOn is { } d ? string.Create(Invariant, $" (on {d:yyyy-MM-dd})") : string.Empty;
        return
        [
            $"{Tick(Has(SeriousCriterion.Death) || r.Outcome == AeOutcome.Fatal)} PATIENT DIED{diedOn}",
            string.Empty,
            $"{Tick(Has(SeriousCriterion.Hospitalisation))} INVOLVED OR PROLONGED INPATIENT HOSPITALISATION",
            string.Empty,
            $"{Tick(Has(SeriousCriterion.Disability))} INVOLVED PERSISTENT OR SIGNIFICANT DISABILITY OR INCAPACITY",
            string.Empty,
            $"{Tick(Has(SeriousCriterion.LifeThreatening))} LIFE THREATENING",
            string.Empty,
            $"{Tick(Has(SeriousCriterion.CongenitalAnomaly))} CONGENITAL ANOMALY",
            string.Empty,
            $"{Tick(Has(SeriousCriterion.MedicallyImportant))} OTHER MEDICALLY IMPORTANT CONDITION",
            string.Empty,
            $"Serious: {(r.SeriousCriteria.Count > 0 ? "yes" : "no")}. SUSAR: {(c.Susar ? "yes" : "no")}.",
        ];
    }

    /// <summary>Box 14: each product given (interleukin-2), with its batches.</summary>
    private static List<string> SuspectDrugs(List<IcsrDose> doses)
    {
        if (doses.Count == 0)
        {
            return ["Interleukin-2 (IL-2): no dose recorded."];
        }

        return
        [
            .. doses.GroupBy(d => d.Product.Trim(), StringComparer.OrdinalIgnoreCase).Select(g =>
            {
                var lots = g.Select(d => d.Lot?.Trim()).OfType<string>().Where(l => l.Length > 0)
                    .Distinct(StringComparer.Ordinal).ToList();
                var batches = lots.Count == 0 ? "not recorded" : string.Join(", ", lots);
                return $"{g.Key} (interleukin-2, IL-2); batch no.: {batches}";
            }),
        ];
    }

    /// <summary>A line of box 15: the dose's date, its IU (and MIU) and its route.</summary>
    private static string DoseLine(IcsrDose d) =>
        string.Create(Invariant, $"{d.GivenOn:yyyy-MM-dd}: {d.DoseIu:N0} IU ({d.DoseIu / 1_000_000m:0.###} MIU), {Words(d.Route)}");

    private static string Routes(List<IcsrDose> doses) =>
        doses.Count == 0
            ? "Not applicable: no dose recorded."
            : string.Join(", ", doses.Select(d => d.Route).Distinct().Select(r => Words(r)));

    private static string TherapyDates(IcsrCase c, List<IcsrDose> doses)
    {
        if (doses.Count == 0)
        {
            return "No dose recorded.";
        }

        var to = c.Reaction.ActionTaken == ActionTaken.Withdrawn ? "IL-2 withdrawn" : "last dose recorded";
        return string.Create(Invariant, $"from {doses[0].GivenOn:yyyy-MM-dd} to {doses[^1].GivenOn:yyyy-MM-dd} ({to})");
    }

    private static string TherapyDuration(List<IcsrDose> doses)
    {
        if (doses.Count == 0)
        {
            return "Not applicable.";
        }

        var days = doses[^1].GivenOn.DayNumber - doses[0].GivenOn.DayNumber + 1;
        var dayWord = days == 1 ? "day" : "days";
        var doseWord = doses.Count == 1 ? "dose" : "doses";
        return string.Create(Invariant, $"{days} {dayWord}, {doses.Count} {doseWord}");
    }

    /// <summary>Box 20: yes when IL-2 was stopped and the reaction resolved or is resolving, no when it did not; else NA.</summary>
    private static (bool? Abated, string Note) Dechallenge(IcsrCase c, List<IcsrDose> doses)
    {
        var r = c.Reaction;
        if (doses.Count == 0 || r.ActionTaken is not (ActionTaken.Withdrawn or ActionTaken.Interrupted))
        {
            return (null, $"IL-2 not stopped (action taken: {Words(r.ActionTaken)}).");
        }

        var note = $"IL-2 {Words(r.ActionTaken)}; outcome: {Words(r.Outcome)}.";
        if (doses.Any(d => d.GivenOn > r.OnsetOn.Last))
        {
            // Given again after the onset: what followed the stop is not a clean dechallenge (the narrative tells it).
            return (null, note + " IL-2 was given again: see 7+13.");
        }

        return r.Outcome switch
        {
            AeOutcome.Recovered or AeOutcome.Recovering or AeOutcome.RecoveredWithSequelae => (true, note),
            AeOutcome.NotRecovered => (false, note),
            _ => (null, note),
        };
    }

    /// <summary>Box 21's note: whether IL-2 was given again after the onset (the recurrence is the narrative's to tell).</summary>
    private static string Rechallenge(IcsrCase c, List<IcsrDose> doses)
    {
        var after = doses.FirstOrDefault(d => d.GivenOn > c.Reaction.OnsetOn.Last);
        return c.Reaction.ActionTaken is ActionTaken.Interrupted or ActionTaken.Withdrawn && after is not null
            ? string.Create(Invariant, $"IL-2 resumed {after.GivenOn:yyyy-MM-dd}: see 7+13.")
            : "IL-2 not reintroduced.";
    }

    /// <summary>Box 22: each concomitant drug, its class and dose, from when to when (as known).</summary>
    private static List<string> Concomitants(IcsrCase c)
    {
        if (c.Concomitants.Count == 0)
        {
            return ["None recorded."];
        }

        return
        [
            .. c.Concomitants.Select(m =>
            {
                var dose = m.Dose is { } d ? $", {d.ToString("0.####", Invariant)} {m.Unit}".TrimEnd() : string.Empty;
                var from = m.StartedOn is { } s ? s.ToString() : "unknown";
                var to = m.StoppedOn is { } e ? e.ToString() : "ongoing";
                return $"{m.Drug} ({Words(m.DrugClass)}){dose}: from {from} to {to}";
            }),
        ];
    }

    /// <summary>Box 23: the disease (IL-2's indication) and the therapy line.</summary>
    private static List<string> History(IcsrCase c)
    {
        var line = c.Patient.TherapyLine switch
        {
            TherapyLine.Standalone => "stand-alone (no other immunomodulating drug)",
            TherapyLine.Addon => "add-on to other immunomodulating drugs",
            _ => c.Patient.TherapyLine.ToString(),
        };
        return
        [
            $"{c.Patient.DiseaseName} ({c.Patient.DiseaseCode}): the indication for IL-2.",
            $"Therapy line: IL-2 {line}.",
        ];
    }

    /// <summary>Box 25a: initial, follow-up (with the version), or a nullification.</summary>
    private static List<string> ReportType(IcsrCase c)
    {
        var version = string.Create(Invariant, $" (version {c.Version})");
        List<string> lines =
        [
            $"{Tick(c.Kind == IcsrReportKind.Initial)} INITIAL",
            $"{Tick(c.Kind == IcsrReportKind.FollowUp)} FOLLOW-UP{(c.Kind == IcsrReportKind.FollowUp ? version : string.Empty)}",
        ];
        if (c.Kind == IcsrReportKind.Nullification)
        {
            lines.Add($"{Tick(true)} NULLIFICATION{version}");
        }

        if (c.Kind == IcsrReportKind.Amendment)
        {
            var reason = string.IsNullOrWhiteSpace(c.NullificationReason) ? "no reason given" : c.NullificationReason.Trim();
            lines.Add($"{Tick(true)} AMENDMENT{version}: {reason}");
        }

        return lines;
    }

    private static string Tick(bool ticked) => ticked ? "[X]" : "[ ]";

    private static string YesNoNa(bool? answer) =>
        $"{Tick(answer == true)} YES   {Tick(answer == false)} NO   {Tick(answer is null)} NA";

    private static string KindWords(IcsrReportKind kind) => kind switch
    {
        IcsrReportKind.Initial => "initial report",
        IcsrReportKind.FollowUp => "follow-up report",
        IcsrReportKind.Nullification => "nullification",
        IcsrReportKind.Amendment => "amendment",
        _ => kind.ToString(),
    };

    private static string SexWords(Sex sex) => sex switch
    {
        Sex.Female => "Female",
        Sex.Male => "Male",
        Sex.Other => "Other",
        Sex.Unknown => "Unknown",
        _ => sex.ToString(),
    };

    private static string Words(SeriousCriterion criterion) => criterion switch
    {
        SeriousCriterion.Death => "results in death",
        SeriousCriterion.LifeThreatening => "life threatening",
        SeriousCriterion.Hospitalisation => "requires or prolongs inpatient hospitalisation",
        SeriousCriterion.Disability => "persistent or significant disability or incapacity",
        SeriousCriterion.CongenitalAnomaly => "congenital anomaly or birth defect",
        SeriousCriterion.MedicallyImportant => "other medically important condition",
        _ => criterion.ToString(),
    };

    private static string Words(AeOutcome outcome) => outcome switch
    {
        AeOutcome.Recovering => "recovering/resolving",
        AeOutcome.Recovered => "recovered/resolved",
        AeOutcome.RecoveredWithSequelae => "recovered/resolved with sequelae",
        AeOutcome.NotRecovered => "not recovered/not resolved",
        AeOutcome.Fatal => "fatal",
        AeOutcome.Unknown => "unknown",
        _ => outcome.ToString(),
    };

    private static string Words(Causality causality) => causality switch
    {
        Causality.Certain => "certain",
        Causality.Probable => "probable/likely",
        Causality.Possible => "possible",
        Causality.Unlikely => "unlikely",
        Causality.Conditional => "conditional/unclassified",
        Causality.Unassessable => "unassessable/unclassifiable",
        _ => causality.ToString(),
    };

    private static string Words(ActionTaken action) => action switch
    {
        ActionTaken.None => "dose not changed",
        ActionTaken.DoseReduced => "dose reduced",
        ActionTaken.Interrupted => "interrupted",
        ActionTaken.Withdrawn => "withdrawn",
        _ => action.ToString(),
    };

    private static string Words(DoseRoute route) => route switch
    {
        DoseRoute.Subcutaneous => "subcutaneous",
        DoseRoute.Intravenous => "intravenous",
        DoseRoute.Intramuscular => "intramuscular",
        DoseRoute.Other => "other route",
        _ => route.ToString(),
    };

    private static string Words(DrugClass drugClass) => drugClass switch
    {
        DrugClass.Corticosteroid => "corticosteroid",
        DrugClass.Csdmard => "csDMARD",
        DrugClass.Bdmard => "bDMARD",
        DrugClass.JakInhibitor => "JAK inhibitor",
        DrugClass.Other => "other",
        _ => drugClass.ToString(),
    };

    /// <summary>A line of a wrapped paragraph, and where in the paragraph it starts.</summary>
    private readonly record struct WrappedLine(string Text, int Start);

    /// <summary>Text of a box that did not fit: the box's caption and the paragraphs left to write.</summary>
    private sealed record Continued(string Caption, IReadOnlyList<string> Paragraphs);

    /// <summary>A line of a continuation sheet: its text, whether it is a box's heading, and where it goes.</summary>
    private readonly record struct SheetLine(string Text, bool Heading, double Top);

    /// <summary>The fonts of the form (one set per rendering: PDFsharp's fonts are not shared across threads here).</summary>
    private sealed class Typefaces
    {
        public XFont Caption { get; } = new(ReportFonts.Family, 6, XFontStyleEx.Bold);

        public XFont Small { get; } = new(ReportFonts.Family, 6.5, XFontStyleEx.Regular);

        public XFont Value { get; } = new(ReportFonts.Family, 8, XFontStyleEx.Regular);

        public XFont Strong { get; } = new(ReportFonts.Family, 8, XFontStyleEx.Bold);

        public XFont Section { get; } = new(ReportFonts.Family, 7.5, XFontStyleEx.Bold);

        public XFont Title { get; } = new(ReportFonts.Family, 12, XFontStyleEx.Bold);

        public XFont Banner { get; } = new(ReportFonts.Family, 13, XFontStyleEx.Bold);
    }

    /// <summary>A page's graphics with the form's fonts: text in a line's box, frames, shades, rules, and wrapping.</summary>
    private sealed class Canvas(XGraphics graphics, Typefaces fonts)
    {
        public Typefaces Fonts => fonts;

        public List<WrappedLine> Wrap(string text, XFont font, double width) =>
            CiomsForm.Wrap(text, width, s => s.Length == 0 ? 0 : graphics.MeasureString(s, font).Width);

        public void Text(string text, XFont font, double x, double y, double width, XStringFormat? format = null)
        {
            if (text.Length == 0)
            {
                return;
            }

            graphics.DrawString(text, font, XBrushes.Black, new XRect(x, y, Math.Max(1, width), LineHeight(font)),
                format ?? XStringFormats.TopLeft);
        }

        public void Frame(XRect r, double thickness = 0.6) => graphics.DrawRectangle(new XPen(XColors.Black, thickness), r);

        public void Shade(XRect r, XColor color) => graphics.DrawRectangle(new XSolidBrush(color), r);

        public void Line(double x1, double y1, double x2, double y2) =>
            graphics.DrawLine(new XPen(XColors.Black, 0.4), x1, y1, x2, y2);
    }
}
