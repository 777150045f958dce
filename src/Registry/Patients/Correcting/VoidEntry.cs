using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Patients.Correcting;

public sealed record VoidEntry(Guid? EntryId, string? Reason);

public static class VoidEntryEndpoint
{
    [WolverinePost("/api/patients/{patientId}/voids", OperationId = "voidEntry")]
    [EndpointSummary("Void an entry.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntryRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(Guid patientId, VoidEntry voiding, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, voiding, [], time, (patient, _) => Decide(voiding, patient));

    public static Decision Decide(VoidEntry voiding, PatientState patient)
    {
        var errors = new ValidationErrors();
        var entry = CorrectEntryEndpoint.Existing(voiding.EntryId, patient, errors);
        var reason = errors.Required("reason", voiding.Reason, "Say why the entry is void, e.g. entered for the wrong patient.");
        return entry is null || reason is null
            ? Decision.Reject(errors.ToProblem())
            : Decision.Accept(
                [new EntryVoided(voiding.EntryId!.Value, reason)],
                version => new EntryRecorded(patient.Id, version, voiding.EntryId!.Value));
    }
}
