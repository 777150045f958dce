using System.Reflection;
using System.Security.Claims;
using System.Text;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;
using Wolverine;
using Wolverine.Http;

namespace Registry.Exports;

/// <summary>Where export files go and the secret that keys the pseudonyms (<c>Exports</c> section).</summary>
public sealed class ExportOptions
{
    public const string Section = "Exports";

    public string Directory { get; set; } = Path.Combine(Path.GetTempPath(), "registry-exports");

    /// <summary>At least 32 characters; whoever holds it can link pseudonyms back to patients.</summary>
    public string? PseudonymSecret { get; set; }

    public byte[] Secret() => PseudonymSecret is { Length: >= 32 } secret
        ? Encoding.UTF8.GetBytes(secret)
        : throw new InvalidOperationException($"Set {Section}:PseudonymSecret (environment variable {Section}__PseudonymSecret) to a secret of at least 32 characters.");
}

public sealed record CohortRequest(List<string>? DiseaseCodes, List<string>? SiteIds, DateOnly? EnrolledFrom, DateOnly? EnrolledTo, string? TherapyLine);

public sealed record AsOfRequest(long? Sequence, DateTimeOffset? At);

public sealed record RequestExport(CohortRequest? Cohort, AsOfRequest? AsOf, string? Format, string? Dates, string? PseudonymScope, bool? IncludeFreeText);

public sealed record ExportAccepted(Guid ExportId) : AcceptResponse("/api/exports/" + ExportId);

public sealed record ExportManifest(
    AsOf AsOf,
    CohortDefinition Cohort,
    string Format,
    string Dates,
    string PseudonymScope,
    bool IncludeFreeText,
    string DeIdentification,
    IReadOnlyList<ExportFile> Files,
    string Software);

public sealed class ExportRecord
{
    public Guid Id { get; set; }

    public string RequestedBy { get; set; } = "";

    public string Status { get; set; } = "queued";

    public ExportDefinition Definition { get; set; } = null!;

    public ExportManifest? Manifest { get; set; }

    public string? Error { get; set; }
}

public sealed record ExportStatus(Guid ExportId, string Status, ExportManifest? Manifest, string? Error);

public sealed record RunExport(Guid ExportId);

