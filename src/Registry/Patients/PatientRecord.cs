using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten.Events.Aggregation;
using Registry.Infrastructure;

namespace Registry.Patients;

/// <summary>An entry's status on the timeline.</summary>
public enum EntryStatus
{
    Current,
    Corrected,
    Voided,
}

/// <summary>What a version of an entry did.</summary>
public enum EntryAction
{
    Recorded,
    Corrected,
    Voided,

    /// <summary>A medication stopped (its own event: <see cref="MedicationStopped"/>).</summary>
    Stopped,
}

/// <summary>One recorded fact on a patient's timeline, as the detail view shows it (its current values).</summary>
public sealed class PatientEntry
{
    public Guid EntryId { get; set; }

    [JsonConverter(typeof(KebabEnum<EntryKind>))]
    public EntryKind Kind { get; set; }

    public DateOnly Date { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public string? RecordedBy { get; set; }

    public JsonObject Data { get; set; } = [];

    [JsonConverter(typeof(KebabEnum<EntryStatus>))]
    public EntryStatus Status { get; set; } = EntryStatus.Current;

    /// <summary>The entry's revision, as its history numbers its versions (what a monitor verifies).</summary>
    public int Revision { get; set; } = 1;

    /// <summary>The visit the entry came with (none for follow-ups, withdrawal and completion).</summary>
    public Guid? VisitId { get; set; }
}

/// <summary>One version of an entry: as recorded, then each correction, and its voiding.</summary>
public sealed record EntryVersion(
    int Number,
    [property: JsonConverter(typeof(KebabEnum<EntryAction>))] EntryAction Action,
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
public sealed class PatientRecord : IAdverseEventLog, IMonitored
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

    public Dictionary<Guid, AdverseEventFact> AdverseEvents { get; set; } = [];

    public Dictionary<Guid, FollowUpFact> FollowUps { get; set; } = [];

    public Dictionary<Guid, Guid> VoidedFollowUps { get; set; } = [];

    /// <summary>Each adverse event's states over time (<see cref="AdverseEventFold"/>): the worklist's site clock reads them.</summary>
    public Dictionary<Guid, List<AeMoment>> AeHistory { get; set; } = [];

    /// <summary>What the patient owes whatever the day (<see cref="PendingWork.Of"/>): the worklist's items.</summary>
    public List<PendingItem> Pending { get; set; } = [];

    /// <summary>The first day the worklist asks for one of <see cref="Pending"/> (a column: the worklist pages by it).</summary>
    public DateOnly? NextDueOn { get; set; }

    /// <summary>Whether an adverse event in force is serious (a column: the worklist's SAE list reads only these).</summary>
    public bool HasSeriousEvents { get; set; }

    /// <summary>
    /// The serious adverse events in force, as the worklist lists them (<see cref="SeriousEventSummary.Of"/>); null in
    /// a record written before they were kept, until PatientRecord is rebuilt.
    /// </summary>
    public List<SeriousEventSummary>? Serious { get; set; }

    /// <summary>
    /// The adverse events in force not yet resolved, with their last news (<see cref="UnresolvedEventSummary.Of"/>); null
    /// in a record written before they were kept, until PatientRecord is rebuilt.
    /// </summary>
    public List<UnresolvedEventSummary>? Unresolved { get; set; }

    /// <summary>The oldest last news of an unresolved adverse event (a column: the worklist asks for follow-ups by it).</summary>
    public DateOnly? UnresolvedNewsOn { get; set; }

    /// <summary>The lock in force, if any: the site's writes are refused while it holds.</summary>
    public RecordLock? Lock { get; set; }

    /// <summary>Data queries on the entries, every step of each.</summary>
    public List<DataQuery> Queries { get; set; } = [];

    /// <summary>Entries verified against the source at their current revision.</summary>
    public Dictionary<Guid, Verification> Verified { get; set; } = [];

    /// <summary>The investigators' signatures, oldest first; the last is in force unless a later change broke it.</summary>
    public List<Signature> Signatures { get; set; } = [];

    /// <summary>Queries not closed (a column: the query lists read only the records that have one).</summary>
    public int OpenQueries { get; set; }

    /// <summary>Entries in force (not voided): the verification coverage's denominator (a column).</summary>
    public int CurrentEntries { get; set; }

    /// <summary>Entries in force verified at their current revision (a column).</summary>
    public int VerifiedEntries { get; set; }

    /// <summary>
    /// Whether the investigator's signature is due (a column: the worklist lists these): the last signature was broken by
    /// a later change, or follow-up ended (withdrawal or completion) and no signature is in force.
    /// </summary>
    public bool SignatureDue { get; set; }

    /// <summary>The enrolment's amendments (corrections, transfers, regimen changes, void), oldest first.</summary>
    public List<Amendment> Amendments { get; set; } = [];

    /// <summary>Why the enrolment was voided as a duplicate, if it was.</summary>
    public string? VoidedBecause { get; set; }

    /// <summary>Whether the enrolment was voided (a column: the worklist and the monitor's lists leave these out).</summary>
    public bool Voided { get; set; }
}

/// <summary>
/// The timeline read model, inline. The primary Treg sample's window (the <c>Response</c> settings) places that sample
/// in <see cref="PatientRecord.Pending"/>: after a change to those settings, rebuild this projection.
/// </summary>
public sealed class PatientRecordProjection : SingleStreamProjection<PatientRecord, Guid>
{
    private readonly WorkPlan _plan;

