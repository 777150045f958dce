using JasperFx.Events;

namespace Registry.Patients;

// The monitor's side of a patient's stream: record locks, data queries and source data verification. Each step is an
// event on the patient's stream (who and when are the store's stamps), so the record's audit trail holds them too.

/// <summary>A monitor locked the record: the site's writes are refused (409 naming the lock) until it is unlocked.</summary>
public sealed record RecordLocked(string Reason);

public sealed record RecordUnlocked(string Reason);

/// <summary>
/// A monitor asks about one field of an entry (<paramref name="Field"/>: a JSON path such as <c>$.doseIu</c>), or the
/// registry does, by one of the catalogue's rules (<paramref name="Rule"/>), in the step that recorded the entry.
/// </summary>
public sealed record QueryOpened(Guid QueryId, Guid EntryId, EntryKind EntryKind, string Field, string Text, string? Rule = null);

/// <summary>The site's answer; <paramref name="Corrected"/> when a correction of the entry came with it (the same step).</summary>
public sealed record QueryAnswered(Guid QueryId, string Text, bool Corrected);

public sealed record QueryClosed(Guid QueryId, string? Text);

public sealed record QueryReopened(Guid QueryId, string Text);

/// <summary>A monitor checked an entry's revision against the source; a later correction or void clears the mark.</summary>
public sealed record EntryVerified(Guid EntryId, int Revision);

/// <summary>
/// What an investigator's signature means (21 CFR Part 11 §11.50): shown with the printed name, date and time.
/// </summary>
public enum SignatureMeaning
{
    /// <summary>"I have reviewed this record."</summary>
    Review,

    /// <summary>"I approve this record as complete and accurate."</summary>
    Approval,

    /// <summary>"I take responsibility for this record's data."</summary>
    Responsibility,
}

/// <summary>
/// An investigator signed the record as it stood (stream version <paramref name="SignedVersion"/>), after giving their
/// password again; <paramref name="SignerName"/> is the printed name the directory holds. Any later change of the
/// record's data breaks the signature (<see cref="Signature.BrokenAt"/>).
/// </summary>
public sealed record RecordSigned(
    Guid SignatureId,
    string SignerName,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(Infrastructure.KebabEnum<SignatureMeaning>))] SignatureMeaning Meaning,
    long SignedVersion);

public enum QueryStatus
{
    /// <summary>Waiting for the site's answer (opened or re-opened).</summary>
    Open,

    /// <summary>Answered by the site: waiting for the monitor to close or re-open it.</summary>
    Answered,

    Closed,
}

public sealed record RecordLock(DateTimeOffset At, string? By, string Reason);

/// <summary>One step of a query's thread: <c>opened</c>, <c>answered</c>, <c>closed</c>, <c>reopened</c>.</summary>
public sealed record QueryStep(string Step, DateTimeOffset At, string? By, string? Text, bool Corrected = false);

public sealed class DataQuery
{
    public Guid QueryId { get; set; }

    public Guid EntryId { get; set; }

    public EntryKind EntryKind { get; set; }

    public string Field { get; set; } = "";

    public QueryStatus Status { get; set; }

    public DateTimeOffset OpenedAt { get; set; }

    public string? OpenedBy { get; set; }

    public List<QueryStep> Thread { get; set; } = [];
}

public sealed record Verification(int Revision, DateTimeOffset At, string? By);

/// <summary>A signature as the timeline shows it; broken (with when and by what) once the record's data changed after it.</summary>
public sealed record Signature(
    Guid SignatureId,
    string? By,
    string Name,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(Infrastructure.KebabEnum<SignatureMeaning>))] SignatureMeaning Meaning,
    DateTimeOffset At,
    long SignedVersion,
    DateTimeOffset? BrokenAt = null,
    string? BrokenBy = null)
{
    public bool Valid => BrokenAt is null;
}

