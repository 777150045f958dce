using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Infrastructure;

namespace Registry.Patients;

public enum DosePhase
{
    Induction,
    Maintenance,
}

public enum DoseRoute
{
    Subcutaneous,
    Intravenous,
    Intramuscular,
    Other,
}

public enum Gating
{
    Cd4Cd25Foxp3,
    Cd4Cd25hiCd127lo,
    Other,
}

public enum SeriousCriterion
{
    Death,
    LifeThreatening,
    Hospitalisation,
    Disability,
    CongenitalAnomaly,
    MedicallyImportant,
}

public enum Causality
{
    Certain,
    Probable,
    Possible,
    Unlikely,
    Conditional,
    Unassessable,
}

public enum AeOutcome
{
    Recovering,
    Recovered,
    RecoveredWithSequelae,
    NotRecovered,
    Fatal,
    Unknown,
}

public enum ActionTaken
{
    None,
    DoseReduced,
    Interrupted,
    Withdrawn,
}

public enum DrugClass
{
    Corticosteroid,
    Csdmard,
    Bdmard,
    JakInhibitor,
    Other,
}

public enum HoldReason
{
    AdverseEvent,
    LabAbnormality,
    PatientDecision,
    Other,
}

public enum NotDoneItem
{
    TregSample,
    Score,
    Dose,
}

public enum WithdrawalReason
{
    AdverseEvent,
    LackOfEfficacy,
    PatientDecision,
    LostToFollowUp,
    Death,
    Other,
}

// The values of each kind of entry, as stored in events and shown in the timeline. Field names and
// enumeration spellings are those of the API's requests, so a correction's changes apply to them.

public sealed record DoseData(DateOnly GivenOn, TimeOnly? GivenAt, long DoseIu, DoseRoute Route, string Product, string? Lot, DosePhase Phase, bool ConfirmUnusualDose);

public sealed record DoseHoldData(DateOnly HeldOn, HoldReason ReasonCode, string? Reason);

public sealed record TregData(
    DateOnly SampledOn, decimal TregPercentOfCd4, Gating Gating, decimal? TregPerUl, decimal? Cd4PerUl, decimal? TconvPercentOfCd4, string? Lab);

public sealed record ScoreData(DateOnly AssessedOn, string Instrument, decimal Value, IReadOnlyDictionary<string, decimal>? Items);

public sealed record AdverseEventData(
    DateOnly OnsetOn,
    DateOnly AwareOn,
    string Term,
    string? MeddraPtCode,
    string? MeddraSocCode,
    int Grade,
    IReadOnlyList<SeriousCriterion> SeriousCriteria,
    Causality? Causality,
    bool? Expected,
    AeOutcome Outcome,
    ActionTaken ActionTaken,
    DateOnly? ResolvedOn);

public sealed record AeFollowUpData(
    Guid AdverseEventId,
    DateOnly ReportedOn,
    int? Grade,
    IReadOnlyList<SeriousCriterion>? SeriousCriteria,
    AeOutcome? Outcome,
    DateOnly? ResolvedOn,
    Causality? Causality,
    bool? Expected);

public sealed record ConmedData(string Drug, DrugClass DrugClass, decimal? Dose, string? Unit, DateOnly? StartedOn, DateOnly? StoppedOn);

public sealed record NotDoneData(NotDoneItem Item, DateOnly DueOn, string Reason);

public sealed record WithdrawalData(DateOnly WithdrawnOn, WithdrawalReason ReasonCode, string? Reason);

public sealed record CompletionData(DateOnly CompletedOn);

/// <summary>The kinds of timeline entry (API.md).</summary>
public static class EntryKinds
{
    public const string Dose = "dose";
    public const string DoseHeld = "dose-held";
    public const string Treg = "treg";
    public const string Score = "score";
    public const string AdverseEvent = "adverse-event";
    public const string AeFollowUp = "ae-follow-up";
    public const string Conmed = "conmed";
    public const string NotDone = "not-done";
    public const string Withdrawal = "withdrawal";
    public const string Completion = "completion";
}

