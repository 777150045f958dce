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
    string Software,
    RecordLocks? Locks = null,
    SavedCohortRef? CohortDefinition = null);

/// <summary>
/// Which of an export's records were locked (for an analysis) at the export's point: how many records, how many
/// locked, and the locked ones' pseudonymous keys (the export's <c>usubjid</c>).
/// </summary>
public sealed record RecordLocks(int Records, int Locked, IReadOnlyList<string> LockedKeys);

/// <summary>What an export run counts as it reaches each patient.</summary>
public sealed class ExportTally
{
    private readonly List<string> _locked = [];

    public int Records { get; private set; }

    public void Add(string key, Patients.PatientState state)
    {
        Records++;
        if (state.Lock is not null)
        {
            _locked.Add(key);
        }
    }

    public RecordLocks Locks => new(Records, _locked.Count, [.. _locked]);
}

public sealed class ExportRecord
{
    public Guid Id { get; set; }

    public string RequestedBy { get; set; } = "";

    public string Status { get; set; } = "queued";

    /// <summary>When it was asked for (null for exports requested before this was kept).</summary>
    public DateTimeOffset? RequestedAt { get; set; }

    public ExportDefinition Definition { get; set; } = null!;

    public ExportManifest? Manifest { get; set; }

    public string? Error { get; set; }
}
