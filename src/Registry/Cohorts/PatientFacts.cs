using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten.Events.Aggregation;
using Registry.Patients;

namespace Registry.Cohorts;

public sealed record TregFact(DateOnly SampledOn, decimal TregPercentOfCd4, Gating Gating, decimal? TconvPercentOfCd4, long RecordedSequence);

public sealed record ScoreFact(DateOnly AssessedOn, string Instrument, decimal Value, long RecordedSequence);

public sealed record FollowUpFact(Guid AdverseEventId, AeFollowUpData Data, DateTimeOffset RecordedAt);

public sealed record AdverseEventFact(AdverseEventData Report, DateTimeOffset RecordedAt, string? RecordedBy);

public sealed record EndFact(string Kind, DateOnly On, WithdrawalReason? Reason);

/// <summary>
/// An adverse event right after a recorded change (its report, a follow-up, a correction, a void):
/// what the SAE reporting clocks replay. <see cref="Now"/> is null once the event is voided.
/// <see cref="ReportedOn"/> is the <c>reportedOn</c> of the follow-up recorded or corrected by the change.
/// </summary>
public sealed record AeMoment(DateTimeOffset At, long Sequence, string Change, AdverseEventNow? Now, DateOnly? ReportedOn);

/// <summary>
/// Everything the cohort, safety and signal figures need about one patient, folded from the patient's
/// stream by the async daemon: the current (corrected, not voided) doses, Treg results, scores,
/// adverse events with their follow-ups, and the end of participation. Figures are computed from these
/// documents at query time (medians, filters by site or therapy line, exposure up to today), so a
/// rebuild gives the same figures as the live projection by construction.
/// </summary>
public sealed class PatientFacts
{
    public Guid Id { get; set; }

    public string SiteId { get; set; } = "";

    public string SubjectCode { get; set; } = "";

    public string DiseaseCode { get; set; } = "";

    public TherapyLine TherapyLine { get; set; }

    public int BirthYear { get; set; }

    public Sex Sex { get; set; }

    public DateOnly EnrolledOn { get; set; }

    public Dictionary<Guid, DoseData> Doses { get; set; } = [];

    public Dictionary<Guid, TregFact> Tregs { get; set; } = [];

    public Dictionary<Guid, ScoreFact> Scores { get; set; } = [];

    public Dictionary<Guid, AdverseEventFact> AdverseEvents { get; set; } = [];

    public Dictionary<Guid, FollowUpFact> FollowUps { get; set; } = [];

    public Dictionary<Guid, EndFact> Ends { get; set; } = [];

    /// <summary>Follow-ups voided, by the adverse event they were about.</summary>
    public Dictionary<Guid, Guid> VoidedFollowUps { get; set; } = [];

    /// <summary>Each adverse event's states over time, in the order recorded.</summary>
    public Dictionary<Guid, List<AeMoment>> AeHistory { get; set; } = [];

    /// <summary>Whether any adverse event of the patient has ever been serious: the SAE clocks read only these patients.</summary>
    public bool HadSeriousAdverseEvent { get; set; }

    public long LastSequence { get; set; }

    [JsonIgnore]
    public DateOnly? FirstDoseOn => Doses.Count == 0 ? null : Doses.Values.Min(d => d.GivenOn);

    [JsonIgnore]
    public DateOnly? LastDoseOn => Doses.Count == 0 ? null : Doses.Values.Max(d => d.GivenOn);

    [JsonIgnore]
    public EndFact? End => Ends.Values.OrderBy(e => e.On).FirstOrDefault();

    /// <summary>An adverse event as it stands with its follow-ups, in the order they were recorded.</summary>
    public AdverseEventNow Current(Guid adverseEventId)
    {
        return FollowUps.Values.Where(f => f.AdverseEventId == adverseEventId).OrderBy(f => f.RecordedAt)
            .Aggregate(AdverseEventNow.From(AdverseEvents[adverseEventId].Report), (current, f) => Registry.Patients.AdverseEvents.Apply(current, f.Data));
    }
}

