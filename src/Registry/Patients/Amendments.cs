using System.Text.Json.Nodes;

namespace Registry.Patients;

// Amendments of the enrolment: events of their own (not entry corrections), each folded by Amendments.Apply into the
// enrolment as it now stands, which every projection keeps (the record, the write model, the facts, the exports).

/// <summary>The enrolment's fields a site may correct (a mistyped birth year, therapy line...), all of them after the change.</summary>
public sealed record EnrolmentValues(
    string DiseaseCode, int BirthYear, Sex Sex, DateOnly EnrolledOn, string ConsentVersion, TherapyLine TherapyLine, CareSetting Setting);

/// <summary>A correction of the enrolment: the fields changed as sent, the values after it, a coded reason.</summary>
public sealed record EnrolmentCorrected(JsonObject Changes, EnrolmentValues Values, CorrectionReason ReasonCode, string Reason);

/// <summary>The patient moved to another site, with that site's subject code; the old site loses access, the history stays.</summary>
public sealed record PatientTransferred(string FromSiteId, string ToSiteId, string SubjectCode, DateOnly TransferredOn, string Reason);

/// <summary>A change of the dosing regimen from a date (a clinical decision, not a correction of the enrolment).</summary>
public sealed record RegimenChanged(Regimen Regimen, DateOnly ChangedOn, string Reason);

/// <summary>
/// A duplicate enrolment voided (<paramref name="DuplicateOf"/>: the enrolment that stays): the patient leaves every
/// figure, list of work and export; nothing more is written to it.
/// </summary>
public sealed record EnrolmentVoided(string Reason, Guid DuplicateOf);

/// <summary>A concomitant medication stopped (its own event, not a correction of the entry).</summary>
public sealed record MedicationStopped(Guid EntryId, DateOnly StoppedOn, string Reason);

/// <summary>One amendment as the record's timeline lists it.</summary>
public sealed record Amendment(string Kind, DateTimeOffset At, string? By, string? ReasonCode, string Reason, JsonObject? Changes);

public static class Amendments
{
    /// <summary>The events that change the enrolment itself.</summary>
    public static readonly Type[] EnrolmentEventTypes =
        [typeof(EnrolmentCorrected), typeof(PatientTransferred), typeof(RegimenChanged), typeof(EnrolmentVoided)];

    public static readonly Type[] EventTypes = [.. EnrolmentEventTypes, typeof(MedicationStopped)];

    /// <summary>The enrolment as the amendment leaves it, or null when the event is not one that changes it.</summary>
    public static PatientEnrolled? Apply(PatientEnrolled enrolment, object data) => data switch
    {
        EnrolmentCorrected c => enrolment with
        {
            DiseaseCode = c.Values.DiseaseCode,
            BirthYear = c.Values.BirthYear,
            Sex = c.Values.Sex,
            EnrolledOn = c.Values.EnrolledOn,
            ConsentVersion = c.Values.ConsentVersion,
            TherapyLine = c.Values.TherapyLine,
            Setting = c.Values.Setting,
        },
        PatientTransferred t => enrolment with { SiteId = t.ToSiteId, SubjectCode = t.SubjectCode },
        RegimenChanged r => enrolment with { Regimen = r.Regimen },
        _ => null,
    };

    public static EnrolmentValues ValuesOf(PatientEnrolled e) =>
        new(e.DiseaseCode, e.BirthYear, e.Sex, e.EnrolledOn, e.ConsentVersion, e.TherapyLine, e.Setting);

    /// <summary>The timeline's line for an amendment, or null for other events.</summary>
    public static Amendment? Describe(object data, DateTimeOffset at, string? by) => data switch
    {
        EnrolmentCorrected c => new("enrolment-corrected", at, by, Infrastructure.Kebab.Name(c.ReasonCode), c.Reason,
            (JsonObject)c.Changes.DeepClone()),
        PatientTransferred t => new("transferred", at, by, null, t.Reason, new JsonObject
        {
            ["fromSiteId"] = t.FromSiteId,
            ["toSiteId"] = t.ToSiteId,
            ["transferredOn"] = t.TransferredOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }),
        RegimenChanged r => new("regimen-changed", at, by, null, r.Reason, new JsonObject
        {
            ["inductionDays"] = r.Regimen.InductionDays,
            ["maintenanceIntervalDays"] = r.Regimen.MaintenanceIntervalDays,
            ["changedOn"] = r.ChangedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }),
        EnrolmentVoided v => new("enrolment-voided", at, by, null, v.Reason, null),
        _ => null,
    };
}
