using System.Text.Json.Nodes;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Registry.Patients;

/// <summary>An entry as the write model knows it: its kind, its current values, whether it was voided.</summary>
public sealed class StateEntry
{
    public EntryKind Kind { get; set; }

    public DateOnly FirstRecordedOn { get; set; }

    public JsonObject Data { get; set; } = [];

    public bool Voided { get; set; }

    /// <summary>1 when recorded, one more with each correction or void (the entry's history numbers them so).</summary>
    public int Revision { get; set; } = 1;

    public DateOnly Date => NewEntry.DateOf(Kind, Data, FirstRecordedOn);

    public T Read<T>() => EntryJson.Read<T>(Data);
}

/// <summary>
/// The write model of a patient: only what the decisions need (enrolment facts, each entry's
/// current values and status). Folded live from the stream each time a write locks the stream.
/// </summary>
public sealed class PatientState : IAdverseEventLog, IMonitored
{
    public Guid Id { get; set; }

    public long Version { get; set; }

    public string SiteId { get; set; } = "";

    public string DiseaseCode { get; set; } = "";

    public DateOnly EnrolledOn { get; set; }

    /// <summary>The enrolment as its amendments leave it (corrections, transfers, regimen changes).</summary>
    public PatientEnrolled Enrolment { get; set; } = null!;

    /// <summary>Why the enrolment was voided as a duplicate, if it was: nothing more is written to it.</summary>
    public string? VoidedBecause { get; set; }

    public Dictionary<Guid, StateEntry> Entries { get; set; } = [];

    public Dictionary<Guid, AdverseEventFact> AdverseEvents { get; set; } = [];

    public Dictionary<Guid, FollowUpFact> FollowUps { get; set; } = [];

    public Dictionary<Guid, Guid> VoidedFollowUps { get; set; } = [];

    public Dictionary<Guid, List<AeMoment>> AeHistory { get; set; } = [];

    public RecordLock? Lock { get; set; }

    public List<DataQuery> Queries { get; set; } = [];

    public Dictionary<Guid, Verification> Verified { get; set; } = [];

    public List<Signature> Signatures { get; set; } = [];

    public IEnumerable<KeyValuePair<Guid, StateEntry>> Current(EntryKind kind) =>
        Entries.Where(e => e.Value.Kind == kind && !e.Value.Voided);

    /// <summary>The withdrawal or completion in force, if any.</summary>
    public (EntryKind Kind, DateOnly On, Guid EntryId)? Ended =>
        Entries.Where(e => e.Value.Kind is EntryKind.Withdrawal or EntryKind.Completion && !e.Value.Voided)
            .Select(e => ((EntryKind Kind, DateOnly On, Guid EntryId)?)(e.Value.Kind, e.Value.Date, e.Key))
            .FirstOrDefault();
}

public sealed class PatientStateProjection : SingleStreamProjection<PatientState, Guid>
{
    private static readonly PatientStateProjection Instance = new();

    /// <summary>Folds one event in memory, as the store would (for decisions made outside a request: imports, tests).</summary>
    public static PatientState Fold(PatientState? state, object data, long version, Guid streamId)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
        e.Version = version;
        e.StreamId = streamId;
        return Instance.Evolve(state, streamId, e) ?? throw new InvalidOperationException("The first event of a patient is its enrolment.");
    }

    public override PatientState? Evolve(PatientState? snapshot, Guid id, IEvent e)
    {
        if (e.Data is PatientEnrolled enrolled)
        {
            snapshot = new PatientState
            {
                Id = enrolled.PatientId,
                SiteId = enrolled.SiteId,
                DiseaseCode = enrolled.DiseaseCode,
                EnrolledOn = enrolled.EnrolledOn,
                Enrolment = enrolled,
            };
        }

        if (snapshot is null)
        {
            return null;
        }

        if (Amendments.Apply(snapshot.Enrolment, e.Data) is { } amended)
        {
            snapshot.Enrolment = amended;
            (snapshot.SiteId, snapshot.DiseaseCode, snapshot.EnrolledOn) = (amended.SiteId, amended.DiseaseCode, amended.EnrolledOn);
        }
        else if (e.Data is EnrolmentVoided voidedEnrolment)
        {
            snapshot.VoidedBecause = voidedEnrolment.Reason;
        }
        else if (e.Data is MedicationStopped stopped && snapshot.Entries.TryGetValue(stopped.EntryId, out var medication))
        {
            medication.Data["stoppedOn"] = stopped.StoppedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            medication.Revision++;
        }

        if (NewEntry.From(e.Data) is { } entry)
        {
            snapshot.Entries[entry.EntryId] = new StateEntry { Kind = entry.Kind, Data = entry.Data, FirstRecordedOn = entry.Date };
        }
        else if (e.Data is EntryCorrected corrected && snapshot.Entries.TryGetValue(corrected.EntryId, out var target))
        {
            target.Data = (JsonObject)corrected.Values.DeepClone();
            target.Revision++;
        }
        else if (e.Data is EntryVoided voided && snapshot.Entries.TryGetValue(voided.EntryId, out var gone))
        {
            gone.Voided = true;
            gone.Revision++;
        }

        MonitoringFold.Apply(snapshot, e);

        AdverseEventFold.Apply(snapshot, e.Data, new EntryMoment(e.Sequence, e.Version, e.Timestamp, e.UserName, e.Data is EntryCorrected));
        snapshot.Version = e.Version;
        return snapshot;
    }
}
