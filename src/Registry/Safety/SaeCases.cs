using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Npgsql;
using NpgsqlTypes;
using Registry.Infrastructure;

namespace Registry.Safety;

/// <summary>A pv officer saw the serious adverse event and took the case on.</summary>
public sealed record SaeAcknowledged(Guid AdverseEventId, Guid PatientId);

public enum SubmissionKind
{
    Initial,
    Complete,
}

/// <summary>
/// A report of the case went to a regulatory authority. <paramref name="CaseId"/> is the worldwide unique case id the
/// report carried (the first report's, kept by every later one; null in events recorded before it was kept).
/// </summary>
public sealed record SaeSubmitted(
    Guid AdverseEventId,
    Guid PatientId,
    SubmissionKind Kind,
    DateOnly SubmittedOn,
    string Authority,
    string Reference,
    string? CaseId = null);

/// <summary>
/// A follow-up report went to the authority: new information received on <paramref name="ReceivedOn"/> (the case's next
/// report version).
/// </summary>
public sealed record SaeFollowUpReported(
    Guid AdverseEventId, Guid PatientId, DateOnly ReceivedOn, DateOnly SubmittedOn, string Authority, string Reference,
    string? CaseId = null);

/// <summary>A nullification report went to the authority: a submitted case was downgraded and should not have been reported.</summary>
public sealed record SaeNullified(
    Guid AdverseEventId, Guid PatientId, DateOnly SubmittedOn, string Authority, string Reference, string Reason,
    string? CaseId = null);

/// <summary>An amendment report went to the authority: an earlier report corrected without new information.</summary>
public sealed record SaeAmended(
    Guid AdverseEventId, Guid PatientId, DateOnly SubmittedOn, string Authority, string Reference, string Reason,
    string? CaseId = null);

/// <summary>The case narrative as a pv officer wrote or edited it (each a version; the latest is in force).</summary>
public sealed record SaeNarrativeWritten(Guid AdverseEventId, Guid PatientId, string Text);

/// <summary>What a pv officer did on a case.</summary>
public enum SaeActionKind
{
    Acknowledged,
    Submitted,
    CompleteReport,
    FollowUpReport,
    Nullification,
    Narrative,
    Amendment,
}

/// <summary>
/// One step of a case. A report (<see cref="SaeActionKind.Submitted"/>, <see cref="SaeActionKind.CompleteReport"/>,
/// <see cref="SaeActionKind.FollowUpReport"/>, <see cref="SaeActionKind.Nullification"/>) is a version of the case's ICSR.
/// </summary>
public sealed record SaeAction(
    [property: JsonConverter(typeof(KebabEnum<SaeActionKind>))] SaeActionKind Kind,
    DateTimeOffset At,
    long Sequence,
    string? By,
    DateOnly? SubmittedOn,
    string? Authority,
    string? Reference,
    DateOnly? ReceivedOn = null,
    string? Reason = null,
    string? Text = null,
    string? CaseId = null)
{
    /// <summary>Whether this step sent a version of the case's report.</summary>
    [JsonIgnore]
    public bool IsReport => Kind is SaeActionKind.Submitted or SaeActionKind.CompleteReport or SaeActionKind.FollowUpReport
        or SaeActionKind.Nullification or SaeActionKind.Amendment;
}

/// <summary>
/// The pv side of a case, on its own stream (one per adverse event), so a pv acknowledgement never
/// moves the patient's stream and never makes a nurse's If-Match stale.
/// </summary>
public sealed class SaeCaseRecord
{
    public Guid Id { get; set; }

    public Guid AdverseEventId { get; set; }

    public Guid PatientId { get; set; }

    public List<SaeAction> Actions { get; set; } = [];

    /// <summary>The reports sent, oldest first: version n is the n-th.</summary>
    [JsonIgnore]
    public IEnumerable<SaeAction> Reports => Actions.Where(a => a.IsReport);

    /// <summary>The worldwide unique case id the case's reports carry, once one was sent (null before, or for old events).</summary>
    [JsonIgnore]
    public string? CaseId => Actions.FirstOrDefault(a => a.CaseId is not null)?.CaseId;

    /// <summary>The narrative in force (the latest written), if any.</summary>
    [JsonIgnore]
    public string? Narrative => Actions.LastOrDefault(a => a.Kind == SaeActionKind.Narrative)?.Text;

    /// <summary>
    /// The event sequence of the case's latest action. The projection runs inline, where Marten's quick appends do not
    /// know the sequence yet (it is 0 in the stored document): <see cref="LoadAsync"/> reads the sequences from the log.
    /// </summary>
    public long LastSequence { get; set; }

