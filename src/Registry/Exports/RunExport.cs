using System.Reflection;
using System.Runtime.CompilerServices;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Exports;

/// <summary>Builds an export in the background: published by <c>POST /api/exports</c>, durable, so a restart runs it again.</summary>
public sealed record RunExport(Guid ExportId);

/// <summary>
/// The export run: an export's files, built from the event log as it stood at the export's sequence, and
/// their manifest. <see cref="Handle"/> runs it in the background for <c>POST /api/exports</c> and records
/// it on the export; the host's <c>export</c> command runs the same <see cref="WriteAsync"/> into a folder.
/// </summary>
public static class RunExportHandler
{
    public static readonly string Software = "registry "
        + (typeof(RunExportHandler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev");

    /// <summary>Builds an export in the background, from the event log as it stood at the export's sequence.</summary>
    public static async Task Handle(
        RunExport message, IDocumentStore store, IOptions<ExportOptions> options, ILogger<ExportRecord> logger, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var record = await session.LoadAsync<ExportRecord>(message.ExportId, ct);
        if (record is null || record.Status == "done")
        {
            return;
        }

        record.Status = "running";
        session.Store(record);
        await session.SaveChangesAsync(ct);
        // Built in a scratch folder, then stored in the database, where every node finds it; the folder goes
        // whatever happens (it holds pseudonymised data).
        var folder = Path.Combine(options.Value.Directory, record.Id.ToString("N"));
        try
        {
            var definition = record.Definition;
            await SettleAsync(session, definition.AsOfSequence, logger, ct);
            var tally = new ExportTally();
            IReadOnlyList<ExportFile> files;
            using (var reporting = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var reporter = ReportProgressAsync(store, record.Id, tally, reporting.Token);
                try
                {
                    files = await WriteAsync(store, options.Value.Secret(), definition, folder, onPatient: null, ct, tally);
                }
                finally
                {
                    await reporting.CancelAsync();
                    await reporter;
                }
            }

            record.Progress = tally.Progress;
            await ExportFileStore.SaveAsync(store, record.Id, folder, files, ct);
            var at = await AsOfTimeAsync(session, definition.AsOfSequence, ct);
            record.Manifest = Manifest(definition, at, files) with { Locks = tally.Locks };
            record.Status = "done";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Export {ExportId} failed", record.Id);
            record.Status = "failed";
            record.Error = "The export could not be built; the registry's log says why.";
        }
        finally
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The export's state is still saved below; the scratch folder is the operator's to remove.
                logger.LogWarning(e, "Export {ExportId}: its scratch folder {Folder} could not be removed", record.Id, folder);
            }
        }

        session.Store(record);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Keeps the export's progress on its record about every second while it runs, so its requester can follow it. A
    /// failed save is left for the next tick: progress is a courtesy, the run does not depend on it.
    /// </summary>
    private static async Task ReportProgressAsync(IDocumentStore store, Guid exportId, ExportTally tally, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await using var session = store.LightweightSession();
                    if (await session.LoadAsync<ExportRecord>(exportId, ct) is { Status: "running" } running)
                    {
                        running.Progress = tally.Progress;
                        session.Store(running);
                        await session.SaveChangesAsync(ct);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database may be gone for a moment: the next tick tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    /// <summary>
    /// Writes an export's files into <paramref name="folder"/>: the cohort's patients as of the export's sequence,
    /// one at a time (<paramref name="onPatient"/>, when given, is called as each is reached), as CSV or Parquet
    /// tables with their data dictionary, or as FHIR NDJSON.
    /// </summary>
    public static async Task<IReadOnlyList<ExportFile>> WriteAsync(
        IDocumentStore store, byte[] secret, ExportDefinition definition, string folder, Action? onPatient, CancellationToken ct,
        ExportTally? tally = null)
    {
        var patients = EachPatientAsync(new ExportBuilder(store, secret), definition, onPatient, tally, ct);
        if (definition.Format == "fhir-ndjson")
        {
            var resources = Flatten(patients, p => FhirExport.Resources(definition, p.Patient, p.Key, p.State));
            return await ExportWriters.WriteFhirAsync(folder, resources, ct);
        }

        var tables = ExportTables.All(definition.Dates == "year", definition.IncludeFreeText);
        var rows = Flatten(patients, p => ExportBuilder.Rows(definition, p.Patient, p.Key, p.State));
        return await ExportWriters.WriteAsync(folder, definition.Format, tables, rows, null, ct);
    }

    /// <summary>What an export's files hold, as of which point of the log (<paramref name="at"/>: its time, when known), and how.</summary>
    public static ExportManifest Manifest(ExportDefinition definition, DateTimeOffset? at, IReadOnlyList<ExportFile> files) =>
        new(new AsOf(definition.AsOfSequence, at), definition.Cohort, definition.Format, definition.Dates, definition.PseudonymScope,
            definition.IncludeFreeText, Describe(definition), files, Software, CohortDefinition: definition.SavedCohort);

    /// <summary>
    /// Waits until every event at or below the export's sequence is committed or known to be a gap (the
    /// store's high-water mark has passed it), so the files are the same whenever they are built.
    /// </summary>
    public static async Task SettleAsync(IQuerySession session, long sequence, ILogger logger, CancellationToken ct)
    {
        if (!await ProjectionProgress.WaitForHighWaterMarkAsync(session, sequence, TimeSpan.FromSeconds(60), ct))
        {
            logger.LogWarning(
                "The event store's high-water mark did not reach {Sequence} within 60 s; "
                + "building the export from the events committed so far",
                sequence);
        }
    }

    public static string Describe(ExportDefinition d) =>
        $"Subjects keyed by HMAC-SHA256 over the pseudonym scope '{d.PseudonymScope}' and the patient " +
        "(no subject code, stream id or name); " +
        (d.Dates == "year"
            ? "dates as calendar years only; "
            : d.Format == "fhir-ndjson"
                ? "dates shifted so that study day 1 (the first dose; the enrolment if never dosed) is 2000-01-01; "
                : "dates as study days from the first dose (from enrolment if never dosed); ") +
        "ages over 89 given as 90; " +
        (d.IncludeFreeText ? "free text (verbatim terms, reasons, products, drug names, units) INCLUDED as requested." : "no free text.");

    private static async IAsyncEnumerable<(PatientEnrolled Patient, string Key, PatientState State)> EachPatientAsync(
        ExportBuilder builder, ExportDefinition definition, Action? onPatient, ExportTally? tally,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var patient in builder.PatientsAsync(definition, ct, n => Members(tally, n)))
        {
            onPatient?.Invoke();
            tally?.Add(patient.Key, patient.State);
            yield return patient;
        }
    }

    private static void Members(ExportTally? tally, int members)
    {
        if (tally is not null)
        {
            tally.Members = members;
        }
    }

    private static async IAsyncEnumerable<TOut> Flatten<TIn, TOut>(IAsyncEnumerable<TIn> source, Func<TIn, IEnumerable<TOut>> map)
    {
        await foreach (var item in source)
        {
            foreach (var output in map(item))
            {
                yield return output;
            }
        }
    }

    private static async Task<DateTimeOffset?> AsOfTimeAsync(IQuerySession session, long sequence, CancellationToken ct)
    {
        var rows = await session.QueryAsync<DateTimeOffset>(
            $"select timestamp from {RegistrySchema.Name}.mt_events where seq_id = ?", ct, sequence);
        return rows.Count == 0 ? null : rows[0];
    }
}
