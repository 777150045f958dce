using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten.Events.Aggregation;
using Registry.Infrastructure;

namespace Registry.Patients;

public sealed record TregFact(
    DateOnly SampledOn,
    decimal TregPercentOfCd4,
    Gating Gating,
    decimal? TconvPercentOfCd4,
    long RecordedSequence);

public sealed record ScoreFact(DateOnly AssessedOn, string Instrument, decimal Value, long RecordedSequence);

public sealed record EndFact([property: JsonConverter(typeof(KebabEnum<EntryKind>))] EntryKind Kind, DateOnly On, WithdrawalReason? Reason);

/// <summary>
/// Everything the cohort, safety and signal figures need about one patient, folded from the patient's
/// stream by the async daemon: the current (corrected, not voided) doses, Treg results, scores,
/// adverse events with their follow-ups, and the end of participation. Figures are computed from these
/// documents at query time (medians, filters by site or therapy line, exposure up to today), so a
/// rebuild gives the same figures as the live projection by construction.
/// </summary>
public sealed class PatientFacts : IAdverseEventLog
{
    public Guid Id { get; set; }

    public string SiteId { get; set; } = "";

    public string SubjectCode { get; set; } = "";

    public string DiseaseCode { get; set; } = "";

    public TherapyLine TherapyLine { get; set; }

    public int BirthYear { get; set; }

    public Sex Sex { get; set; }

    public DateOnly EnrolledOn { get; set; }

    /// <summary>A duplicate enrolment, voided: it contributes no figure row, exposure, TEAE or SAE.</summary>
    public bool Voided { get; set; }

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

    /// <summary>
    /// The patient's contributions to the cohort figures (<see cref="IPatientFigures"/>), computed once per
    /// batch by the projection. Not part of the document: they go out in <see cref="FigureRows"/>.
    /// </summary>
    [JsonIgnore]
    public List<FigureRow> Figures { get; set; } = [];

    /// <summary>The exposure window before any data cut-off (null when never dosed), for the safety figures' table rows.</summary>
    [JsonIgnore]
    public ExposureRow? Exposure { get; set; }

    /// <summary>The treatment-emergent adverse events inside that window, for the safety figures' table rows.</summary>
    [JsonIgnore]
    public List<TeaeRow> Teaes { get; set; } = [];

    /// <summary>The adverse events that have ever been serious, for the SAE rows.</summary>
    [JsonIgnore]
    public List<Guid> SeriousAdverseEventIds { get; set; } = [];

    /// <summary>
    /// All of the above as one JSON text (<see cref="PatientRows"/>), from which the triggers of
    /// <c>migrations/0008</c> fill the figure-row tables: they read this one value of the document (one
    /// decompression of it) rather than a value per column, each of which would decompress the document again.
    /// Worked out when the document is written (the first read after an event), not after every event: the
    /// daemon calls <see cref="PatientFactsProjection.ApplyMetadata"/> after each event of a rebuild, and working
    /// the rows out there made the rebuild four times slower (docs/performance.md).
    /// </summary>
    public string? FigureRows
    {
        get => _figureRows ??= RowsSource?.Invoke(this);
        set => _figureRows = value;
    }

    /// <summary>What works out <see cref="FigureRows"/> (set by the projection; none for a document read back).</summary>
    [JsonIgnore]
    public Func<PatientFacts, string?>? RowsSource { get; set; }

    private string? _figureRows;

    /// <summary>An event was applied: the rows are worked out again when next read.</summary>
    public void RowsChanged() => _figureRows = null;

    [JsonIgnore]
    public DateOnly? FirstDoseOn => Doses.Count == 0 ? null : Doses.Values.Min(d => d.GivenOn);

    [JsonIgnore]
    public DateOnly? LastDoseOn => Doses.Count == 0 ? null : Doses.Values.Max(d => d.GivenOn);

    [JsonIgnore]
    public EndFact? End => Ends.Values.OrderBy(e => e.On).FirstOrDefault();

    /// <summary>An adverse event as it stands with its follow-ups, in the order they were recorded.</summary>
    public AdverseEventNow Current(Guid adverseEventId) => AdverseEventFold.Current(this, adverseEventId);
}

/// <summary>
/// One patient's contribution to one figure: a measure (<c>treg</c>, <c>clinical:&lt;instrument&gt;</c>…) at a
/// target day, with its value, whether it responds, the value at the target where the figure counts them, and the
/// exact change where the figure averages it.
/// </summary>
public sealed record FigureRow(
    string Measure, int Day, double? Value, bool? Responder = null, decimal? AtTarget = null, decimal? Change = null);

/// <summary>
/// An exposed patient's window before any data cut-off: from the first dose until the earliest of last dose +
/// 28 days, the end of participation and death; the figures end it at their cut-off too.
/// </summary>
public sealed record ExposureRow(DateOnly From, DateOnly Until, bool Died, bool DiscontinuedForAe);

/// <summary>
/// A treatment-emergent adverse event as the safety figures count it: its system organ class when its preferred term
/// is coded, its term key (the PT code, else the lower-cased verbatim term), the worst grade, seriousness, and the
/// days from the first dose to onset.
/// </summary>
public sealed record TeaeRow(
    Guid AdverseEventId, DateOnly OnsetOn, string? SocKey, string? PtCode, string TermKey, string Term, int WorstGrade, bool Serious,
    int OnsetDay);

