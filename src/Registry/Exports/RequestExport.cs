using System.Security.Claims;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Writing;
using Wolverine;
using Wolverine.Http;

namespace Registry.Exports;

public sealed record CohortRequest(
    List<string>? DiseaseCodes, List<string>? SiteIds, DateOnly? EnrolledFrom, DateOnly? EnrolledTo, string? TherapyLine);

public sealed record AsOfRequest(long? Sequence, DateTimeOffset? At);

/// <summary>A saved cohort definition's version for an export (the latest when no version is given).</summary>
public sealed record SavedCohortRequest(Guid? DefinitionId, int? Version);

public sealed record RequestExport(
    CohortRequest? Cohort, AsOfRequest? AsOf, string? Format, string? Dates, string? PseudonymScope, bool? IncludeFreeText,
    SavedCohortRequest? CohortDefinition = null);

public sealed record ExportAccepted(Guid ExportId) : AcceptResponse("/api/exports/" + ExportId);

public static partial class RequestExportEndpoint
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex ScopePattern();

    [WolverinePost("/api/exports", OperationId = "requestExport")]
    [EndpointSummary("Request a de-identified export of a cohort.")]
    [Authorize(Policy = Policies.Researcher)]
    [ProducesResponseType<ExportAccepted>(StatusCodes.Status202Accepted)]
    public static Task<IResult> Post(
        RequestExport request, IDocumentSession session, IMessageBus bus, HttpContext http, DiseaseCatalogue catalogue,
        TimeProvider time) =>
        WritePath.ExecuteAsync(http, session, time, request, [],
            _ => Task.FromResult(WriteTarget.New),
            ct => DecideAsync(request, session, bus, http.User, catalogue, time, ct));

    /// <summary>Checks the request, resolves its "as of" to a sequence, and stages the export and its message.</summary>
    private static async Task<WriteOutcome> DecideAsync(
        RequestExport request, IDocumentSession session, IMessageBus bus, ClaimsPrincipal user, DiseaseCatalogue catalogue,
        TimeProvider time, CancellationToken ct)
    {
        // Free text (verbatim terms, reasons, products, drug names, units) only for a researcher an admin allowed it.
        if (request.IncludeFreeText == true && !user.HasClaim(Claims.FreeText, "true"))
        {
            return WriteOutcome.Reject(FreeTextNotAllowed);
        }

        var errors = new ValidationErrors();
        SavedCohortRef? saved = null;
        CohortDefinition? cohort = null;
        if (request.CohortDefinition is { } reference)
        {
            if (request.Cohort is not null)
            {
                errors.Add("cohortDefinition", "Give the cohort or a saved definition of it, not both.");
            }
            else if (reference.DefinitionId is not { } definitionId)
            {
                errors.Add("cohortDefinition.definitionId", "Name the saved definition by its id.");
            }
            else
            {
                (saved, cohort) = await SavedCohorts.ResolveAsync(session, definitionId, reference.Version, errors, ct);
            }
        }
        else
        {
            cohort = CheckCohort(request.Cohort, "cohort", catalogue, errors);
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
            errors.Add("pseudonymScope",
                "A pseudonym scope is 1 to 64 lower-case letters, digits, '.', '_' or '-', e.g. registry or study-2026-07.");
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
            return WriteOutcome.Reject(errors.ToProblem());
        }

        // "As of time T" is resolved to a sequence once, here, and recorded: timestamps are not in commit order.
        var asOfSequence = request.AsOf?.Sequence
            ?? (request.AsOf?.At is { } at ? Math.Min(committed, await SequenceAtAsync(session, at, ct)) : committed);
        var caller = Caller.From(user);
        // A scope is the requester's own: the pseudonyms are keyed by the researcher and the scope's name, so two
        // researchers who pick the same name still get unlinkable datasets (the same researcher and name: the same).
        var definition = new ExportDefinition(
            cohort!, asOfSequence, request.AsOf?.At, format, dates, $"{caller.UserId}:{scope}", request.IncludeFreeText == true, saved);
        var record = new ExportRecord
        {
            Id = Guid.CreateVersion7(),
            RequestedBy = caller.UserId,
            RequestedAt = time.GetUtcNow(),
            Definition = definition,
        };
        session.Store(record);
        session.Record(caller, time, AuditActions.Export, exportId: record.Id, detail: AuditDetail(definition));
        await bus.PublishAsync(new RunExport(record.Id));
        var answer = new ExportAccepted(record.Id);
        return WriteOutcome.Accept(new WriteAnswer(StatusCodes.Status202Accepted, answer, answer.Url));
    }

    /// <summary>
    /// Checks a cohort as a request gives it (<paramref name="path"/>: its field), adding each error; the definition when
    /// it is valid (no cohort: every patient).
    /// </summary>
    public static CohortDefinition CheckCohort(CohortRequest? request, string path, DiseaseCatalogue catalogue, ValidationErrors errors)
    {
        var cohort = request ?? new CohortRequest(null, null, null, null, null);
        foreach (var (code, i) in (cohort.DiseaseCodes ?? []).Select((c, i) => (c, i)).Where(x => catalogue.FindDisease(x.c) is null))
        {
            errors.Add($"{path}.diseaseCodes[{i}]", $"'{code}' is not in the disease catalogue.");
        }

        foreach (var (site, i) in (cohort.SiteIds ?? []).Select((c, i) => (c, i)).Where(x => string.IsNullOrWhiteSpace(x.c)))
        {
            errors.Add($"{path}.siteIds[{i}]", "A site id is not blank.");
        }

        if (cohort.EnrolledFrom is { } from && cohort.EnrolledTo is { } to && to < from)
        {
            errors.Add($"{path}.enrolledTo", "The end of the enrolment range is before its start.");
        }

        if (cohort.TherapyLine is not null && !Kebab.TryParse<TherapyLine>(cohort.TherapyLine, out _))
        {
            errors.Add($"{path}.therapyLine", $"'{cohort.TherapyLine}' is not a therapy line: use standalone or addon.");
        }

        return new CohortDefinition(
            cohort.DiseaseCodes ?? [], cohort.SiteIds ?? [], cohort.EnrolledFrom, cohort.EnrolledTo, cohort.TherapyLine);
    }

    // A new problem each time: the answer's writer adds the request's trace id to it.
    public static ProblemDetails FreeTextNotAllowed => new()
    {
        Status = StatusCodes.Status403Forbidden,
        Title = "You may not export free text.",
        Detail = "includeFreeText: an admin has not allowed you free text in exports (verbatim terms, reasons, products, "
            + "drug names, units). Ask without it, or ask an admin.",
    };

    /// <summary>What the audit keeps of an export's request, from the API or the command line.</summary>
    public static string AuditDetail(ExportDefinition definition) =>
        $"{definition.Format}; dates {definition.Dates}; as of {definition.AsOfSequence}; "
        + $"diseases {string.Join(",", definition.Cohort.DiseaseCodes)}; sites {string.Join(",", definition.Cohort.SiteIds)}; "
        + $"free text {definition.IncludeFreeText}"
        + (definition.SavedCohort is { } saved ? $"; definition {saved.DefinitionId} version {saved.Version}" : "");

    private static async Task<long> SequenceAtAsync(IQuerySession session, DateTimeOffset at, CancellationToken ct)
    {
        var rows = await session.QueryAsync<long>(
            $"select coalesce(max(seq_id), 0) from {RegistrySchema.Name}.mt_events where timestamp <= ?", ct, at.ToUniversalTime());
        return rows.FirstOrDefault();
    }
}
