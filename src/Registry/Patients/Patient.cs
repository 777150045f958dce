using System.Text.Json.Nodes;

namespace Registry.Patients;

// The patient stream's vocabulary. Every fact a site records about a patient is one of these
// events; the store stamps when it was recorded and by whom (the token's user). No event carries
// a direct identifier of a person: the site's subject code is a pseudonym whose key only the site holds.

public enum Sex
{
    Female,
    Male,
    Other,
    Unknown,
}

/// <summary>IL-2 given alone, or as an add-on to other immunomodulating drugs.</summary>
public enum TherapyLine
{
    Standalone,
    Addon,
}

public enum CareSetting
{
    Trial,
    Routine,
}

public enum PatientStatus
{
    Enrolled,
    OnTreatment,
    Withdrawn,
    Completed,
}

/// <summary>The dosing regimen that drives the worklist's due doses.</summary>
public sealed record Regimen(int InductionDays, int MaintenanceIntervalDays)
{
    public static readonly Regimen Default = new(5, 14);
}

public sealed record PatientEnrolled(
    Guid PatientId,
    string SiteId,
    string SubjectCode,
    string DiseaseCode,
    int BirthYear,
    Sex Sex,
    DateOnly EnrolledOn,
    string ConsentVersion,
    TherapyLine TherapyLine,
    CareSetting Setting,
    Regimen Regimen);

// Entries of a visit. Each carries its entry id (for adverse events, the client's adverseEventId),
// the visit it came with, and its values (Entries.cs).

public sealed record DoseAdministered(Guid EntryId, Guid VisitId, DateOnly VisitDate, DoseData Data);

public sealed record DoseHeld(Guid EntryId, Guid VisitId, DateOnly VisitDate, DoseHoldData Data);

public sealed record TregMeasured(Guid EntryId, Guid VisitId, DateOnly VisitDate, TregData Data);

public sealed record ScoreRecorded(Guid EntryId, Guid VisitId, DateOnly VisitDate, ScoreData Data);

public sealed record AdverseEventRecorded(Guid EntryId, Guid VisitId, DateOnly VisitDate, AdverseEventData Data);

public sealed record MedicationRecorded(Guid EntryId, Guid VisitId, DateOnly VisitDate, ConmedData Data);

public sealed record PlannedItemNotDone(Guid EntryId, Guid VisitId, DateOnly VisitDate, NotDoneData Data);

/// <summary>New information on an adverse event: grade, seriousness (criteria only ever added), outcome.</summary>
public sealed record AdverseEventFollowedUp(Guid EntryId, AeFollowUpData Data);

public sealed record PatientWithdrawn(Guid EntryId, WithdrawalData Data);

public sealed record PatientCompleted(Guid EntryId, CompletionData Data);

public enum CorrectionReason
{
    TranscriptionError,
    SourceUpdated,
    UnitConversion,
    Other,
}

/// <summary>
/// A correction of an earlier entry: the fields changed as the user sent them (<see cref="Changes"/>),
/// and the entry's complete values after the change (<see cref="Values"/>), validated as a whole.
/// </summary>
public sealed record EntryCorrected(Guid EntryId, string Kind, JsonObject Changes, JsonObject Values, CorrectionReason ReasonCode, string Reason);

/// <summary>An entry made in error. It stays in the history; it counts nowhere.</summary>
public sealed record EntryVoided(Guid EntryId, string Reason);
