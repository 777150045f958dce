using System.Security.Cryptography;
using System.Text;
using JasperFx.Events;
using Marten;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Exports;

public sealed record CohortDefinition(
    IReadOnlyList<string> DiseaseCodes,
    IReadOnlyList<string> SiteIds,
    DateOnly? EnrolledFrom,
    DateOnly? EnrolledTo,
    string? TherapyLine);

public sealed record ExportDefinition(
    CohortDefinition Cohort,
    long AsOfSequence,
    DateTimeOffset? AsOfAt,
    string Format,
    string Dates,
    string PseudonymScope,
    bool IncludeFreeText);

/// <summary>
/// Rebuilds a cohort from the event log as it stood at one sequence (not from today's read models):
/// patient by patient, each stream folded up to that point (corrections applied, voided entries
/// left out as they stood then), turned into de-identified rows. Memory stays flat: one patient at a time.
/// </summary>
public sealed class ExportBuilder(IDocumentStore store, byte[] secret)
{
    /// <summary>The pseudonymous subject key: HMAC-SHA256 of the scope and the patient, unlinkable across scopes.</summary>
    public string Usubjid(string scope, Guid patientId)
    {
        var mac = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{scope}\n{patientId:N}"));
        return "R" + Convert.ToHexString(mac, 0, 10).ToLowerInvariant();
    }

