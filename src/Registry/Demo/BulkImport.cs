using JasperFx.Events;
using Marten;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Patients.Closing;
using Registry.Patients.Correcting;
using Registry.Patients.Enrolling;
using Registry.Patients.FollowingUp;
using Registry.Patients.RecordingVisits;
using Registry.Patients.Timeline;
using Registry.Sites;
using Weasel.Core;

namespace Registry.Demo;

public sealed record ImportResult(int Patients, int Events);

/// <summary>
/// Imports many patients' histories at once (a migration from another registry, or demo and load data):
/// every step is decided by the same rules as the API (a step the API would refuse stops the import),
/// then the events go in through the store's COPY-based bulk append, in batches. Bulk appends skip
/// inline projections, so the patient timelines are rebuilt afterwards; the async daemon catches up
/// on the rest by itself.
/// </summary>
public sealed class BulkImport(IDocumentStore store, DiseaseCatalogue catalogue, TimeProvider time)
{
    public const string ImportUser = "import";

    public async Task<ImportResult> ImportAsync(
        IEnumerable<GeneratedPatient> patients, int patientsPerBatch, Action<int, int>? progress, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var sitesSeen = new HashSet<string>();
        int patientCount = 0, eventCount = 0;
        foreach (var batch in patients.Chunk(patientsPerBatch))
        {
            var streams = new List<StreamAction>();
            var claims = new List<SubjectCodeClaim>();
            foreach (var patient in batch)
            {
                var (id, events, dates) = DecideWithDates(patient, today);
                var action = StreamAction.Start(((DocumentStore)store).Events, id, events.ToArray());
                for (var i = 0; i < action.Events.Count; i++)
                {
                    // Recorded when it happened (mid-morning UTC of the step's date), as in the registry it came from.
                    action.Events[i].UserName = ImportUser;
                    action.Events[i].Timestamp = new DateTimeOffset(dates[i].ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero).AddSeconds(i);
                }

                streams.Add(action);
                claims.Add(new SubjectCodeClaim
                {
                    Id = SubjectCodeClaim.KeyFor(patient.Enrolment.SiteId!, patient.Enrolment.SubjectCode!),
                    PatientId = id,
                });
                eventCount += events.Count;
                sitesSeen.Add(patient.Enrolment.SiteId!);
            }

            await EnsureSitesAsync(sitesSeen, ct);
            await store.BulkInsertEventsAsync(streams, 5000, ct);
            await store.BulkInsertDocumentsAsync(claims, BulkInsertMode.InsertsOnly, 5000, ct);
            patientCount += batch.Length;
            progress?.Invoke(patientCount, eventCount);
        }

        return new ImportResult(patientCount, eventCount);
    }

    /// <summary>Rebuilds the timelines and the adverse events' owners (inline, so skipped by the bulk append) through the daemon.</summary>
    public async Task RebuildInlineProjectionsAsync(CancellationToken ct)
    {
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<PatientRecordProjection>(ct);
        await daemon.RebuildProjectionAsync<AdverseEventOwnerProjection>(ct);
    }

    /// <summary>Runs one generated patient's steps through the API's decisions; the events they produce, in order.</summary>
    public (Guid PatientId, List<object> Events) Decide(GeneratedPatient patient, DateOnly today)
    {
        var (id, events, _) = DecideWithDates(patient, today);
        return (id, events);
    }

    /// <summary>As <see cref="Decide"/>, with the date each event was recorded on (its step's date).</summary>
    public (Guid PatientId, List<object> Events, List<DateOnly> Dates) DecideWithDates(GeneratedPatient patient, DateOnly today)
    {
        var id = Guid.CreateVersion7();
        var enrolment = patient.Enrolment;
        Kebab.TryParse<Sex>(enrolment.Sex, out var sex);
        Kebab.TryParse<TherapyLine>(enrolment.TherapyLine, out var line);
        Kebab.TryParse<CareSetting>(enrolment.Setting, out var setting);
        var enrolled = new PatientEnrolled(id, enrolment.SiteId!, enrolment.SubjectCode!, enrolment.DiseaseCode!,
            enrolment.BirthYear!.Value, sex,
            enrolment.EnrolledOn!.Value, enrolment.ConsentVersion!, line, setting,
            new Regimen(enrolment.Regimen?.InductionDays ?? 5, enrolment.Regimen?.MaintenanceIntervalDays ?? 14));
        var events = new List<object> { enrolled };
        var dates = new List<DateOnly> { enrolment.EnrolledOn!.Value };
        var state = PatientStateProjection.Fold(null, enrolled, 1, id);
        foreach (var step in patient.Steps)
        {
            var decision = step switch
            {
                VisitStep v => RecordVisitEndpoint.Decide(v.Visit, state, today, catalogue),
                FollowUpStep f => FollowUpAdverseEventEndpoint.Decide(f.AdverseEventId, f.FollowUp, state, today, catalogue),
                CorrectionStep c => CorrectEntryEndpoint.Decide(
                    new CorrectEntry(Nth(state, c.Kind, c.Ordinal), c.Changes, c.ReasonCode, c.Reason), state, today, catalogue),
                VoidStep v => VoidEntryEndpoint.Decide(new VoidEntry(Nth(state, v.Kind, v.Ordinal), v.Reason), state),
                WithdrawalStep w => WithdrawEndpoint.Decide(w.Withdrawal, state, today, catalogue),
                CompletionStep c => CompleteEndpoint.Decide(c.Completion, state, today, catalogue),
                _ => throw new InvalidOperationException($"Unknown step {step.GetType().Name}"),
            };
            if (decision.Problem is { } problem)
            {
                var details = problem is Microsoft.AspNetCore.Http.HttpValidationProblemDetails v
                    ? string.Join("; ", v.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))
                    : problem.Detail;
                throw new InvalidOperationException(
                    $"{enrolment.SubjectCode}: the registry refuses {step.GetType().Name} of {step.On:yyyy-MM-dd}: " +
                    $"{problem.Title} {details}");
            }

            foreach (var e in decision.Events)
            {
                events.Add(e);
                dates.Add(step.On);
                state = PatientStateProjection.Fold(state, e, events.Count, id);
            }
        }

        return (id, events, dates);
    }

    private static Guid? Nth(PatientState state, EntryKind kind, int ordinal) =>
        state.Current(kind).Select(e => (Guid?)e.Key).ElementAtOrDefault(ordinal);

    private async Task EnsureSitesAsync(HashSet<string> siteIds, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var existing = (await session.LoadManyAsync<Site>(ct, siteIds)).Select(s => s.Id).ToHashSet();
        foreach (var siteId in siteIds.Where(s => !existing.Contains(s)))
        {
            session.Store(new Site { Id = siteId, Name = $"Demo site {siteId}", Country = "FR", TimeZone = "Europe/Paris" });
        }

        await session.SaveChangesAsync(ct);
    }
}