public static partial class ExportEndpoints
{
    public static readonly string Software = $"registry {typeof(ExportEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev"}";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex ScopePattern();

    [WolverinePost("/api/exports", OperationId = "requestExport")]
    [Authorize(Policy = Policies.Researcher)]
    public static async Task<IResult> Post(
        RequestExport request, IDocumentSession session, IMessageBus bus, ClaimsPrincipal user, DiseaseCatalogue catalogue, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var cohort = request.Cohort ?? new CohortRequest(null, null, null, null, null);
        foreach (var (code, i) in (cohort.DiseaseCodes ?? []).Select((c, i) => (c, i)).Where(x => catalogue.FindDisease(x.c) is null))
        {
            errors.Add($"cohort.diseaseCodes[{i}]", $"'{code}' is not in the disease catalogue.");
        }

        if (cohort.EnrolledFrom is { } from && cohort.EnrolledTo is { } to && to < from)
        {
            errors.Add("cohort.enrolledTo", "The end of the enrolment range is before its start.");
        }

        if (cohort.TherapyLine is not null && !Kebab.TryParse<TherapyLine>(cohort.TherapyLine, out _))
        {
            errors.Add("cohort.therapyLine", $"'{cohort.TherapyLine}' is not a therapy line: use standalone or addon.");
        }

        var format = request.Format ?? "csv";
        if (format is not ("csv" or "parquet" or "fhir-ndjson"))
        {
            errors.Add("format", $"'{format}' is not a format: use csv, parquet or fhir-ndjson.");
        }

        var dates = request.Dates ?? "study-day";
        if (dates is not ("study-day" or "year"))
        {
            errors.Add("dates", $"'{dates}' is not a date style: use study-day or year.");
        }

        var scope = request.PseudonymScope ?? "registry";
        if (!ScopePattern().IsMatch(scope))
        {
            errors.Add("pseudonymScope", "A pseudonym scope is 1 to 64 lower-case letters, digits, '.', '_' or '-', e.g. registry or study-2026-07.");
        }

        if (request.AsOf is { Sequence: not null, At: not null })
        {
            errors.Add("asOf", "Give the point of the log as a sequence or as a time, not both.");
        }

        // "Now" is every event committed before this request: a write acknowledged before it is in the export.
        var committed = await ProjectionProgress.CommittedAsync(session, ct);
        if (request.AsOf?.Sequence is { } sequence && (sequence < 0 || sequence > committed))
        {
            errors.Add("asOf.sequence", $"The log's committed position is {committed}; an export can be taken as of 0 to {committed}.");
        }

        if (errors.Any)
        {
            return Results.Problem(errors.ToProblem());
        }

        // "As of time T" is resolved to a sequence once, here, and recorded: timestamps are not in commit order.
        var asOfSequence = request.AsOf?.Sequence ?? (request.AsOf?.At is { } at ? Math.Min(committed, await SequenceAtAsync(session, at, ct)) : committed);
        var definition = new ExportDefinition(
            new CohortDefinition(cohort.DiseaseCodes ?? [], cohort.SiteIds ?? [], cohort.EnrolledFrom, cohort.EnrolledTo, cohort.TherapyLine),
            asOfSequence, request.AsOf?.At, format, dates, scope, request.IncludeFreeText == true);
        var caller = Caller.From(user);
        var record = new ExportRecord { Id = Guid.CreateVersion7(), RequestedBy = caller.UserId, Definition = definition };
        session.Store(record);
        session.Record(caller, time, AuditActions.Export, exportId: record.Id,
            detail: $"{format}; dates {dates}; as of {asOfSequence}; diseases {string.Join(",", definition.Cohort.DiseaseCodes)}; free text {definition.IncludeFreeText}");
        await bus.PublishAsync(new RunExport(record.Id));
        await session.SaveChangesAsync(ct);
        return Results.Accepted($"/api/exports/{record.Id}", new ExportAccepted(record.Id));
    }

    [WolverineGet("/api/exports/{exportId}", OperationId = "getExport")]
    [Authorize(Policy = Policies.Researcher)]
    public static async Task<IResult> Get(Guid exportId, IQuerySession session, ClaimsPrincipal user, CancellationToken ct)
    {
        var record = await session.LoadAsync<ExportRecord>(exportId, ct);
        return record is null || record.RequestedBy != Caller.From(user).UserId
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such export.")
            : Results.Ok(new ExportStatus(record.Id, record.Status, record.Manifest, record.Error));
    }

    [WolverineGet("/api/exports/{exportId}/files/{name}", OperationId = "downloadExportFile")]
    [Authorize(Policy = Policies.Researcher)]
    public static async Task<IResult> Download(
        Guid exportId, string name, IDocumentSession session, ClaimsPrincipal user, IOptions<ExportOptions> options, TimeProvider time, CancellationToken ct)
    {
        var record = await session.LoadAsync<ExportRecord>(exportId, ct);
        var caller = Caller.From(user);
        if (record?.Manifest is null || record.RequestedBy != caller.UserId || record.Manifest.Files.All(f => f.Name != name))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such file.");
        }

        session.Record(caller, time, AuditActions.Download, exportId: exportId, detail: name);
        await session.SaveChangesAsync(ct);
        var type = name.EndsWith(".parquet", StringComparison.Ordinal) ? "application/vnd.apache.parquet"
            : name.EndsWith(".ndjson", StringComparison.Ordinal) ? "application/fhir+ndjson" : "text/csv";
        return Results.File(Path.Combine(options.Value.Directory, exportId.ToString("N"), name), type, name);
    }

    private static async Task<long> SequenceAtAsync(IQuerySession session, DateTimeOffset at, CancellationToken ct)
    {
        var rows = await session.QueryAsync<long>($"select coalesce(max(seq_id), 0) from {RegistryHosting.SchemaName}.mt_events where timestamp <= ?", ct, at.ToUniversalTime());
        return rows.FirstOrDefault();
    }
}

