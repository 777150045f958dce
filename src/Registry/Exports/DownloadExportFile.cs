using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Exports;

public static class DownloadExportFileEndpoint
{
    [WolverineGet("/api/exports/{exportId}/files/{name}", OperationId = "downloadExportFile")]
    [EndpointSummary("Download a file of an export.")]
    [Authorize(Policy = Policies.Researcher)]
    public static async Task<IResult> Get(
        Guid exportId, string name, IDocumentSession session, IDocumentStore store, ClaimsPrincipal user, TimeProvider time,
        CancellationToken ct)
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
        return ExportFileStore.Download(store, exportId, name, type);
    }
}