/// <summary>
/// An adverse event that has been serious, as the SAE clocks read it: its patient, its states over time and its
/// current report (null once voided). Read from <c>registry.sae_rows</c>, or taken from the facts.
/// </summary>
public sealed record SaeRow(
    Guid PatientId, string SubjectCode, string SiteId, string DiseaseCode, Guid AdverseEventId, List<AeMoment> History,
    AdverseEventData? Report)
{
    public static SaeRow? Of(PatientFacts facts, Guid adverseEventId) =>
        facts.AeHistory.TryGetValue(adverseEventId, out var history)
            ? new SaeRow(facts.Id, facts.SubjectCode, facts.SiteId, facts.DiseaseCode, adverseEventId, history,
                facts.AdverseEvents.TryGetValue(adverseEventId, out var fact) ? fact.Report : null)
            : null;
}

/// <summary>What the triggers copy into the figure-row tables for one patient (<see cref="PatientFacts.FigureRows"/>).</summary>
public sealed record PatientRows(
    string DiseaseCode, string SiteId, string TherapyLine, long LastSequence, List<FigureRow> Figures, ExposureRow? Exposure,
    List<TeaeRow> Teaes, List<SaeRow> Saes);

/// <summary>What a patient's facts contribute to the figures (the cohorts' response rules, the safety's exposure).</summary>
public interface IPatientFigures
{
    void Apply(PatientFacts facts);
}

/// <summary>
/// The cohort and safety facts, folded by the async daemon. Given the figures (the registry's
/// registration), each patient's figure rows are computed once per batch after its events are applied.
/// </summary>
public sealed class PatientFactsProjection : SingleStreamProjection<PatientFacts, Guid>
{
    private readonly IPatientFigures[] _figures;
    private readonly Func<PatientRows, string>? _toJson;

    public PatientFactsProjection() : this(null)
    {
    }

    /// <param name="toJson">The store's serializer, for the rows' JSON (null: no rows, as in a fold in memory).</param>
    /// <param name="figures">What computes the rows.</param>
    public PatientFactsProjection(Func<PatientRows, string>? toJson, params IPatientFigures[] figures)
    {
        _toJson = toJson;
        _figures = figures;
        IncludeType<PatientEnrolled>();
        foreach (var type in EntryKinds.FactEventTypes)
        {
            IncludeType(type);
        }

        IncludeType<EntryCorrected>();
        IncludeType<EntryVoided>();
        foreach (var type in Amendments.EnrolmentEventTypes)
        {
            IncludeType(type);
        }

        // Events per daemon batch (Marten's default is 500): a rebuild commits once per batch and writes each patient's
        // document once per batch, so fewer, larger batches rebuild twice as fast (docs/performance.md); a caught-up
        // daemon's batches are small whatever this says.
        Options.BatchSize = 20_000;
    }

    /// <summary>
    /// Called after a patient's events (once per batch in the live daemon, after every event in a rebuild). In
    /// memory (no serializer) the figure rows are worked out here; for the store, when the document is written
    /// (<see cref="PatientFacts.FigureRows"/>), once however many events came before.
    /// </summary>
    public override PatientFacts ApplyMetadata(PatientFacts aggregate, IEvent lastEvent)
    {
        if (_toJson is null)
        {
            Rows(aggregate);
        }
        else
        {
            aggregate.RowsSource ??= RowsJson;
        }

        return aggregate;
    }

    private void Rows(PatientFacts facts)
    {
        foreach (var figures in _figures)
        {
            figures.Apply(facts);
        }

        if (facts.Voided)
        {
            (facts.Figures, facts.Exposure, facts.Teaes, facts.SeriousAdverseEventIds) = ([], null, [], []);
        }
    }

    private string? RowsJson(PatientFacts facts)
    {
        Rows(facts);
        if (facts.Voided)
        {
            return null;
        }

        return _toJson!(new PatientRows(
            facts.DiseaseCode, facts.SiteId, Kebab.Name(facts.TherapyLine), facts.LastSequence, facts.Figures, facts.Exposure,
            facts.Teaes, facts.SeriousAdverseEventIds.Select(id => SaeRow.Of(facts, id)).OfType<SaeRow>().ToList()));
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

        var moment = new EntryMoment(e.Sequence, e.Version, e.Timestamp, e.UserName, e.Data is EntryCorrected);
        switch (e.Data)
        {
            case IEntryEvent entry when EntryKinds.Starting(entry) is { } module:
                module.Fold(snapshot, entry.EntryId, entry.Values, moment);
                break;
            case EntryCorrected x:
                var corrected = EntryKinds.Of(x.Kind);
                corrected.Fold(snapshot, x.EntryId, corrected.Values(x.Values), moment);
                break;
            case EntryVoided x:
                snapshot.Doses.Remove(x.EntryId);
                snapshot.Tregs.Remove(x.EntryId);
                snapshot.Scores.Remove(x.EntryId);
                snapshot.Ends.Remove(x.EntryId);
                break;
            case EnrolmentVoided:
                snapshot.Voided = true;
                break;
            case EnrolmentCorrected x:
                (snapshot.DiseaseCode, snapshot.TherapyLine, snapshot.BirthYear, snapshot.Sex, snapshot.EnrolledOn) =
                    (x.Values.DiseaseCode, x.Values.TherapyLine, x.Values.BirthYear, x.Values.Sex, x.Values.EnrolledOn);
                break;
            case PatientTransferred x:
                (snapshot.SiteId, snapshot.SubjectCode) = (x.ToSiteId, x.SubjectCode);
                break;
        }

        if (AdverseEventFold.Apply(snapshot, e.Data, moment) is { } changed)
        {
            snapshot.HadSeriousAdverseEvent |= changed.Now is { SeriousCriteria.Count: > 0 };
        }

        snapshot.LastSequence = e.Sequence;
        snapshot.RowsChanged();
        return snapshot;
    }
}
