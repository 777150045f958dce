using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf;

namespace Registry.Safety.Reports;

/// <summary>
/// What makes a report's PDF the same bytes every time it is made from the same data: PDFsharp gives each new document a
/// random identifier, random font subset tags and metadata ids, and the current time; a report takes an identifier derived
/// from what it is, numbered tags and ids, and its own time.
/// </summary>
public static partial class ReportPdf
{
    /// <summary>
    /// The document's bytes, its embedded font subsets' tags (six random capitals before the font's name, PDF 32000 §9.6.4)
    /// replaced by tags numbered in order of appearance: the same length, so the cross-reference offsets stay right.
    /// </summary>
    public static byte[] Save(PdfDocument document)
    {
        using var stream = new MemoryStream();
        document.Save(stream, false);
        var text = Encoding.Latin1.GetString(stream.ToArray());
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        text = SubsetTag().Replace(text, m =>
        {
            if (!tags.TryGetValue(m.Groups[1].Value, out var tag))
            {
                var n = tags.Count;
                tags[m.Groups[1].Value] = tag = "REGST" + (char)('A' + (n % 26));
            }

            return "/" + tag + "+";
        });
        // The XMP metadata's document and instance ids (random uuids): numbered too, the same length.
        var uuids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        text = MetadataUuid().Replace(text, m =>
        {
            if (!uuids.TryGetValue(m.Value, out var uuid))
            {
                uuids[m.Value] = uuid = "uuid:" + new Guid(0, 0, 0, [0, 0, 0, 0, 0, 0, 0, (byte)(uuids.Count + 1)]).ToString("D");
            }

            return uuid;
        });
        return Encoding.Latin1.GetBytes(text);
    }

    [GeneratedRegex("uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex MetadataUuid();

    [GeneratedRegex("/([A-Z]{6})\\+(?=DejaVu)")]
    private static partial Regex SubsetTag();

    public static void Stamp(PdfDocument document, string identity, DateTimeOffset at)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(identity));
        var id = new string([.. hash.Take(16).Select(b => (char)b)]);
        document.Internals.FirstDocumentID = id;
        document.Internals.SecondDocumentID = id;
        document.Info.CreationDate = at.UtcDateTime;
        document.Info.ModificationDate = at.UtcDateTime;
    }
}
