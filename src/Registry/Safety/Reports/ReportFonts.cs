using PdfSharp.Fonts;

namespace Registry.Safety.Reports;

/// <summary>
/// The fonts of the registry's PDF reports (the CIOMS I form, the tabulations): DejaVu Sans, regular and bold, embedded in
/// the assembly (Safety/Reports/Fonts, with its licence: Bitstream Vera, permissive), so a report renders the same on any
/// host, a Linux container without fonts included. PDFsharp's Core build finds no fonts by itself:
/// <see cref="EnsureRegistered"/> installs this resolver as PDFsharp's global font resolver, once per process, before the
/// first report is drawn.
/// </summary>
/// <remarks>
/// The registry draws with one family, so every family asked for resolves to DejaVu Sans (bold when bold is asked for,
/// italic simulated): a report never fails for want of a font. When another part of the process installed its own global
/// resolver first, this one becomes the fallback resolver instead (PDFsharp lets either be set only before the first use).
/// </remarks>
internal sealed class ReportFonts : IFontResolver
{
    /// <summary>The family name the reports ask for.</summary>
    public const string Family = "DejaVu Sans";

    private const string RegularFace = "DejaVuSans";
    private const string BoldFace = "DejaVuSans-Bold";

    /// <summary>The resources' logical names are this prefix, the face and <c>.ttf</c> (see Registry.csproj).</summary>
    private const string ResourcePrefix = "Registry.Safety.Reports.Fonts.";

    private static readonly Lock Gate = new();
    private static readonly ReportFonts Instance = new();
    private static volatile bool registered;

    private readonly Lazy<byte[]> regular = new(() => Load(RegularFace), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Lazy<byte[]> bold = new(() => Load(BoldFace), LazyThreadSafetyMode.ExecutionAndPublication);

    private ReportFonts()
    {
    }

    /// <summary>
    /// Installs the resolver as PDFsharp's global font resolver if it is not yet: thread-safe, idempotent, and tolerant of
    /// a resolver of this type set already. When another resolver holds the global place, this one is set as the fallback.
    /// </summary>
    /// <exception cref="InvalidOperationException">Other resolvers hold both the global and the fallback place.</exception>
    internal static void EnsureRegistered()
    {
        if (registered)
        {
            return;
        }

        lock (Gate)
        {
            if (registered)
            {
                return;
            }

            var current = GlobalFontSettings.FontResolver;
            if (current is null)
            {
                GlobalFontSettings.FontResolver = Instance;
            }
            else if (current is not ReportFonts)
            {
                var fallback = GlobalFontSettings.FallbackFontResolver;
                if (fallback is null)
                {
                    GlobalFontSettings.FallbackFontResolver = Instance;
                }
                else if (fallback is not ReportFonts)
                {
                    throw new InvalidOperationException(
                        $"PDFsharp's font resolvers are already set ({current.GetType().Name}, fallback {fallback.GetType().Name}): "
                        + "the reports' fonts (DejaVu Sans) cannot be installed.");
                }
            }

            registered = true;
        }
    }

    /// <summary>DejaVu Sans for any family: the bold face when bold is asked for, italic simulated.</summary>
    public FontResolverInfo? ResolveTypeface(string familyName, bool isBold, bool isItalic) =>
        new(isBold ? BoldFace : RegularFace, false, isItalic);

    /// <summary>The face's TrueType bytes, read once from the assembly's resources; null for a face this resolver did not name.</summary>
    public byte[]? GetFont(string faceName) => faceName switch
    {
        RegularFace => regular.Value,
        BoldFace => bold.Value,
        _ => null,
    };

    private static byte[] Load(string face)
    {
        var name = ResourcePrefix + face + ".ttf";
        using var stream = typeof(ReportFonts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The font resource {name} is missing from the assembly (see Registry.csproj).");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }
}
