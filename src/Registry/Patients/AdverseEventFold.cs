using System.Text.Json.Serialization;
using Registry.Infrastructure;

namespace Registry.Patients;

/// <summary>An adverse event as it stands: its report (as corrected) with its follow-ups applied in order.</summary>
public sealed record AdverseEventNow(
    PartialDate OnsetOn,
    DateOnly AwareOn,
    int Grade,
    int WorstGrade,
    IReadOnlyList<SeriousCriterion> SeriousCriteria,
    AeOutcome Outcome,
    PartialDate? ResolvedOn,
    Causality? Causality,
    bool? Expected)
{
    /// <summary>The event as first reported (or as corrected), before any follow-up.</summary>
    public static AdverseEventNow From(AdverseEventData report) => new(report.OnsetOn, report.AwareOn, report.Grade, report.Grade,
        report.SeriousCriteria, report.Outcome, report.ResolvedOn, report.Causality, report.Expected);
}

/// <summary>How an adverse event was changed, as the SAE clocks replay it.</summary>
public enum AeChangeKind
{
    Reported,
    FollowedUp,
    Corrected,
    Voided,
}

public sealed record FollowUpFact(Guid AdverseEventId, AeFollowUpData Data, DateTimeOffset RecordedAt, long Version = 0);

public sealed record AdverseEventFact(AdverseEventData Report, DateTimeOffset RecordedAt, string? RecordedBy);

/// <summary>
/// An adverse event right after a recorded change (its report, a follow-up, a correction, a void):
/// what the SAE reporting clocks replay. <see cref="Now"/> is null once the event is voided.
/// <see cref="ReportedOn"/> is the <c>reportedOn</c> of the follow-up recorded or corrected by the change.
/// </summary>
public sealed record AeMoment(
    DateTimeOffset At,
    long Sequence,
    [property: JsonConverter(typeof(KebabEnum<AeChangeKind>))] AeChangeKind Change,
    AdverseEventNow? Now,
    DateOnly? ReportedOn);

/// <summary>A patient's adverse events as the one fold keeps them: in the write model, the timeline and the facts alike.</summary>
public interface IAdverseEventLog
{
    /// <summary>Reports in force (corrected, not voided).</summary>
    Dictionary<Guid, AdverseEventFact> AdverseEvents { get; }

    /// <summary>Follow-ups in force.</summary>
    Dictionary<Guid, FollowUpFact> FollowUps { get; }

    /// <summary>Follow-ups voided, by the adverse event they were about.</summary>
    Dictionary<Guid, Guid> VoidedFollowUps { get; }

    /// <summary>Each adverse event's states over time, in the order recorded.</summary>
    Dictionary<Guid, List<AeMoment>> AeHistory { get; }
}

/// <summary>
/// The one fold of an adverse event's state, used by the write rules (follow-ups), the timeline (the
/// worklist's site clock), and the facts (the pv clocks, the safety figures): its report, its follow-ups
/// in the order recorded (the latest grade, the worst grade it has had, seriousness criteria accumulated,
/// the latest outcome, causality and expectedness), and its states after each change.
/// </summary>
public static class AdverseEventFold
{
    /// <summary>
    /// An adverse event's onset as the computations use it: imputed when partial (<see cref="PartialDate.ImputeStart"/>),
    /// never after the day the site became aware of it or its resolution's last possible day.
    /// </summary>
    public static DateOnly ImputedOnset(AdverseEventData report, AdverseEventNow now, DateOnly? firstDose)
    {
        var latest = now.ResolvedOn is { } resolved && resolved.Last < report.AwareOn ? resolved.Last : report.AwareOn;
        return report.OnsetOn.ImputeStart(firstDose, latest);
    }

