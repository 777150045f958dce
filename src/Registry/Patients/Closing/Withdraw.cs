using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Wolverine.Http;

namespace Registry.Patients.Closing;

/// <summary>A site withdraws a patient: the participation ends early, with a coded reason.</summary>
public static class WithdrawEndpoint
{
    [WolverinePost("/api/patients/{patientId}/withdrawal", OperationId = "withdrawPatient")]
    [EndpointSummary("Withdraw a patient.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntryRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, WithdrawalRequest withdrawal, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue,
        TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, withdrawal, [], time,
            (patient, today) => Decide(withdrawal, patient, today, catalogue));

    public static Decision Decide(WithdrawalRequest withdrawal, PatientState patient, DateOnly today, DiseaseCatalogue catalogue) =>
        SingleEntry.Decide(EntryKind.Withdrawal, withdrawal, patient, today, catalogue,
            (entryId, values) => new PatientWithdrawn(entryId, (WithdrawalData)values));
}