/// <summary>A new entry as an event brings it: the facts both the write model and the timeline keep.</summary>
public sealed record NewEntry(Guid EntryId, string Kind, DateOnly Date, Guid? VisitId, JsonObject Data)
{
    /// <summary>The entry an event starts, or null for events that start none.</summary>
    public static NewEntry? From(object @event) => @event switch
    {
        DoseAdministered e => new(e.EntryId, EntryKinds.Dose, e.Data.GivenOn, e.VisitId, EntryJson.ToJson(e.Data)),
        DoseHeld e => new(e.EntryId, EntryKinds.DoseHeld, e.Data.HeldOn, e.VisitId, EntryJson.ToJson(e.Data)),
        TregMeasured e => new(e.EntryId, EntryKinds.Treg, e.Data.SampledOn, e.VisitId, EntryJson.ToJson(e.Data)),
        ScoreRecorded e => new(e.EntryId, EntryKinds.Score, e.Data.AssessedOn, e.VisitId, EntryJson.ToJson(e.Data)),
        AdverseEventRecorded e => new(e.EntryId, EntryKinds.AdverseEvent, e.Data.OnsetOn, e.VisitId, EntryJson.ToJson(e.Data)),
        MedicationRecorded e => new(e.EntryId, EntryKinds.Conmed, e.Data.StartedOn ?? e.VisitDate, e.VisitId, EntryJson.ToJson(e.Data)),
        PlannedItemNotDone e => new(e.EntryId, EntryKinds.NotDone, e.Data.DueOn, e.VisitId, EntryJson.ToJson(e.Data)),
        AdverseEventFollowedUp e => new(e.EntryId, EntryKinds.AeFollowUp, e.Data.ReportedOn, null, EntryJson.ToJson(e.Data)),
        PatientWithdrawn e => new(e.EntryId, EntryKinds.Withdrawal, e.Data.WithdrawnOn, null, EntryJson.ToJson(e.Data)),
        PatientCompleted e => new(e.EntryId, EntryKinds.Completion, e.Data.CompletedOn, null, EntryJson.ToJson(e.Data)),
        _ => null,
    };

    /// <summary>The clinical date of an entry's values (for conmeds without a start: the date it was first recorded).</summary>
    public static DateOnly DateOf(string kind, JsonObject data, DateOnly fallback) => kind switch
    {
        EntryKinds.Dose => EntryJson.Read<DoseData>(data).GivenOn,
        EntryKinds.DoseHeld => EntryJson.Read<DoseHoldData>(data).HeldOn,
        EntryKinds.Treg => EntryJson.Read<TregData>(data).SampledOn,
        EntryKinds.Score => EntryJson.Read<ScoreData>(data).AssessedOn,
        EntryKinds.AdverseEvent => EntryJson.Read<AdverseEventData>(data).OnsetOn,
        EntryKinds.AeFollowUp => EntryJson.Read<AeFollowUpData>(data).ReportedOn,
        EntryKinds.Conmed => EntryJson.Read<ConmedData>(data).StartedOn ?? fallback,
        EntryKinds.NotDone => EntryJson.Read<NotDoneData>(data).DueOn,
        EntryKinds.Withdrawal => EntryJson.Read<WithdrawalData>(data).WithdrawnOn,
        EntryKinds.Completion => EntryJson.Read<CompletionData>(data).CompletedOn,
        _ => fallback,
    };
}

/// <summary>Entry values as JSON objects, in the registry's one JSON dialect (camelCase, kebab enumerations).</summary>
public static class EntryJson
{
    public static JsonObject ToJson<T>(T data) => JsonSerializer.SerializeToNode(data, RegistryJson.Options)!.AsObject();

    public static T Read<T>(JsonObject data) => data.Deserialize<T>(RegistryJson.Options)
        ?? throw new InvalidOperationException($"An entry's values could not be read as {typeof(T).Name}.");
}
