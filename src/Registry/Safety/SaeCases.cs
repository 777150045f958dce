using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten.Events.Aggregation;
using Registry.Infrastructure;

namespace Registry.Safety;

/// <summary>A pv officer saw the serious adverse event and took the case on.</summary>
public sealed record SaeAcknowledged(Guid AdverseEventId, Guid PatientId);

public enum SubmissionKind
{
    Initial,
    Complete,
}

/// <summary>A report of the case went to a regulatory authority.</summary>
public sealed record SaeSubmitted(
    Guid AdverseEventId,
    Guid PatientId,
    SubmissionKind Kind,
    DateOnly SubmittedOn,
    string Authority,
    string Reference);

/// <summary>What a pv officer did on a case.</summary>
public enum SaeActionKind
{
    Acknowledged,
    Submitted,
    CompleteReport,
}

public sealed record SaeAction(
    [property: JsonConverter(typeof(KebabEnum<SaeActionKind>))] SaeActionKind Kind,
    DateTimeOffset At,
    long Sequence,
    string? By,
    DateOnly? SubmittedOn,
    string? Authority,
    string? Reference);

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

    /// <summary>The event sequence of the case's latest action.</summary>
    public long LastSequence { get; set; }

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
                    e.Timestamp, e.Sequence, e.UserName, x.SubmittedOn, x.Authority, x.Reference));
                break;
        }

        if (snapshot is not null)
        {
            snapshot.LastSequence = e.Sequence;
        }

        return snapshot;
    }
}
