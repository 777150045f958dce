namespace Registry.Patients.RecordingVisits;

// What a site sends for each kind of entry. Everything is optional here so that every missing or
// bad field can be named in one answer; EntryRules turns a request into the entry's values.

public sealed record DoseRequest(
    DateOnly? GivenOn, TimeOnly? GivenAt, long? DoseIu, string? Route, string? Product, string? Lot, string? Phase, bool? ConfirmUnusualDose);

public sealed record DoseHoldRequest(DateOnly? HeldOn, string? ReasonCode, string? Reason);

public sealed record TregRequest(
    DateOnly? SampledOn, decimal? TregPercentOfCd4, string? Gating, decimal? TregPerUl, decimal? Cd4PerUl, decimal? TconvPercentOfCd4, string? Lab);

public sealed record ScoreRequest(DateOnly? AssessedOn, string? Instrument, decimal? Value, Dictionary<string, decimal>? Items);

public sealed record AdverseEventRequest(
    Guid? AdverseEventId,
    DateOnly? OnsetOn,
    DateOnly? AwareOn,
    string? Term,
    string? MeddraPtCode,
    string? MeddraSocCode,
    int? Grade,
    List<string>? SeriousCriteria,
    string? Causality,
    bool? Expected,
    string? Outcome,
    string? ActionTaken,
    DateOnly? ResolvedOn);

public sealed record ConmedRequest(string? Drug, string? DrugClass, decimal? Dose, string? Unit, DateOnly? StartedOn, DateOnly? StoppedOn);

public sealed record NotDoneRequest(string? Item, DateOnly? DueOn, string? Reason);

public sealed record AeFollowUpRequest(
    DateOnly? ReportedOn,
    int? Grade,
    List<string>? SeriousCriteria,
    string? Outcome,
    DateOnly? ResolvedOn,
    string? Causality,
    bool? Expected);

public sealed record WithdrawalRequest(DateOnly? WithdrawnOn, string? ReasonCode, string? Reason);

public sealed record CompletionRequest(DateOnly? CompletedOn);