    /// <summary>Folds one event of the patient's stream; the moment it added to an adverse event's history, if any.</summary>
    public static AeMoment? Apply(IAdverseEventLog log, object data, EntryMoment at)
    {
        Guid aeId;
        AeChangeKind change;
        DateOnly? reportedOn = null;
        switch (data)
        {
            case AdverseEventRecorded x:
                log.AdverseEvents[x.EntryId] = new AdverseEventFact(x.Data, at.At, at.By);
                (aeId, change) = (x.EntryId, AeChangeKind.Reported);
                break;
            case AdverseEventFollowedUp x:
                log.FollowUps[x.EntryId] = new FollowUpFact(x.Data.AdverseEventId, x.Data, at.At, at.Version);
                (aeId, change, reportedOn) = (x.Data.AdverseEventId, AeChangeKind.FollowedUp, x.Data.ReportedOn);
                break;
            case EntryCorrected { Kind: EntryKind.AdverseEvent } x:
                if (log.AdverseEvents.TryGetValue(x.EntryId, out var ae))
                {
                    log.AdverseEvents[x.EntryId] = ae with { Report = EntryJson.Read<AdverseEventData>(x.Values) };
                }

                (aeId, change) = (x.EntryId, AeChangeKind.Corrected);
                break;
            case EntryCorrected { Kind: EntryKind.AeFollowUp } x when log.FollowUps.TryGetValue(x.EntryId, out var followUp):
                var corrected = EntryJson.Read<AeFollowUpData>(x.Values);
                log.FollowUps[x.EntryId] = followUp with { Data = corrected };
                (aeId, change, reportedOn) = (followUp.AdverseEventId, AeChangeKind.Corrected, corrected.ReportedOn);
                break;
            case EntryVoided x when log.AeHistory.ContainsKey(x.EntryId):
                log.AdverseEvents.Remove(x.EntryId);
                (aeId, change) = (x.EntryId, AeChangeKind.Voided);
                break;
            case EntryVoided x when log.FollowUps.Remove(x.EntryId, out var voided):
                log.VoidedFollowUps[x.EntryId] = voided.AdverseEventId;
                (aeId, change) = (voided.AdverseEventId, AeChangeKind.Voided);
                break;
            default:
                return null;
        }

        var moment = new AeMoment(at.At, at.Sequence, change, log.AdverseEvents.ContainsKey(aeId) ? Current(log, aeId) : null, reportedOn);
        if (!log.AeHistory.TryGetValue(aeId, out var history))
        {
            log.AeHistory[aeId] = history = [];
        }

        history.Add(moment);
        return moment;
    }

    /// <summary>An adverse event in force with its follow-ups (but <paramref name="excludeFollowUp"/>, the one being corrected).</summary>
    public static AdverseEventNow Current(IAdverseEventLog log, Guid adverseEventId, Guid? excludeFollowUp = null) =>
        log.FollowUps
            .Where(f => f.Value.AdverseEventId == adverseEventId && f.Key != excludeFollowUp)
            .Select(f => f.Value)
            .OrderBy(f => f.RecordedAt)
            .ThenBy(f => f.Version)
            .Aggregate(AdverseEventNow.From(log.AdverseEvents[adverseEventId].Report), (now, f) => Apply(now, f.Data));

    public static AdverseEventNow Apply(AdverseEventNow now, AeFollowUpData f) => now with
    {
        Grade = f.Grade ?? now.Grade,
        WorstGrade = Math.Max(now.WorstGrade, f.Grade ?? now.Grade),
        SeriousCriteria = now.SeriousCriteria.Union(f.SeriousCriteria ?? []).ToList(),
        Outcome = f.Outcome ?? now.Outcome,
        ResolvedOn = f.ResolvedOn ?? now.ResolvedOn,
        Causality = f.Causality ?? now.Causality,
        Expected = f.Expected ?? now.Expected,
    };

    /// <summary>The changes the site clock reads from an adverse event's history.</summary>
    public static IEnumerable<AeChange> Changes(IEnumerable<AeMoment> history) =>
        history.Select(m => new AeChange(m.At, m.Change, m.Now is { SeriousCriteria.Count: > 0 }, m.Now?.AwareOn, m.ReportedOn));
}
