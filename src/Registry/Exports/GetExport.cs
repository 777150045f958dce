using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Exports;

public sealed record ExportStatus(Guid ExportId, string Status, ExportManifest? Manifest, string? Error);

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
            : Results.Ok(new ExportStatus(record.Id, record.Status, record.Manifest, record.Error));
    }
}
