using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Infrastructure;

namespace Registry.Patients;

/// <summary>The kinds of timeline entry (API.md), sent and stored under their kebab names (<c>dose-held</c>).</summary>
public enum EntryKind
{
    Dose,
    DoseHeld,
    Treg,
    Score,
    AdverseEvent,
    AeFollowUp,
    Conmed,
    NotDone,
    Withdrawal,
    Completion,
}

/// <summary>An event that starts an entry: its id and its values (the kind's value record).</summary>
public interface IEntryEvent
{
    Guid EntryId { get; }

    object Values { get; }
}

/// <summary>An entry that came with a visit.</summary>
public interface IVisitEntryEvent : IEntryEvent
{
    Guid VisitId { get; }

    DateOnly VisitDate { get; }
}

/// <summary>How a field's first value is chosen on the pages: from the form's context or a literal.</summary>
public sealed record FieldInitial(string? From = null, string? Value = null)
{
    public static readonly FieldInitial VisitDate = new(From: "visit-date");
}

/// <summary>One field of an entry kind as the pages show it (served by <c>GET /api/entry-kinds</c>).</summary>
public sealed record EntryField(
    string Name,
    string Label,
    string Type,
    bool Optional = false,
    bool Wide = false,
    string? Hint = null,
    string? Options = null,
    string? OptionsFrom = null,
    string? HintFrom = null,
    FieldInitial? Initial = null);

/// <summary>An entry kind's labels and fields for the pages.</summary>
public sealed record EntryForm(string Title, string One, string? Add, IReadOnlyList<EntryField> Fields);

/// <summary>
/// Everything about one kind of entry, in one file per kind (<c>Patients/Entries/*.cs</c>): its request,
/// values, event, rules, correctable fields, how it folds into the facts, and its form for the pages.
/// <see cref="EntryKinds"/> holds one module per kind; nothing else switches on a kind.
/// </summary>
public abstract class EntryKindModule
{
    public abstract EntryKind Kind { get; }

    /// <summary>The kind's kebab name, as the API spells it.</summary>
    public string Name => Kebab.Name(Kind);

    public abstract Type RequestType { get; }

    public abstract Type ValuesType { get; }

    public abstract Type EventType { get; }

    /// <summary>The visit's list the kind is entered in (<c>doses</c>), or null when it is not entered with a visit.</summary>
    public virtual string? VisitList => null;

    /// <summary>Request fields a correction cannot change.</summary>
    public virtual IReadOnlyCollection<string> Immutable => [];

    /// <summary>The fields a correction can change: the request's, but the immutable ones.</summary>
    public IReadOnlySet<string> CorrectableFields => field ??= RequestType.GetProperties()
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
        .Except(Immutable)
        .ToFrozenSet();

    public abstract EntryForm Form { get; }

    /// <summary>The clinical date of an entry's values; null when the values have none (the entry's first date then counts).</summary>
    public abstract DateOnly? DateOf(JsonObject values);

    /// <summary>
    /// The rules of the kind (DOMAIN.md) for a request, new or a correction's merged values: every error at
    /// its path, and the values when there were none. <paramref name="existing"/> is the entry being corrected.
    /// </summary>
    public abstract object? Check(EntryRules rules, string path, object request, Guid? self, StateEntry? existing);

    /// <summary>The event that starts an entry of this kind with a visit (only kinds with a <see cref="VisitList"/>).</summary>
    public virtual IVisitEntryEvent StartWithVisit(Guid entryId, Guid visitId, DateOnly visitDate, object values) =>
        throw new InvalidOperationException($"A {Name} entry does not come with a visit.");

    /// <summary>
    /// The rules for a new entry of a visit (only kinds with a <see cref="VisitList"/>); the visit's items of the kind beside it.
    /// </summary>
    public virtual object? CheckInVisit(EntryRules rules, string path, object request, System.Collections.IList visitItems) =>
        throw new InvalidOperationException($"A {Name} entry does not come with a visit.");

    /// <summary>The entry id of a new entry: the client's id for kinds that carry one, else a new one.</summary>
    public virtual Guid NewEntryId(object request) => Guid.CreateVersion7();

    /// <summary>Whether the kind's events reach the cohort and safety facts (<see cref="PatientFactsProjection"/>).</summary>
    public virtual bool InFacts => false;

    /// <summary>Folds an entry's values (the kind's value record) into the patient's facts, when recorded or corrected.</summary>
    public abstract void Fold(PatientFacts facts, Guid entryId, object values, EntryMoment moment);

    /// <summary>The clinical date of the kind's value record; null when it has none.</summary>
    public abstract DateOnly? DateOfValues(object values);

    /// <summary>Stored values (an entry's JSON) as the kind's value record.</summary>
    public abstract object Values(JsonObject values);

    /// <summary>The export table the kind's entries go to (null: none), shaped for the export.</summary>
    public virtual Table? ExportTable(ExportShape shape) => null;

    /// <summary>The kind's rows of its export table for one patient, in the table's order.</summary>
    public virtual IEnumerable<object?[]> ExportRows(ExportPatient patient) => [];

    public JsonObject ToJson(object values) => JsonSerializer.SerializeToNode(values, ValuesType, RegistryJson.Options)!.AsObject();
}

