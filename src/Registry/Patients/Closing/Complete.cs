using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Wolverine.Http;

namespace Registry.Patients.Closing;

/// <summary>A site records that a patient completed the registry's follow-up.</summary>
public static class CompleteEndpoint
{
    [WolverinePost("/api/patients/{patientId}/completion", OperationId = "completePatient")]
    [EndpointSummary("Record that a patient completed the treatment.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntryRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, CompletionRequest completion, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue,
        TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, completion, [], time,
            (patient, today) => Decide(completion, patient, today, catalogue));

    public static Decision Decide(CompletionRequest completion, PatientState patient, DateOnly today, DiseaseCatalogue catalogue) =>
        SingleEntry.Decide(EntryKind.Completion, completion, patient, today, catalogue,
            (entryId, values) => new PatientCompleted(entryId, (CompletionData)values));
}