    public PatientRecordProjection()
        : this(WorkPlan.Default)
    {
    }

    public PatientRecordProjection(WorkPlan plan)
    {
        _plan = plan;
        IncludeType<PatientEnrolled>();
        foreach (var type in EntryKinds.EventTypes)
        {
            IncludeType(type);
        }

        IncludeType<EntryCorrected>();
        IncludeType<EntryVoided>();
        foreach (var type in Patients.Amendments.EventTypes.Concat(MonitoringFold.EventTypes))
        {
            IncludeType(type);
        }

        // A rebuild's events per batch (inline, this projection is only run by the daemon to rebuild): as the facts'.
        Options.BatchSize = 20_000;
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
                snapshot.History[entry.EntryId] =
                    [new EntryVersion(
                        1, EntryAction.Recorded, e.Timestamp, e.UserName, (JsonObject)entry.Data.DeepClone(), null, null, null, e.Version)];
                if (data is IVisitEntryEvent visit && (snapshot.LastVisitOn is null || visit.VisitDate > snapshot.LastVisitOn))
                {
                    snapshot.LastVisitOn = visit.VisitDate;
                }

                break;

            case EntryCorrected corrected when Find(snapshot, corrected.EntryId) is { } target:
                target.Data = (JsonObject)corrected.Values.DeepClone();
                target.Date = NewEntry.DateOf(target.Kind, target.Data, target.Date);
                target.Status = EntryStatus.Corrected;
                target.Revision = snapshot.History[corrected.EntryId].Count + 1;
                AddVersion(snapshot, corrected.EntryId, EntryAction.Corrected, e, target.Data, Kebab.Name(corrected.ReasonCode),
                    corrected.Reason, corrected.Changes);
                break;

            case EntryVoided voided when Find(snapshot, voided.EntryId) is { } target:
                target.Status = EntryStatus.Voided;
                target.Revision = snapshot.History[voided.EntryId].Count + 1;
                AddVersion(snapshot, voided.EntryId, EntryAction.Voided, e, target.Data, null, voided.Reason, null);
                break;

            case MedicationStopped stopped when Find(snapshot, stopped.EntryId) is { } target:
                target.Data["stoppedOn"] = stopped.StoppedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                target.Revision = snapshot.History[stopped.EntryId].Count + 1;
                AddVersion(snapshot, stopped.EntryId, EntryAction.Stopped, e, target.Data, null, stopped.Reason,
                    new JsonObject { ["stoppedOn"] = target.Data["stoppedOn"]!.DeepClone() });
                break;

            case EnrolmentVoided voidedEnrolment:
                snapshot.VoidedBecause = voidedEnrolment.Reason;
                break;
        }