    public async IAsyncEnumerable<(string Table, object?[] Row)> RowsAsync(
        ExportDefinition export, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (patient, key, state) in PatientsAsync(export, ct))
        {
            foreach (var row in Rows(export, patient, key, state))
            {
                yield return row;
            }
        }
    }

    /// <summary>The cohort's patients as of the export's sequence, ordered by pseudonym, each folded up to that point.</summary>
    public async IAsyncEnumerable<(PatientEnrolled Patient, string Key, PatientState State)> PatientsAsync(
        ExportDefinition export, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var enrolments = await session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypeName == "patient_enrolled" && e.Sequence <= export.AsOfSequence)
            .ToListAsync(ct);
        var members = enrolments.Select(e => (PatientEnrolled)e.Data).Where(p => InCohort(p, export.Cohort))
            .Select(p => (Patient: p, Key: Usubjid(export.PseudonymScope, p.PatientId)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

        foreach (var (patient, key) in members)
        {
            var events = (await session.Events.FetchStreamAsync(patient.PatientId, token: ct))
                .Where(e => e.Sequence <= export.AsOfSequence)
                .ToList();
            yield return (patient, key, Fold(events));
        }
    }

    private static PatientState Fold(IReadOnlyList<IEvent> events)
    {
        var projection = new PatientStateProjection();
        PatientState? state = null;
        foreach (var e in events)
        {
            state = projection.Evolve(state, e.StreamId, e);
        }

        return state!;
    }

    private static bool InCohort(PatientEnrolled p, CohortDefinition c) =>
        (c.DiseaseCodes.Count == 0 || c.DiseaseCodes.Contains(p.DiseaseCode))
        && (c.SiteIds.Count == 0 || c.SiteIds.Contains(p.SiteId))
        && (c.EnrolledFrom is not { } from || p.EnrolledOn >= from)
        && (c.EnrolledTo is not { } to || p.EnrolledOn <= to)
        && (c.TherapyLine is null || Kebab.Name(p.TherapyLine) == c.TherapyLine);

    public static IEnumerable<(string, object?[])> Rows(ExportDefinition export, PatientEnrolled p, string key, PatientState state)
    {
        var years = export.Dates == "year";
        var free = export.IncludeFreeText;
        var doses = state.Current(EntryKind.Dose)
            .Select(e => (e.Key, Data: e.Value.Read<DoseData>()))
            .OrderBy(d => d.Data.GivenOn)
            .ThenBy(d => d.Key)
            .ToList();
        var anchor = doses.Count > 0 ? doses[0].Data.GivenOn : p.EnrolledOn;
        int? Day(DateOnly? date) => date is not { } d ? null : years ? d.Year : StudyDays.Of(anchor, d);
        var age = Math.Min(90, p.EnrolledOn.Year - p.BirthYear);

        yield return ("dm", [key, p.SiteId, p.DiseaseCode, Kebab.Name(p.Sex), age, Kebab.Name(p.TherapyLine), Kebab.Name(p.Setting),
            Day(p.EnrolledOn), doses.Count > 0 ? "Y" : "N"]);

        foreach (var (_, d) in doses)
        {
            yield return ("ex", [key, Day(d.GivenOn), d.DoseIu, "IU", Kebab.Name(d.Route), Kebab.Name(d.Phase), d.Product,
                d.ConfirmUnusualDose ? "Y" : "N"]);
        }

        foreach (var (id, t) in state.Current(EntryKind.Treg)
            .Select(e => (e.Key, e.Value.Read<TregData>()))
            .OrderBy(x => x.Item2.SampledOn)
            .ThenBy(x => x.Key))
        {
            var gating = Kebab.Name(t.Gating);
            yield return ("lb", [key, "TREGPCD4", null, t.TregPercentOfCd4, "%", Day(t.SampledOn), gating]);
            if (t.TregPerUl is { } tregs)
            {
                yield return ("lb", [key, "TREGCNT", null, tregs, "/uL", Day(t.SampledOn), gating]);
            }

            if (t.Cd4PerUl is { } cd4)
            {
                yield return ("lb", [key, "CD4CNT", "24467-3", cd4, "/uL", Day(t.SampledOn), gating]);
            }

            if (t.TconvPercentOfCd4 is { } tconv)
            {
                yield return ("lb", [key, "TCONVPCD", null, tconv, "%", Day(t.SampledOn), gating]);
            }
        }

        foreach (var (_, s) in state.Current(EntryKind.Score)
            .Select(e => (e.Key, e.Value.Read<ScoreData>()))
            .OrderBy(x => x.Item2.AssessedOn)
            .ThenBy(x => x.Item2.Instrument, StringComparer.Ordinal)
            .ThenBy(x => x.Key))
        {
            yield return ("rs", [key, s.Instrument, s.Value, Day(s.AssessedOn)]);
        }

        foreach (var (id, entry) in state.Current(EntryKind.AdverseEvent).OrderBy(e => e.Value.Date).ThenBy(e => e.Key))
        {
            var report = entry.Read<AdverseEventData>();
            var now = AdverseEventFold.Current(state, id);
            object?[] row = [key, report.MeddraPtCode, report.MeddraSocCode, now.WorstGrade, now.SeriousCriteria.Count > 0 ? "Y" : "N",
                string.Join('|', now.SeriousCriteria.Select(c => Kebab.Name(c))), now.Causality is { } c ? Kebab.Name(c) : null,
                now.Expected is { } x ? (x ? "Y" : "N") : null, Kebab.Name(now.Outcome), Day(now.OnsetOn), Day(now.ResolvedOn)];
            yield return ("ae", free ? [.. row, report.Term] : row);
        }

        foreach (var (_, m) in state.Current(EntryKind.Conmed)
            .Select(e => (e.Key, e.Value.Read<ConmedData>()))
            .OrderBy(x => x.Item2.StartedOn)
            .ThenBy(x => x.Key))
        {
            object?[] row = [key, Kebab.Name(m.DrugClass), m.Dose, m.Unit, Day(m.StartedOn), Day(m.StoppedOn)];
            yield return ("cm", free ? [.. row, m.Drug] : row);
        }

        if (state.Ended is { } ended)
        {
            var entry = state.Entries[ended.EntryId];
            var (decod, term) = ended.Kind == EntryKind.Withdrawal
                ? (Kebab.Name(entry.Read<WithdrawalData>().ReasonCode), entry.Read<WithdrawalData>().Reason)
                : ("completed", null);
            object?[] row = [key, decod, Day(ended.On)];
            yield return ("ds", free ? [.. row, term] : row);
        }
    }
}
