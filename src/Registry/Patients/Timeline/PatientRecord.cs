using System.Text.Json.Nodes;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Registry.Patients.Timeline;

public static class EntryStatus
{
    public const string Current = "current";
    public const string Corrected = "corrected";
    public const string Voided = "voided";
}

/// <summary>One recorded fact on a patient's timeline, as the detail view shows it (its current values).</summary>
public sealed class PatientEntry
{
    public Guid EntryId { get; set; }

    public string Kind { get; set; } = "";

    public DateOnly Date { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public string? RecordedBy { get; set; }

    public JsonObject Data { get; set; } = [];

    public string Status { get; set; } = EntryStatus.Current;

    /// <summary>The visit the entry came with (none for follow-ups, withdrawal and completion).</summary>
    public Guid? VisitId { get; set; }
}

/// <summary>One version of an entry: as recorded, then each correction, and its voiding.</summary>
public sealed record EntryVersion(
    int Number,
    string Action,
    DateTimeOffset At,
    string? By,
    JsonObject Data,
    string? ReasonCode,
    string? Reason,
    JsonObject? Changes,
    long StreamVersion = 0);

/// <summary>
/// The read model behind <c>GET /api/patients</c>, <c>GET /api/patients/{id}</c> and an entry's history:
/// one document a patient, folded from the patient's stream in the same transaction as its events
/// (inline), so a read right after a write sees it. <see cref="Version"/> is the stream version, the ETag.
/// </summary>
public sealed class PatientRecord
{
    public Guid Id { get; set; }

    public string SiteId { get; set; } = "";

    public string SubjectCode { get; set; } = "";

    public string DiseaseCode { get; set; } = "";

    public int BirthYear { get; set; }

    public Sex Sex { get; set; }

    public DateOnly EnrolledOn { get; set; }

    public string ConsentVersion { get; set; } = "";

    public TherapyLine TherapyLine { get; set; }

    public CareSetting Setting { get; set; }

    public Regimen Regimen { get; set; } = Regimen.Default;

    public PatientStatus Status { get; set; }

    public DateOnly? FirstDoseOn { get; set; }

    public DateOnly? LastVisitOn { get; set; }

    public long Version { get; set; }

    public DateTimeOffset EnrolledAt { get; set; }

    public string? EnrolledBy { get; set; }

    public List<PatientEntry> Entries { get; set; } = [];

    public Dictionary<Guid, List<EntryVersion>> History { get; set; } = [];
}

public sealed class PatientRecordProjection : SingleStreamProjection<PatientRecord, Guid>
{
    public PatientRecordProjection()
    {
        IncludeType<PatientEnrolled>();
        IncludeType<DoseAdministered>();
        IncludeType<DoseHeld>();
        IncludeType<TregMeasured>();
        IncludeType<ScoreRecorded>();
        IncludeType<AdverseEventRecorded>();
        IncludeType<MedicationRecorded>();
        IncludeType<PlannedItemNotDone>();
        IncludeType<AdverseEventFollowedUp>();
        IncludeType<PatientWithdrawn>();
        IncludeType<PatientCompleted>();
        IncludeType<EntryCorrected>();
        IncludeType<EntryVoided>();
    }

    public override PatientRecord? Evolve(PatientRecord? snapshot, Guid id, IEvent e)
    {
        if (e.Data is PatientEnrolled enrolled)
        {
            snapshot = new PatientRecord
            {
                Id = enrolled.PatientId,
                SiteId = enrolled.SiteId,
                SubjectCode = enrolled.SubjectCode,
                DiseaseCode = enrolled.DiseaseCode,
                BirthYear = enrolled.BirthYear,
                Sex = enrolled.Sex,
                EnrolledOn = enrolled.EnrolledOn,
                ConsentVersion = enrolled.ConsentVersion,
                TherapyLine = enrolled.TherapyLine,
                Setting = enrolled.Setting,
                Regimen = enrolled.Regimen,
                Status = PatientStatus.Enrolled,
                EnrolledAt = e.Timestamp,
                EnrolledBy = e.UserName,
            };
        }

        if (snapshot is null)
        {
            return null;
        }

        switch (e.Data)
        {
            case var data when NewEntry.From(data) is { } entry:
                snapshot.Entries.Add(new PatientEntry
                {
                    EntryId = entry.EntryId,
                    Kind = entry.Kind,
                    Date = entry.Date,
                    RecordedAt = e.Timestamp,
                    RecordedBy = e.UserName,
                    Data = entry.Data,
                    VisitId = entry.VisitId,
                });
                snapshot.History[entry.EntryId] = [new EntryVersion(1, "recorded", e.Timestamp, e.UserName, (JsonObject)entry.Data.DeepClone(), null, null, null, e.Version)];
                if (entry.VisitId is not null && (snapshot.LastVisitOn is null || VisitDate(data) > snapshot.LastVisitOn))
                {
                    snapshot.LastVisitOn = VisitDate(data);
                }

                break;

            case EntryCorrected corrected when Find(snapshot, corrected.EntryId) is { } target:
                target.Data = (JsonObject)corrected.Values.DeepClone();
                target.Date = NewEntry.DateOf(target.Kind, target.Data, target.Date);
                target.Status = EntryStatus.Corrected;
                AddVersion(snapshot, corrected.EntryId, "corrected", e, target.Data, Infrastructure.Kebab.Name(corrected.ReasonCode), corrected.Reason, corrected.Changes);
                break;

            case EntryVoided voided when Find(snapshot, voided.EntryId) is { } target:
                target.Status = EntryStatus.Voided;
                AddVersion(snapshot, voided.EntryId, "voided", e, target.Data, null, voided.Reason, null);
                break;
        }

        Derive(snapshot);
        snapshot.Version = e.Version;
        return snapshot;
    }

    private static PatientEntry? Find(PatientRecord record, Guid entryId) => record.Entries.FirstOrDefault(x => x.EntryId == entryId);

    private static DateOnly? VisitDate(object data) => data switch
    {
        DoseAdministered x => x.VisitDate,
        DoseHeld x => x.VisitDate,
        TregMeasured x => x.VisitDate,
        ScoreRecorded x => x.VisitDate,
        AdverseEventRecorded x => x.VisitDate,
        MedicationRecorded x => x.VisitDate,
        PlannedItemNotDone x => x.VisitDate,
        _ => null,
    };

    private static void AddVersion(PatientRecord record, Guid entryId, string action, IEvent e, JsonObject data, string? reasonCode, string? reason, JsonObject? changes)
    {
        var versions = record.History[entryId];
        versions.Add(new EntryVersion(versions.Count + 1, action, e.Timestamp, e.UserName, (JsonObject)data.DeepClone(), reasonCode, reason,
            (JsonObject?)changes?.DeepClone(), e.Version));
    }

    /// <summary>Status and first dose follow from the entries in force (voided ones count nowhere).</summary>
    private static void Derive(PatientRecord record)
    {
        var live = record.Entries.Where(x => x.Status != EntryStatus.Voided).ToList();
        record.FirstDoseOn = live.Where(x => x.Kind == EntryKinds.Dose).Select(x => (DateOnly?)x.Date).Min();
        var ended = live.FirstOrDefault(x => x.Kind is EntryKinds.Withdrawal or EntryKinds.Completion);
        record.Status = ended?.Kind switch
        {
            EntryKinds.Withdrawal => PatientStatus.Withdrawn,
            EntryKinds.Completion => PatientStatus.Completed,
            _ => record.FirstDoseOn is null ? PatientStatus.Enrolled : PatientStatus.OnTreatment,
        };
    }
}
