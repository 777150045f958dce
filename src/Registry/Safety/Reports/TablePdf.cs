using System.Globalization;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Registry.Safety.Reports;

/// <summary>
/// A table as a PDF (the periodic tabulations): A4 landscape, a title and a line saying what it holds, the header repeated on
/// each page, each cell's text wrapped within its column (columns sized by their contents), pages numbered.
/// </summary>
public static class TablePdf
{
    private const double Margin = 36;
    private const double FontSize = 7.5;
    private const double Padding = 2;

    /// <param name="at">The table's own time (a period's end): with the contents, what makes the same table the same bytes.</param>
    public static byte[] Render(
        string title, string subtitle, IReadOnlyList<string> header, IReadOnlyList<string[]> rows, DateTimeOffset at)
    {
        ReportFonts.EnsureRegistered();
        using var document = new PdfDocument();
        document.Info.Title = title;
        ReportPdf.Stamp(document, string.Join("\u001f", new[] { title, subtitle }.Concat(header).Concat(rows.SelectMany(r => r))), at);
        var font = new XFont(ReportFonts.Family, FontSize, XFontStyleEx.Regular);
        var bold = new XFont(ReportFonts.Family, FontSize, XFontStyleEx.Bold);
        var titleFont = new XFont(ReportFonts.Family, 13, XFontStyleEx.Bold);
        var lineHeight = FontSize * 1.25;

        PdfPage NewPage() => document.AddPage(new PdfPage { Size = PageSize.A4, Orientation = PageOrientation.Landscape });

        var page = NewPage();
        var width = page.Width.Point - (2 * Margin);
        var widths = Widths(header, rows, width);
        var gfx = XGraphics.FromPdfPage(page);
        var y = Margin;
        gfx.DrawString(title, titleFont, XBrushes.Black, new XPoint(Margin, y + 13));
        y += 20;
        foreach (var line in Wrap(gfx, subtitle, font, width))
        {
            gfx.DrawString(line, font, XBrushes.Black, new XPoint(Margin, y + FontSize));
            y += lineHeight;
        }

        y += 6;
        var pages = 1;
        double DrawRow(XGraphics g, IReadOnlyList<string> cells, XFont f, double top, bool shade)
        {
            var wrapped = cells.Select((c, i) => Wrap(g, c, f, widths[i] - (2 * Padding))).ToList();
            var height = (wrapped.Max(w => Math.Max(1, w.Count)) * lineHeight) + (2 * Padding);
            if (shade)
            {
                g.DrawRectangle(XBrushes.LightGray, Margin, top, width, height);
            }

            var x = Margin;
            for (var i = 0; i < cells.Count; i++)
            {
                var lineTop = top + Padding;
                foreach (var line in wrapped[i])
                {
                    g.DrawString(line, f, XBrushes.Black, new XPoint(x + Padding, lineTop + FontSize));
                    lineTop += lineHeight;
                }

                x += widths[i];
            }

            g.DrawLine(XPens.Gray, Margin, top + height, Margin + width, top + height);
            return height;
        }

        double Height(XGraphics g, IReadOnlyList<string> cells) =>
            (cells.Select((c, i) => Wrap(g, c, font, widths[i] - (2 * Padding)).Count).Max() * lineHeight) + (2 * Padding);

        y += DrawRow(gfx, header, bold, y, true);
        if (rows.Count == 0)
        {
            gfx.DrawString("No rows.", font, XBrushes.Black, new XPoint(Margin, y + lineHeight));
        }

        foreach (var row in rows)
        {
            if (y + Height(gfx, row) > page.Height.Point - Margin - 12)
            {
                gfx.Dispose();
                page = NewPage();
                pages++;
                gfx = XGraphics.FromPdfPage(page);
                y = Margin;
                y += DrawRow(gfx, header, bold, y, true);
            }

            y += DrawRow(gfx, row, font, y, false);
        }

        gfx.Dispose();
        for (var i = 0; i < document.PageCount; i++)
        {
            using var g = XGraphics.FromPdfPage(document.Pages[i]);
            var text = string.Create(CultureInfo.InvariantCulture, $"{title} · page {i + 1} of {pages}");
            g.DrawString(text, font, XBrushes.Gray, new XPoint(Margin, document.Pages[i].Height.Point - (Margin / 2)));
        }

        return ReportPdf.Save(document);
    }

    /// <summary>Column widths in proportion to their longest text (header included), each at least a sixteenth of the page.</summary>
    private static double[] Widths(IReadOnlyList<string> header, IReadOnlyList<string[]> rows, double width)
    {
        var lengths = header.Select((h, i) => Math.Clamp(
            rows.Select(r => r[i].Length).Append(h.Length).Max(), 4, 40)).Select(l => (double)l).ToArray();
        var total = lengths.Sum();
        var widths = lengths.Select(l => Math.Max(width / 16, width * l / total)).ToArray();
        var scale = width / widths.Sum();
        return [.. widths.Select(w => w * scale)];
    }

    /// <summary>The text in lines no wider than <paramref name="width"/> (a word longer than the line is cut).</summary>
    private static List<string> Wrap(XGraphics gfx, string text, XFont font, double width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (gfx.MeasureString(candidate, font).Width <= width)
                {
                    line = candidate;
                    continue;
                }

                if (line.Length > 0)
                {
                    lines.Add(line);
                }

                line = word;
                while (line.Length > 1 && gfx.MeasureString(line, font).Width > width)
                {
                    var cut = line.Length - 1;
                    while (cut > 1 && gfx.MeasureString(line[..cut], font).Width > width)
                    {
                        cut--;
                    }

                    lines.Add(line[..cut]);
                    line = line[cut..];
                }
            }

            lines.Add(line);
        }

        return lines;
    }
}