    /// <summary>
    /// The cases of these adverse events, each action with its event's sequence from the log (the order of a case's
    /// actions among the adverse event's changes, and the live feed's event ids, depend on it). The n-th action is the
    /// case stream's n-th event.
    /// </summary>
    public static async Task<Dictionary<Guid, SaeCaseRecord>> LoadAsync(
        IQuerySession session, IReadOnlyCollection<Guid> adverseEventIds, CancellationToken ct)
    {
        var streams = adverseEventIds.Select(StreamFor).Distinct().ToArray();
        var cases = streams.Length == 0 ? [] : await session.LoadManyAsync<SaeCaseRecord>(ct, streams);
        if (cases.Count == 0)
        {
            return [];
        }

        var command = new NpgsqlCommand(
            $"select stream_id, version, seq_id from {RegistrySchema.Name}.mt_events where stream_id = any(@streams)");
        command.Parameters.Add(
            new NpgsqlParameter("streams", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = cases.Select(c => c.Id).ToArray() });
        var sequences = new Dictionary<(Guid, long), long>();
        await using (var reader = await session.ExecuteReaderAsync(command, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                sequences[(reader.GetGuid(0), reader.GetInt64(1))] = reader.GetInt64(2);
            }
        }

        foreach (var pvCase in cases)
        {
            pvCase.Actions = pvCase.Actions
                .Select((a, i) => sequences.TryGetValue((pvCase.Id, i + 1), out var sequence) ? a with { Sequence = sequence } : a)
                .ToList();
            pvCase.LastSequence = pvCase.Actions.Count == 0 ? 0 : pvCase.Actions.Max(a => a.Sequence);
        }

        return cases.ToDictionary(c => c.AdverseEventId);
    }

    /// <summary>The case stream of an adverse event: a name-based id, never equal to a patient's stream id.</summary>
    public static Guid StreamFor(Guid adverseEventId)
    {
        var hash = MD5.HashData(Encoding.UTF8.GetBytes($"registry:sae-case:{adverseEventId:N}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x30);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash);
    }
}

public sealed class SaeCaseProjection : SingleStreamProjection<SaeCaseRecord, Guid>
{
    public SaeCaseProjection()
    {
        IncludeType<SaeAcknowledged>();
        IncludeType<SaeSubmitted>();
        IncludeType<SaeFollowUpReported>();
        IncludeType<SaeNullified>();
        IncludeType<SaeNarrativeWritten>();
        IncludeType<SaeAmended>();
    }

    public override SaeCaseRecord? Evolve(SaeCaseRecord? snapshot, Guid id, IEvent e)
    {
        switch (e.Data)
        {
            case SaeAcknowledged x:
                snapshot ??= new SaeCaseRecord { Id = id, AdverseEventId = x.AdverseEventId, PatientId = x.PatientId };
                snapshot.Actions.Add(new SaeAction(SaeActionKind.Acknowledged, e.Timestamp, e.Sequence, e.UserName, null, null, null));
                break;
            case SaeSubmitted x:
                snapshot ??= new SaeCaseRecord { Id = id, AdverseEventId = x.AdverseEventId, PatientId = x.PatientId };
                snapshot.Actions.Add(new SaeAction(
                    x.Kind == SubmissionKind.Initial ? SaeActionKind.Submitted : SaeActionKind.CompleteReport,
                    e.Timestamp, e.Sequence, e.UserName, x.SubmittedOn, x.Authority, x.Reference, CaseId: x.CaseId));
                break;
            case SaeFollowUpReported x:
                snapshot ??= new SaeCaseRecord { Id = id, AdverseEventId = x.AdverseEventId, PatientId = x.PatientId };
                snapshot.Actions.Add(new SaeAction(SaeActionKind.FollowUpReport, e.Timestamp, e.Sequence, e.UserName, x.SubmittedOn,
                    x.Authority, x.Reference, ReceivedOn: x.ReceivedOn, CaseId: x.CaseId));
                break;
            case SaeNullified x:
                snapshot ??= new SaeCaseRecord { Id = id, AdverseEventId = x.AdverseEventId, PatientId = x.PatientId };
                snapshot.Actions.Add(new SaeAction(SaeActionKind.Nullification, e.Timestamp, e.Sequence, e.UserName, x.SubmittedOn,
                    x.Authority, x.Reference, Reason: x.Reason, CaseId: x.CaseId));
                break;
            case SaeAmended x:
                snapshot ??= new SaeCaseRecord { Id = id, AdverseEventId = x.AdverseEventId, PatientId = x.PatientId };
                snapshot.Actions.Add(new SaeAction(SaeActionKind.Amendment, e.Timestamp, e.Sequence, e.UserName, x.SubmittedOn,
                    x.Authority, x.Reference, Reason: x.Reason, CaseId: x.CaseId));
                break;
            case SaeNarrativeWritten x:
                snapshot ??= new SaeCaseRecord { Id = id, AdverseEventId = x.AdverseEventId, PatientId = x.PatientId };
                snapshot.Actions.Add(new SaeAction(SaeActionKind.Narrative, e.Timestamp, e.Sequence, e.UserName, null, null, null,
                    Text: x.Text));
                break;
        }

        if (snapshot is not null)
        {
            snapshot.LastSequence = e.Sequence;
        }

        return snapshot;
    }
}