/// <summary>A module with its types: the request a site sends, the values it becomes, the event that records them.</summary>
public abstract class EntryKindModule<TRequest, TValues, TEvent> : EntryKindModule
    where TRequest : class
    where TValues : class
    where TEvent : IEntryEvent
{
    public override Type RequestType => typeof(TRequest);

    public override Type ValuesType => typeof(TValues);

    public override Type EventType => typeof(TEvent);

    public abstract DateOnly? DateOf(TValues values);

    public abstract TValues? Check(EntryRules rules, string path, TRequest request, Guid? self, StateEntry? existing);

    public virtual void Fold(PatientFacts facts, Guid entryId, TValues values, EntryMoment moment)
    {
    }

    public static TValues Read(JsonObject values) => EntryJson.Read<TValues>(values);

    /// <summary>The patient's current (not voided) entries of the kind with their values.</summary>
    protected IEnumerable<(Guid Id, TValues Values)> Entries(PatientState state) =>
        state.Current(Kind).Select(e => (e.Key, Read(e.Value.Data)));

    public sealed override DateOnly? DateOf(JsonObject values) => DateOf(Read(values));

    public sealed override object? Check(EntryRules rules, string path, object request, Guid? self, StateEntry? existing) =>
        Check(rules, path, (TRequest)request, self, existing);

    public sealed override void Fold(PatientFacts facts, Guid entryId, object values, EntryMoment moment) =>
        Fold(facts, entryId, (TValues)values, moment);

    public sealed override DateOnly? DateOfValues(object values) => DateOf((TValues)values);

    public sealed override object Values(JsonObject values) => Read(values);
}

/// <summary>A kind entered with a visit: the event it starts.</summary>
public abstract class VisitEntryKindModule<TRequest, TValues, TEvent> : EntryKindModule<TRequest, TValues, TEvent>
    where TRequest : class
    where TValues : class
    where TEvent : IVisitEntryEvent
{
    public abstract override string VisitList { get; }

    public abstract TEvent Start(Guid entryId, Guid visitId, DateOnly visitDate, TValues values);

    /// <summary>The rules for a new entry of a visit, which may look at the visit's other entries of the kind.</summary>
    public virtual TValues? CheckInVisit(EntryRules rules, string path, TRequest request, IReadOnlyList<TRequest?> visitItems) =>
        Check(rules, path, request, null, null);

    public sealed override object? CheckInVisit(EntryRules rules, string path, object request, System.Collections.IList visitItems) =>
        CheckInVisit(rules, path, (TRequest)request, visitItems.Cast<TRequest?>().ToList());

    public sealed override IVisitEntryEvent StartWithVisit(Guid entryId, Guid visitId, DateOnly visitDate, object values) =>
        Start(entryId, visitId, visitDate, (TValues)values);
}

/// <summary>The registry of entry kinds: one module per kind, found by kind or by the event that starts it.</summary>
public static class EntryKinds
{
    public static readonly IReadOnlyList<EntryKindModule> All =
    [
        new DoseEntry(),
        new TregEntry(),
        new ScoreEntry(),
        new AdverseEventEntry(),
        new ConmedEntry(),
        new DoseHeldEntry(),
        new NotDoneEntry(),
        new AeFollowUpEntry(),
        new WithdrawalEntry(),
        new CompletionEntry(),
    ];

    private static readonly FrozenDictionary<EntryKind, EntryKindModule> ByKind = All.ToFrozenDictionary(m => m.Kind);

    private static readonly FrozenDictionary<Type, EntryKindModule> ByEvent = All.ToFrozenDictionary(m => m.EventType);

    public static EntryKindModule Of(EntryKind kind) => ByKind[kind];

    /// <summary>The module of the kind an event starts, or null for events that start no entry.</summary>
    public static EntryKindModule? Starting(object @event) => ByEvent.GetValueOrDefault(@event.GetType());

    /// <summary>The event types that start entries, for the projections that include them.</summary>
    public static IEnumerable<Type> EventTypes => All.Select(m => m.EventType);

    /// <summary>The event types of the kinds the cohort and safety facts hold.</summary>
    public static IEnumerable<Type> FactEventTypes => All.Where(m => m.InFacts).Select(m => m.EventType);
}

/// <summary>
/// When an entry's values were recorded: the event's global sequence, its stream version, the store's
/// timestamp and user, and whether it was a correction (the entry existed before).
/// </summary>
public sealed record EntryMoment(long Sequence, long Version, DateTimeOffset At, string? By, bool Correction);

/// <summary>A new entry as an event brings it: the facts both the write model and the timeline keep.</summary>
public sealed record NewEntry(Guid EntryId, EntryKind Kind, DateOnly Date, Guid? VisitId, JsonObject Data)
{
    /// <summary>The entry an event starts, or null for events that start none.</summary>
    public static NewEntry? From(object @event)
    {
        if (@event is not IEntryEvent entry || EntryKinds.Starting(@event) is not { } module)
        {
            return null;
        }

        var data = module.ToJson(entry.Values);
        var visit = entry as IVisitEntryEvent;
        var date = module.DateOfValues(entry.Values) ?? visit?.VisitDate
            ?? throw new InvalidOperationException($"A {module.Name} entry has no date.");
        return new NewEntry(entry.EntryId, module.Kind, date, visit?.VisitId, data);
    }

    /// <summary>The clinical date of an entry's values (for conmeds without a start: the date it was first recorded).</summary>
    public static DateOnly DateOf(EntryKind kind, JsonObject data, DateOnly fallback) => EntryKinds.Of(kind).DateOf(data) ?? fallback;
}

/// <summary>Entry values as JSON objects, in the registry's one JSON dialect (camelCase, kebab enumerations).</summary>
public static class EntryJson
{
    public static JsonObject ToJson<T>(T data) => JsonSerializer.SerializeToNode(data, RegistryJson.Options)!.AsObject();

    public static T Read<T>(JsonObject data) => data.Deserialize<T>(RegistryJson.Options)
        ?? throw new InvalidOperationException($"An entry's values could not be read as {typeof(T).Name}.");
}
