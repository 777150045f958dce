using Registry.Cohorts;

namespace Registry.Exports;

public sealed record ExportManifest(
    AsOf AsOf,
    CohortDefinition Cohort,
    string Format,
    string Dates,
    string PseudonymScope,
    bool IncludeFreeText,
    string DeIdentification,
    IReadOnlyList<ExportFile> Files,
    string Software);

public sealed class ExportRecord
{
    public Guid Id { get; set; }

    public string RequestedBy { get; set; } = "";

    public string Status { get; set; } = "queued";

    public ExportDefinition Definition { get; set; } = null!;

    public ExportManifest? Manifest { get; set; }

    public string? Error { get; set; }
}
