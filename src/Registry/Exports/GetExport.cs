using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Exports;

public sealed record ExportStatus(
    Guid ExportId, string Status, ExportManifest? Manifest, string? Error, ExportProgress? Progress = null);

/// <summary>One of a researcher's exports in their list: what was asked and where it stands (the manifest once done).</summary>
public sealed record ExportListItem(
    Guid ExportId, string Status, DateTimeOffset? RequestedAt, string Format, CohortDefinition Cohort, SavedCohortRef? CohortDefinition,
    long AsOfSequence, ExportManifest? Manifest, string? Error, ExportProgress? Progress);

public static class GetExportEndpoint
{
    [WolverineGet("/api/exports/{exportId}", OperationId = "getExport")]
    [EndpointSummary("Get an export's status and manifest.")]
    [Authorize(Policy = Policies.Researcher)]
    public static async Task<IResult> Get(Guid exportId, IQuerySession session, ClaimsPrincipal user, CancellationToken ct)
    {
        var record = await session.LoadAsync<ExportRecord>(exportId, ct);
        return record is null || record.RequestedBy != Caller.From(user).UserId
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such export.")
            : Results.Ok(new ExportStatus(record.Id, record.Status, record.Manifest, record.Error, record.Progress));
    }

    /// <summary>The caller's own exports, newest first (the latest 100): another researcher's are never listed.</summary>
    [WolverineGet("/api/exports", OperationId = "listExports")]
    [EndpointSummary("List your exports, newest first, with their status and manifests.")]
    [Authorize(Policy = Policies.Researcher)]
    public static async Task<IReadOnlyList<ExportListItem>> List(IQuerySession session, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user).UserId;
        // Version-7 ids grow with time: the newest first, in the database.
        var records = await session.Query<ExportRecord>().Where(r => r.RequestedBy == caller)
            .OrderByDescending(r => r.Id).Take(100).ToListAsync(ct);
        return [.. records.Select(r => new ExportListItem(r.Id, r.Status, r.RequestedAt, r.Definition.Format, r.Definition.Cohort,
                r.Definition.SavedCohort, r.Definition.AsOfSequence, r.Manifest, r.Error, r.Progress))];
    }
}
