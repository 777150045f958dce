using Marten;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Sites;

namespace Registry.Safety.Reports;

/// <summary>
/// One serious adverse event's case as the registry knew it at a point of the log (<see cref="AsOfSequence"/>): the patient's
/// facts and write model folded from the patient's stream up to that point, the case's pv steps up to it, and the site.
/// </summary>
public sealed record CaseFile(
    Guid AdverseEventId, PatientFacts Facts, PatientState State, SaeCaseRecord? Case, Site? Site, long AsOfSequence,
    DateTimeOffset PatientChangedAt)
{
    /// <summary>
    /// When the case last changed: its patient's latest event or its latest pv step, but <paramref name="except"/> (a report's
    /// own step: the report made just before it was recorded is the same report). A report's creation time, so the same
    /// case makes the same report.
    /// </summary>
    public DateTimeOffset ChangedAt(long? except = null) =>
        Actions.Where(a => a.Sequence != except).Select(a => a.At).Append(PatientChangedAt).Max();

    /// <summary>The site's time zone (UTC when the site is unknown).</summary>
    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(Site?.TimeZone ?? "UTC");

    /// <summary>The report as it stands (corrected), voided or not: the entry keeps its values after a void.</summary>
    public AdverseEventData Report => State.Entries[AdverseEventId].Read<AdverseEventData>();

    /// <summary>Whether the event was voided (it then counts nowhere; a submitted one may need a nullification).</summary>
    public bool Voided => !Facts.AdverseEvents.ContainsKey(AdverseEventId);

    /// <summary>The event with its follow-ups now, or its last state before a void.</summary>
    public AdverseEventNow Now => Voided
        ? Facts.AeHistory[AdverseEventId].Select(m => m.Now).OfType<AdverseEventNow>().LastOrDefault() ?? AdverseEventNow.From(Report)
        : Facts.Current(AdverseEventId);

    /// <summary>The doses given, in order.</summary>
    public IReadOnlyList<DoseData> Doses => [.. Facts.Doses.Values.OrderBy(d => d.GivenOn).ThenBy(d => d.GivenAt)];

    /// <summary>The first dose's day, if any.</summary>
    public DateOnly? FirstDose => Facts.Doses.Count == 0 ? null : Facts.Doses.Values.Min(d => d.GivenOn);

    /// <summary>The onset as the computations use it (imputed when partial).</summary>
    public DateOnly Onset => AdverseEventFold.ImputedOnset(Report, Now, FirstDose);

    /// <summary>The concomitant medications in force.</summary>
    public IReadOnlyList<ConmedData> Conmeds =>
        [.. State.Current(EntryKind.Conmed).Select(e => e.Value.Read<ConmedData>()).OrderBy(c => c.StartedOn?.First ?? DateOnly.MinValue)];

    /// <summary>The case's pv steps, each with its sequence (none before the first).</summary>
    public IReadOnlyList<SaeAction> Actions => Case?.Actions ?? [];

    /// <summary>The reports sent, oldest first: version n is the n-th.</summary>
    public IReadOnlyList<SaeAction> Reports => [.. Actions.Where(a => a.IsReport)];

    /// <summary>
    /// The case as known at <paramref name="asOfSequence"/> (null: now): null when no adverse event has this id, or it was
    /// not yet recorded at that point.
    /// </summary>
    public static async Task<CaseFile?> LoadAsync(IQuerySession session, Guid adverseEventId, long? asOfSequence, CancellationToken ct)
    {
        if (await session.LoadAsync<AdverseEventOwner>(adverseEventId, ct) is not { PatientId: var patientId })
        {
            return null;
        }

        var factsProjection = new PatientFactsProjection();
        var stateProjection = new PatientStateProjection();
        PatientFacts? facts = null;
        PatientState? state = null;
        long last = 0;
        var lastAt = DateTimeOffset.MinValue;
        foreach (var e in await session.Events.FetchStreamAsync(patientId, token: ct))
        {
            if (asOfSequence is { } point && e.Sequence > point)
            {
                break;
            }

            facts = factsProjection.Evolve(facts, patientId, e);
            state = stateProjection.Evolve(state, patientId, e);
            last = e.Sequence;
            lastAt = e.Timestamp;
        }

        if (facts is null || state is null || !state.Entries.ContainsKey(adverseEventId) || !facts.AeHistory.ContainsKey(adverseEventId))
        {
            return null;
        }

        var pvCase = (await SaeCaseRecord.LoadAsync(session, [adverseEventId], ct)).GetValueOrDefault(adverseEventId);
        if (pvCase is not null && asOfSequence is { } upTo)
        {
            pvCase.Actions = [.. pvCase.Actions.Where(a => a.Sequence <= upTo)];
        }

        var site = await session.LoadAsync<Site>(facts.SiteId, ct);
        return new CaseFile(adverseEventId, facts, state, pvCase, site, Math.Max(last, pvCase?.LastSequence ?? 0), lastAt);
    }
}

