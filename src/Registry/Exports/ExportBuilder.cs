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
    bool IncludeFreeText,
    SavedCohortRef? SavedCohort = null);

/// <summary>
/// Rebuilds a cohort from the event log as it stood at one sequence (not from today's read models):
/// patient by patient, each stream folded up to that point (corrections applied, voided entries
/// left out as they stood then), turned into de-identified rows. Memory stays flat: one patient at a time.
/// </summary>
public sealed class ExportBuilder(IDocumentStore store, byte[] secret)
{
    /// <summary>The pseudonymous subject key: HMAC-SHA256 of the scope and the patient, unlinkable across scopes.</summary>
    public string Usubjid(string scope, Guid patientId) => Usubjid(secret, scope, patientId);

    /// <inheritdoc cref="Usubjid(string, Guid)"/>
    public static string Usubjid(byte[] secret, string scope, Guid patientId) => Access.Pseudonyms.Key(secret, scope, patientId);

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

    /// <summary>
    /// The cohort's patients as of the export's sequence, ordered by pseudonym, each folded up to that point. Who is in
    /// the cohort follows the enrolment as its amendments left it then (a transfer, a corrected disease or therapy line);
    /// an enrolment voided as a duplicate is in none.
    /// </summary>
    public async IAsyncEnumerable<(PatientEnrolled Patient, string Key, PatientState State)> PatientsAsync(
        ExportDefinition export, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct,
        Action<int>? counted = null)
    {
        await using var session = store.QuerySession();
        var members = (await EnrolmentsAt.LoadAsync(session, export.AsOfSequence, null, ct)).Where(p => InCohort(p, export.Cohort))
            .Select(p => (Patient: p, Key: Usubjid(export.PseudonymScope, p.PatientId)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        counted?.Invoke(members.Count);

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

    /// <summary>
    /// One patient's rows: the subject (dm) here, then each entry kind's own rows (<see cref="EntryKindModule.ExportRows"/>),
    /// dated as study days from the first dose (or enrolment when never dosed), or as years.
    /// </summary>
    public static IEnumerable<(string, object?[])> Rows(ExportDefinition export, PatientEnrolled p, string key, PatientState state)
    {
        var shape = ExportTables.ShapeOf(export);
        var firstDose = ((DoseEntry)EntryKinds.Of(EntryKind.Dose)).Given(state).Select(d => (DateOnly?)d.GivenOn).FirstOrDefault();
        var patient = new ExportPatient(key, state, shape, firstDose ?? p.EnrolledOn, firstDose);
        var age = Math.Min(90, p.EnrolledOn.Year - p.BirthYear);

        yield return ("dm", [key, p.SiteId, p.DiseaseCode, Kebab.Name(p.Sex), age, Kebab.Name(p.TherapyLine), Kebab.Name(p.Setting),
            patient.Day(p.EnrolledOn), firstDose is null ? "N" : "Y"]);

        foreach (var kind in EntryKinds.All)
        {
            if (kind.ExportTable(shape) is { } table)
            {
                foreach (var row in kind.ExportRows(patient))
                {
                    yield return (table.Name, row);
                }
            }
        }

        foreach (var row in ExportTables.SignatureRows(patient))
        {
            yield return ("sg", row);
        }
    }
}
