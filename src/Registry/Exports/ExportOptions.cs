using System.Text;

namespace Registry.Exports;

/// <summary>Where export files go and the secret that keys the pseudonyms (<c>Exports</c> section).</summary>
public sealed class ExportOptions
{
    public const string Section = "Exports";

    public string Directory { get; set; } = Path.Combine(Path.GetTempPath(), "registry-exports");

    /// <summary>At least 32 characters; whoever holds it can link pseudonyms back to patients.</summary>
    public string? PseudonymSecret { get; set; }

    public byte[] Secret() => PseudonymSecret is { Length: >= 32 } secret
        ? Encoding.UTF8.GetBytes(secret)
        : throw new InvalidOperationException(
            $"Set {Section}:PseudonymSecret (environment variable {Section}__PseudonymSecret) to a secret of at least 32 characters.");
}