/// <summary>Builds a version of a case's individual case safety report from its <see cref="CaseFile"/>.</summary>
public static class IcsrCases
{
    /// <summary>The Treg test's name, as reported (F.r.2.1).</summary>
    public const string TregTest = "Regulatory T cells (CD4+CD25+FOXP3+ or CD4+CD25+CD127low) in CD4+ T cells";

    public const string TconvTest = "Conventional T cells in CD4+ T cells";

    /// <summary>
    /// The worldwide unique case id (C.1.8.1: country, sender, the sender's case number): the country code, the sender's name
    /// in capitals and digits, and the adverse event's id. It never changes across the case's versions.
    /// </summary>
    public static string WorldwideCaseId(SafetyReportOptions options, Guid adverseEventId)
    {
        var sender = new string([.. options.SenderOrganisation.ToUpperInvariant().Where(char.IsAsciiLetterOrDigit).Take(20)]);
        return $"{options.CountryCode.ToUpperInvariant()}-{(sender.Length == 0 ? "REGISTRY" : sender)}-{adverseEventId:N}";
    }

    /// <summary>
    /// Version <paramref name="version"/> of the case's report (<paramref name="kind"/>): the case as <paramref name="file"/>
    /// holds it, its narrative the latest a pv officer wrote (or the generated draft when none was).
    /// </summary>
    public static IcsrCase Build(
        CaseFile file, SafetyReportOptions options, DiseaseCatalogue catalogue, int version, IcsrReportKind kind,
        DateTimeOffset createdAt, DateOnly? receivedOn, string? nullificationReason)
    {
        var report = file.Report;
        var now = file.Now;
        var facts = file.Facts;
        var disease = catalogue.FindDisease(facts.DiseaseCode)?.Name ?? facts.DiseaseCode;
        // C.1.4: the day the registry first knew the case was serious (the regulatory clock's day 0, DOMAIN.md); C.1.5: the
        // day of the latest information recorded on it, or the new information a follow-up report names.
        var history = facts.AeHistory[file.AdverseEventId];
        var firstSerious = history.FirstOrDefault(m => m.Now is { SeriousCriteria.Count: > 0 });
        var firstReceived = firstSerious is null ? report.AwareOn : SaeSiteClock.LocalDate(firstSerious.At, file.Zone);
        var news = history.Select(m => SaeSiteClock.LocalDate(m.At, file.Zone)).Append(firstReceived);
        var mostRecent = receivedOn is { } r ? news.Append(r).Max() : news.Max();
        var tests = facts.Tregs.Values.OrderBy(t => t.SampledOn)
            .SelectMany(t => new[]
            {
                new IcsrTest(t.SampledOn, TregTest, t.TregPercentOfCd4, "%"),
                t.TconvPercentOfCd4 is { } tconv ? new IcsrTest(t.SampledOn, TconvTest, tconv, "%") : null,
            })
            .OfType<IcsrTest>()
            .ToList();
        var id = file.Case?.CaseId ?? WorldwideCaseId(options, file.AdverseEventId);
        return new IcsrCase(
            file.AdverseEventId, id, id, version, kind, firstReceived, mostRecent, createdAt, file.AsOfSequence, nullificationReason,
            new IcsrSender(
                options.SenderOrganisation, options.CountryCode.ToUpperInvariant(), options.StudyName, options.StudyRegistration),
            new IcsrPrimarySource(facts.SiteId, file.Site?.Name ?? facts.SiteId, file.Site?.Country ?? options.CountryCode),
            new IcsrPatient(facts.SubjectCode, file.Onset.Year - facts.BirthYear, facts.Sex, facts.DiseaseCode, disease, facts.TherapyLine,
                Exposure.DeathDate(facts)),
            new IcsrReaction(report.Term, report.MeddraPtCode, report.MeddraSocCode, now.OnsetOn, now.ResolvedOn, now.WorstGrade,
                [.. now.SeriousCriteria.Order()], now.Outcome, now.Causality, now.Expected, report.ActionTaken),
            tests,
            [.. file.Doses.Select(d => new IcsrDose(d.GivenOn, d.DoseIu, d.Route, d.Product, d.Lot))],
            [.. file.Conmeds.Select(c => new IcsrConcomitant(c.Drug, c.DrugClass, c.Dose, c.Unit, c.StartedOn, c.StoppedOn))],
            file.Case?.Narrative ?? CaseNarrative.Draft(file, disease),
            "Reported from an observational registry of low-dose interleukin-2; causality and expectedness as the site assessed them.");
    }
}