public sealed class PatientFactsProjection : SingleStreamProjection<PatientFacts, Guid>
{
    public PatientFactsProjection()
    {
        IncludeType<PatientEnrolled>();
        IncludeType<DoseAdministered>();
        IncludeType<TregMeasured>();
        IncludeType<ScoreRecorded>();
        IncludeType<AdverseEventRecorded>();
        IncludeType<AdverseEventFollowedUp>();
        IncludeType<PatientWithdrawn>();
        IncludeType<PatientCompleted>();
        IncludeType<EntryCorrected>();
        IncludeType<EntryVoided>();
    }

    public override PatientFacts? Evolve(PatientFacts? snapshot, Guid id, IEvent e)
    {
        if (e.Data is PatientEnrolled enrolled)
        {
            snapshot = new PatientFacts
            {
                Id = enrolled.PatientId,
                SiteId = enrolled.SiteId,
                SubjectCode = enrolled.SubjectCode,
                DiseaseCode = enrolled.DiseaseCode,
                TherapyLine = enrolled.TherapyLine,
                BirthYear = enrolled.BirthYear,
                Sex = enrolled.Sex,
                EnrolledOn = enrolled.EnrolledOn,
            };
        }

        if (snapshot is null)
        {
            return null;
        }

        switch (e.Data)
        {
            case DoseAdministered x:
                snapshot.Doses[x.EntryId] = x.Data;
                break;
            case TregMeasured x:
                snapshot.Tregs[x.EntryId] = Treg(x.Data, e.Sequence);
                break;
            case ScoreRecorded x:
                snapshot.Scores[x.EntryId] = new ScoreFact(x.Data.AssessedOn, x.Data.Instrument, x.Data.Value, e.Sequence);
                break;
            case AdverseEventRecorded x:
                snapshot.AdverseEvents[x.EntryId] = new AdverseEventFact(x.Data, e.Timestamp, e.UserName);
                break;
            case AdverseEventFollowedUp x:
                snapshot.FollowUps[x.EntryId] = new FollowUpFact(x.Data.AdverseEventId, x.Data, e.Timestamp);
                break;
            case PatientWithdrawn x:
                snapshot.Ends[x.EntryId] = new EndFact(EntryKinds.Withdrawal, x.Data.WithdrawnOn, x.Data.ReasonCode);
                break;
            case PatientCompleted x:
                snapshot.Ends[x.EntryId] = new EndFact(EntryKinds.Completion, x.Data.CompletedOn, null);
                break;
            case EntryCorrected x:
                Correct(snapshot, x);
                break;
            case EntryVoided x:
                if (snapshot.FollowUps.TryGetValue(x.EntryId, out var voidedFollowUp))
                {
                    snapshot.VoidedFollowUps[x.EntryId] = voidedFollowUp.AdverseEventId;
                }

                snapshot.Doses.Remove(x.EntryId);
                snapshot.Tregs.Remove(x.EntryId);
                snapshot.Scores.Remove(x.EntryId);
                snapshot.AdverseEvents.Remove(x.EntryId);
                snapshot.FollowUps.Remove(x.EntryId);
                snapshot.Ends.Remove(x.EntryId);
                break;
        }

        if (AffectedAdverseEvent(snapshot, e.Data) is { } aeId)
        {
            var now = snapshot.AdverseEvents.ContainsKey(aeId) ? snapshot.Current(aeId) : null;
            var change = e.Data switch
            {
                AdverseEventRecorded => AeChangeKinds.Reported,
                AdverseEventFollowedUp => AeChangeKinds.FollowedUp,
                EntryCorrected => AeChangeKinds.Corrected,
                _ => AeChangeKinds.Voided,
            };

            // The follow-up's reportedOn, as recorded or as corrected: it plays the part of awareOn for the site clock.
            var reportedOn = e.Data switch
            {
                AdverseEventFollowedUp f => f.Data.ReportedOn,
                EntryCorrected { Kind: EntryKinds.AeFollowUp } c when snapshot.FollowUps.TryGetValue(c.EntryId, out var corrected) => corrected.Data.ReportedOn,
                _ => (DateOnly?)null,
            };
            if (!snapshot.AeHistory.TryGetValue(aeId, out var history))
            {
                snapshot.AeHistory[aeId] = history = [];
            }

            history.Add(new AeMoment(e.Timestamp, e.Sequence, change, now, reportedOn));
            snapshot.HadSeriousAdverseEvent |= now is { SeriousCriteria.Count: > 0 };
        }

        snapshot.LastSequence = e.Sequence;
        return snapshot;
    }