/// <summary>What the monitor's events keep on a patient's write model and on its record alike.</summary>
public interface IMonitored
{
    RecordLock? Lock { get; set; }

    List<DataQuery> Queries { get; }

    /// <summary>The entries verified at their current revision (a correction or void removes the entry).</summary>
    Dictionary<Guid, Verification> Verified { get; }

    /// <summary>Every signature of the record, oldest first; the last one is in force unless broken.</summary>
    List<Signature> Signatures { get; }
}

public static class MonitoringFold
{
    public static readonly Type[] EventTypes =
        [typeof(RecordLocked), typeof(RecordUnlocked), typeof(QueryOpened), typeof(QueryAnswered), typeof(QueryClosed),
         typeof(QueryReopened), typeof(EntryVerified), typeof(RecordSigned)];

    public static void Apply(IMonitored target, IEvent e)
    {
        switch (e.Data)
        {
            case RecordLocked locked:
                target.Lock = new RecordLock(e.Timestamp, e.UserName, locked.Reason);
                break;
            case RecordUnlocked:
                target.Lock = null;
                break;
            case QueryOpened opened:
                target.Queries.Add(new DataQuery
                {
                    QueryId = opened.QueryId,
                    EntryId = opened.EntryId,
                    EntryKind = opened.EntryKind,
                    Field = opened.Field,
                    Status = QueryStatus.Open,
                    OpenedAt = e.Timestamp,
                    OpenedBy = opened.Rule is { } rule ? $"registry ({rule})" : e.UserName,
                    Thread = [new QueryStep("opened", e.Timestamp, opened.Rule is { } r ? $"registry ({r})" : e.UserName, opened.Text)],
                });
                break;
            case QueryAnswered answered when Find(target, answered.QueryId) is { } query:
                query.Status = QueryStatus.Answered;
                query.Thread.Add(new QueryStep("answered", e.Timestamp, e.UserName, answered.Text, answered.Corrected));
                break;
            case QueryClosed closed when Find(target, closed.QueryId) is { } query:
                query.Status = QueryStatus.Closed;
                query.Thread.Add(new QueryStep("closed", e.Timestamp, e.UserName, closed.Text));
                break;
            case QueryReopened reopened when Find(target, reopened.QueryId) is { } query:
                query.Status = QueryStatus.Open;
                query.Thread.Add(new QueryStep("reopened", e.Timestamp, e.UserName, reopened.Text));
                break;
            case EntryVerified verified:
                target.Verified[verified.EntryId] = new Verification(verified.Revision, e.Timestamp, e.UserName);
                break;
            case EntryCorrected corrected:
                target.Verified.Remove(corrected.EntryId);
                break;
            case EntryVoided voided:
                target.Verified.Remove(voided.EntryId);
                break;
            case MedicationStopped stopped:
                target.Verified.Remove(stopped.EntryId);
                break;
            case RecordSigned signed:
                target.Signatures.Add(
                    new Signature(signed.SignatureId, e.UserName, signed.SignerName, signed.Meaning, e.Timestamp, signed.SignedVersion));
                break;
        }

        if (ChangesData(e.Data) && target.Signatures.Count > 0 && target.Signatures[^1].Valid)
        {
            target.Signatures[^1] = target.Signatures[^1] with { BrokenAt = e.Timestamp, BrokenBy = BreakingChange(e.Data) };
        }
    }

    /// <summary>Whether an event changes the record's data (breaking a signature): anything but the monitor's and signer's steps.</summary>
    public static bool ChangesData(object data) => !EventTypes.Contains(data.GetType());

    /// <summary>What broke a signature, as the timeline names it: the event's kind, e.g. <c>entry-corrected</c>.</summary>
    public static string BreakingChange(object data) => Infrastructure.Kebab.Policy.ConvertName(data.GetType().Name);

    public static DataQuery? Find(IMonitored target, Guid queryId) => target.Queries.FirstOrDefault(q => q.QueryId == queryId);
}
