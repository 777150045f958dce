using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Registry.Patients.Timeline;

/// <summary>One recorded fact on a patient's timeline, as the detail view shows it.</summary>
public sealed record PatientEntry(
    Guid EntryId,
    string Kind,
    DateOnly Date,
    DateTimeOffset RecordedAt,
    string? RecordedBy,
    object Data,
    string Status);

/// <summary>
/// The read model behind <c>GET /api/patients</c> and <c>GET /api/patients/{id}</c>: one document a
/// patient, folded from the patient's stream in the same transaction as its events (inline), so a
/// read right after a write sees it. <see cref="Version"/> is the stream version, the ETag.
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

    public long Version { get; set; }

    public DateTimeOffset EnrolledAt { get; set; }

    public string? EnrolledBy { get; set; }

    public List<PatientEntry> Entries { get; set; } = [];
}

public sealed class PatientRecordProjection : SingleStreamProjection<PatientRecord, Guid>
{
    public override PatientRecord? Evolve(PatientRecord? snapshot, Guid id, IEvent e)
    {
        switch (e.Data)
        {
            case PatientEnrolled enrolled:
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
                break;
        }

        if (snapshot is not null)
        {
            snapshot.Version = e.Version;
        }

        return snapshot;
    }
}