        if (Patients.Amendments.Apply(Enrolment(snapshot), e.Data) is { } amended)
        {
            snapshot.SiteId = amended.SiteId;
            snapshot.SubjectCode = amended.SubjectCode;
            snapshot.DiseaseCode = amended.DiseaseCode;
            snapshot.BirthYear = amended.BirthYear;
            snapshot.Sex = amended.Sex;
            snapshot.EnrolledOn = amended.EnrolledOn;
            snapshot.ConsentVersion = amended.ConsentVersion;
            snapshot.TherapyLine = amended.TherapyLine;
            snapshot.Setting = amended.Setting;
            snapshot.Regimen = amended.Regimen;
        }

        if (Patients.Amendments.Describe(e.Data, e.Timestamp, e.UserName) is { } amendment)
        {
            snapshot.Amendments.Add(amendment);
        }

        AdverseEventFold.Apply(snapshot, e.Data, new EntryMoment(e.Sequence, e.Version, e.Timestamp, e.UserName, e.Data is EntryCorrected));
        MonitoringFold.Apply(snapshot, e);
        snapshot.OpenQueries = snapshot.VoidedBecause is not null ? 0 : snapshot.Queries.Count(q => q.Status != QueryStatus.Closed);
        Derive(snapshot);
        snapshot.SignatureDue = snapshot.Signatures is [.., { Valid: false }]
            || (snapshot.Status is PatientStatus.Withdrawn or PatientStatus.Completed && snapshot.Signatures is not [.., { Valid: true }]);
        // A voided enrolment owes nothing and shows on no list of work.
        var duplicate = snapshot.Voided = snapshot.VoidedBecause is not null;
        snapshot.SignatureDue &= !duplicate;
        snapshot.Pending = duplicate ? [] : [.. PendingWork.Of(snapshot, _plan)];
        snapshot.NextDueOn = snapshot.Pending.Count == 0 ? null : snapshot.Pending.Min(p => p.From);
        snapshot.Serious = duplicate ? [] : [.. SeriousEventSummary.Of(snapshot)];
        snapshot.HasSeriousEvents = snapshot.Serious.Count > 0;
        snapshot.Unresolved = duplicate ? [] : [.. UnresolvedEventSummary.Of(snapshot)];
        snapshot.UnresolvedNewsOn = snapshot.Unresolved.Count == 0 ? null : snapshot.Unresolved.Min(u => u.LastNewsOn);
        snapshot.Version = e.Version;
        return snapshot;
    }

    private static PatientEnrolled Enrolment(PatientRecord r) => new(
        r.Id, r.SiteId, r.SubjectCode, r.DiseaseCode, r.BirthYear, r.Sex, r.EnrolledOn, r.ConsentVersion, r.TherapyLine, r.Setting,
        r.Regimen);

    private static PatientEntry? Find(PatientRecord record, Guid entryId) => record.Entries.FirstOrDefault(x => x.EntryId == entryId);

    private static void AddVersion(
        PatientRecord record, Guid entryId, EntryAction action, IEvent e, JsonObject data, string? reasonCode, string? reason,
        JsonObject? changes)
    {
        var versions = record.History[entryId];
        versions.Add(new EntryVersion(versions.Count + 1, action, e.Timestamp, e.UserName, (JsonObject)data.DeepClone(), reasonCode, reason,
            (JsonObject?)changes?.DeepClone(), e.Version));
    }

    /// <summary>Status and first dose follow from the entries in force (voided ones count nowhere).</summary>
    private static void Derive(PatientRecord record)
    {
        var live = record.Entries.Where(x => x.Status != EntryStatus.Voided).ToList();
        record.CurrentEntries = live.Count;
        record.VerifiedEntries = live.Count(x => record.Verified.ContainsKey(x.EntryId));
        record.FirstDoseOn = live.Where(x => x.Kind == EntryKind.Dose).Select(x => (DateOnly?)x.Date).Min();
        var ended = live.FirstOrDefault(x => x.Kind is EntryKind.Withdrawal or EntryKind.Completion);
        record.Status = record.VoidedBecause is not null ? PatientStatus.Voided : ended?.Kind switch
        {
            EntryKind.Withdrawal => PatientStatus.Withdrawn,
            EntryKind.Completion => PatientStatus.Completed,
            _ => record.FirstDoseOn is null ? PatientStatus.Enrolled : PatientStatus.OnTreatment,
        };
    }
}