/// <summary>Builds an export in the background, from the event log as it stood at the export's sequence.</summary>
public static class RunExportHandler
{
    public static async Task Handle(RunExport message, IDocumentStore store, IOptions<ExportOptions> options, ILogger<ExportRecord> logger, CancellationToken ct)
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
        try
        {
            var definition = record.Definition;
            await SettleAsync(session, definition.AsOfSequence, logger, ct);
            var folder = Path.Combine(options.Value.Directory, record.Id.ToString("N"));
            var builder = new ExportBuilder(store, options.Value.Secret());
            var files = definition.Format == "fhir-ndjson"
                ? await ExportWriters.WriteFhirAsync(folder, FhirResourcesAsync(builder, definition, ct), ct)
                : await ExportWriters.WriteAsync(folder, definition.Format, ExportTables.All(definition.Dates == "year", definition.IncludeFreeText),
                    builder.RowsAsync(definition, ct), null, ct);
            var at = await AsOfTimeAsync(session, definition.AsOfSequence, ct);
            record.Manifest = new ExportManifest(
                new AsOf(definition.AsOfSequence, at), definition.Cohort, definition.Format, definition.Dates, definition.PseudonymScope,
                definition.IncludeFreeText, Describe(definition), files, ExportEndpoints.Software);
            record.Status = "done";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Export {ExportId} failed", record.Id);
            record.Status = "failed";
            record.Error = "The export could not be built; the registry's log says why.";
        }

        session.Store(record);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Waits until every event at or below the export's sequence is committed or known to be a gap (the
    /// store's high-water mark has passed it), so the files are the same whenever they are built.
    /// </summary>
    public static async Task SettleAsync(IQuerySession session, long sequence, ILogger logger, CancellationToken ct)
    {
        if (!await ProjectionProgress.WaitForHighWaterMarkAsync(session, sequence, TimeSpan.FromSeconds(60), ct))
        {
            logger.LogWarning("The event store's high-water mark did not reach {Sequence} within 60 s; building the export from the events committed so far", sequence);
        }
    }

    public static async IAsyncEnumerable<Hl7.Fhir.Model.Resource> FhirResourcesAsync(ExportBuilder builder, ExportDefinition definition, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (patient, key, state) in builder.PatientsAsync(definition, ct))
        {
            foreach (var resource in FhirExport.Resources(definition, patient, key, state))
            {
                yield return resource;
            }
        }
    }

    public static string Describe(ExportDefinition d) =>
        $"Subjects keyed by HMAC-SHA256 over the pseudonym scope '{d.PseudonymScope}' and the patient (no subject code, stream id or name); " +
        (d.Dates == "year" ? "dates as calendar years only; "
            : d.Format == "fhir-ndjson" ? "dates shifted so that study day 1 (the first dose; the enrolment if never dosed) is 2000-01-01; "
            : "dates as study days from the first dose (from enrolment if never dosed); ") +
        "ages over 89 given as 90; " + (d.IncludeFreeText ? "free text (verbatim terms, drug names, reasons) INCLUDED as requested." : "no free text.");

    private static async Task<DateTimeOffset?> AsOfTimeAsync(IQuerySession session, long sequence, CancellationToken ct)
    {
        var rows = await session.QueryAsync<DateTimeOffset>($"select timestamp from {RegistryHosting.SchemaName}.mt_events where seq_id = ?", ct, sequence);
        return rows.Count == 0 ? null : rows[0];
    }
}
