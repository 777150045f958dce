using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Patients.Timeline;

public sealed record EntryHistory(Guid PatientId, Guid EntryId, EntryKind Kind, EntryStatus Status, IReadOnlyList<EntryVersion> Versions);

public static class GetEntryHistoryEndpoint
{
    [WolverineGet("/api/patients/{patientId}/entries/{entryId}/history", OperationId = "getEntryHistory")]
    [EndpointSummary("Get every version of an entry.")]
    [Authorize(Policy = Policies.ReadPatients)]
    public static async Task<IResult> Get(
        Guid patientId, Guid entryId, IDocumentSession session, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        var record = await session.LoadAsync<PatientRecord>(patientId, ct);
        var entry = record?.Entries.FirstOrDefault(e => e.EntryId == entryId);
        if (record is null || entry is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such entry.");
        }

        session.Record(Caller.From(user), time, AuditActions.ReadPatient, patientId: patientId, detail: $"history of entry {entryId}");
        await session.SaveChangesAsync(ct);
        return Results.Ok(new EntryHistory(patientId, entryId, entry.Kind, entry.Status, record.History[entryId]));
    }
}