    /// <summary>The adverse event an event changes, directly or through one of its follow-ups.</summary>
    private static Guid? AffectedAdverseEvent(PatientFacts facts, object data) => data switch
    {
        AdverseEventRecorded x => x.EntryId,
        AdverseEventFollowedUp x => x.Data.AdverseEventId,
        EntryCorrected { Kind: EntryKinds.AdverseEvent } x => x.EntryId,
        EntryCorrected { Kind: EntryKinds.AeFollowUp } x => facts.FollowUps.TryGetValue(x.EntryId, out var f) ? f.AdverseEventId : null,
        EntryVoided x when facts.AeHistory.ContainsKey(x.EntryId) => x.EntryId,
        EntryVoided x => facts.VoidedFollowUps.TryGetValue(x.EntryId, out var ae) ? ae : null,
        _ => null,
    };

    private static TregFact Treg(TregData d, long sequence) => new(d.SampledOn, d.TregPercentOfCd4, d.Gating, d.TconvPercentOfCd4, sequence);

    /// <summary>A corrected entry counts with its corrected values; a Treg or score keeps when it was first recorded.</summary>
    private static void Correct(PatientFacts facts, EntryCorrected x)
    {
        switch (x.Kind)
        {
            case EntryKinds.Dose when facts.Doses.ContainsKey(x.EntryId):
                facts.Doses[x.EntryId] = EntryJson.Read<DoseData>(x.Values);
                break;
            case EntryKinds.Treg when facts.Tregs.TryGetValue(x.EntryId, out var treg):
                facts.Tregs[x.EntryId] = Treg(EntryJson.Read<TregData>(x.Values), treg.RecordedSequence);
                break;
            case EntryKinds.Score when facts.Scores.TryGetValue(x.EntryId, out var score):
                var s = EntryJson.Read<ScoreData>(x.Values);
                facts.Scores[x.EntryId] = new ScoreFact(s.AssessedOn, s.Instrument, s.Value, score.RecordedSequence);
                break;
            case EntryKinds.AdverseEvent when facts.AdverseEvents.TryGetValue(x.EntryId, out var ae):
                facts.AdverseEvents[x.EntryId] = ae with { Report = EntryJson.Read<AdverseEventData>(x.Values) };
                break;
            case EntryKinds.AeFollowUp when facts.FollowUps.TryGetValue(x.EntryId, out var followUp):
                facts.FollowUps[x.EntryId] = followUp with { Data = EntryJson.Read<AeFollowUpData>(x.Values) };
                break;
            case EntryKinds.Withdrawal when facts.Ends.ContainsKey(x.EntryId):
                var w = EntryJson.Read<WithdrawalData>(x.Values);
                facts.Ends[x.EntryId] = new EndFact(EntryKinds.Withdrawal, w.WithdrawnOn, w.ReasonCode);
                break;
            case EntryKinds.Completion when facts.Ends.ContainsKey(x.EntryId):
                facts.Ends[x.EntryId] = new EndFact(EntryKinds.Completion, EntryJson.Read<CompletionData>(x.Values).CompletedOn, null);
                break;
        }
    }
}
