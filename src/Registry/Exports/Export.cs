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

/// <summary>How far an export's run is: patients written of the cohort's patients (null until the cohort is known).</summary>
public sealed record ExportProgress(int Patients, int? Of);

/// <summary>What an export run counts as it reaches each patient.</summary>
public sealed class ExportTally
{
    private readonly List<string> _locked = [];
    private int _records;

    public int Records => Volatile.Read(ref _records);

    /// <summary>The cohort's patients, once known (before the first is written).</summary>
    public int? Members { get; set; }

    public ExportProgress Progress => new(Records, Members);

    public void Add(string key, Patients.PatientState state)
    {
        Interlocked.Increment(ref _records);
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

    /// <summary>While running: patients written so far, of how many (kept every second or so).</summary>
    public ExportProgress? Progress { get; set; }

    /// <summary>When it was asked for (null for exports requested before this was kept).</summary>
    public DateTimeOffset? RequestedAt { get; set; }

    public ExportDefinition Definition { get; set; } = null!;

    public ExportManifest? Manifest { get; set; }

    public string? Error { get; set; }
}
