using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Registry.Infrastructure;

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

    /// <summary>A duplicate enrolment, voided: it counts nowhere.</summary>
    Voided,
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

// The entries' own events (a dose given, a Treg result...) are in their kinds' files, Entries/*.cs.

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
public sealed record EntryCorrected(
    Guid EntryId,
    [property: JsonConverter(typeof(KebabEnum<EntryKind>))] EntryKind Kind,
    JsonObject Changes,
    JsonObject Values,
    CorrectionReason ReasonCode,
    string Reason);

/// <summary>An entry made in error. It stays in the history; it counts nowhere.</summary>
public sealed record EntryVoided(Guid EntryId, string Reason);
