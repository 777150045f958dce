using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients.FollowingUp;
using Registry.Patients.RecordingVisits;
using Wolverine.Http;

namespace Registry.Patients.Closing;

public static class WithdrawEndpoint
{
    [WolverinePost("/api/patients/{patientId}/withdrawal", OperationId = "withdrawPatient")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntryRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, WithdrawalRequest withdrawal, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, withdrawal, [], time, (patient, today) => Decide(withdrawal, patient, today, catalogue));

    public static Decision Decide(WithdrawalRequest withdrawal, PatientState patient, DateOnly today, DiseaseCatalogue catalogue)
    {
        var errors = new ValidationErrors();
        var data = new EntryRules(patient, today, catalogue, errors).Withdrawal("", withdrawal);
        var entryId = Guid.CreateVersion7();
        return data is null
            ? Decision.Reject(errors.ToProblem())
            : Decision.Accept([new PatientWithdrawn(entryId, data)], version => new EntryRecorded(patient.Id, version, entryId));
    }
}

public static class CompleteEndpoint
{
    [WolverinePost("/api/patients/{patientId}/completion", OperationId = "completePatient")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntryRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, CompletionRequest completion, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, completion, [], time, (patient, today) => Decide(completion, patient, today, catalogue));

    public static Decision Decide(CompletionRequest completion, PatientState patient, DateOnly today, DiseaseCatalogue catalogue)
    {
        var errors = new ValidationErrors();
        var data = new EntryRules(patient, today, catalogue, errors).Completion("", completion);
        var entryId = Guid.CreateVersion7();
        return data is null
            ? Decision.Reject(errors.ToProblem())
            : Decision.Accept([new PatientCompleted(entryId, data)], version => new EntryRecorded(patient.Id, version, entryId));
    }
}
