using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Patients.FollowingUp;

public static class FollowUpAdverseEventEndpoint
{
    [WolverinePost("/api/patients/{patientId}/adverse-events/{adverseEventId}/follow-ups", OperationId = "followUpAdverseEvent")]
    [EndpointSummary("Follow up an adverse event.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntryRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, Guid adverseEventId, AeFollowUpRequest followUp, IDocumentSession session, HttpContext http,
        DiseaseCatalogue catalogue, TimeProvider time)
    {
        return PatientWrites.ExecuteAsync(session, http, patientId, followUp, [], time,
            (patient, today) => Decide(adverseEventId, followUp, patient, today, catalogue));
    }

    public static Decision Decide(
        Guid adverseEventId, AeFollowUpRequest followUp, PatientState patient, DateOnly today, DiseaseCatalogue catalogue)
    {
        if (!patient.Entries.TryGetValue(adverseEventId, out var entry) || entry.Kind != EntryKind.AdverseEvent || entry.Voided)
        {
            return Decision.Reject(new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "No such adverse event.",
                Detail = "This patient has no current adverse event with this id.",
            });
        }

        var errors = new ValidationErrors();
        var module = (AeFollowUpEntry)EntryKinds.Of(EntryKind.AeFollowUp);
        var data = module.Check(new EntryRules(patient, today, catalogue, errors), "", adverseEventId, followUp, null);
        if (data is null)
        {
            return Decision.Reject(errors.ToProblem());
        }

        var entryId = Guid.CreateVersion7();
        return Decision.Accept([new AdverseEventFollowedUp(entryId, data)], version => new EntryRecorded(patient.Id, version, entryId));
    }
}
