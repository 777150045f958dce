using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Patients.Correcting;
using Wolverine.Http;

namespace Registry.Patients.Monitoring;

public sealed record VerifyEntry(Guid? EntryId, int? Revision);

public sealed record EntryVerifiedAnswer(Guid PatientId, long Version, Guid EntryId, int Revision);

/// <summary>
/// Source data verification: a monitor marks an entry's revision (as the entry's history numbers it) as checked
/// against the source. The revision must be the entry's current one: a correction made meanwhile is what the monitor
/// has not seen (409). A later correction or void clears the mark.
/// </summary>
public static class VerificationEndpoints
{
    [WolverinePost("/api/patients/{patientId}/verifications", OperationId = "verifyEntry")]
    [EndpointSummary("Mark an entry's current revision as verified against the source.")]
    [Authorize(Policy = Policies.Monitoring)]
    [ProducesResponseType<EntryVerifiedAnswer>(StatusCodes.Status201Created)]
    public static Task<IResult> Verify(
        Guid patientId, VerifyEntry request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, _) =>
        {
            var errors = new ValidationErrors();
            var entry = CorrectEntryEndpoint.Existing(request.EntryId, patient, errors);
            if (request.Revision is not { } revision || revision < 1)
            {
                errors.Add("revision", "Give the revision you checked, as the entry's history numbers it (1 when never corrected).");
            }

            if (errors.Any)
            {
                return Decision.Reject(errors.ToProblem());
            }

            var id = request.EntryId!.Value;
            if (request.Revision != entry!.Revision)
            {
                return Decision.Reject(new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict,
                    Title = "The entry changed since the revision you checked.",
                    Detail = $"The entry is at revision {entry.Revision}: check that one against the source.",
                });
            }

            if (patient.Verified.TryGetValue(id, out var done) && done.Revision == entry.Revision)
            {
                return Decision.Reject(new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict,
                    Title = "This revision is verified already.",
                    Detail = $"Verified by {done.By} on {done.At:yyyy-MM-dd}.",
                });
            }

            return Decision.Accept(
                [new EntryVerified(id, entry.Revision)], version => new EntryVerifiedAnswer(patient.Id, version, id, entry.Revision));
        }, evenWhenLocked: true);
}
