using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Patients.Monitoring;

public sealed record ChangeLock(string? Reason);

public sealed record LockChanged(Guid PatientId, long Version, bool Locked);

/// <summary>
/// A monitor (or an admin) locks a patient's record once it is clean, e.g. for an analysis: from then on the site's
/// writes are refused with 409 naming the lock. Unlocking needs a reason too; both are events on the patient's stream.
/// </summary>
public static class LockRecordEndpoints
{
    public const int MaxReason = 1_000;

    [WolverinePost("/api/patients/{patientId}/lock", OperationId = "lockRecord")]
    [EndpointSummary("Lock a patient's record: the site's writes are refused until it is unlocked.")]
    [Authorize(Policy = Policies.Locking)]
    [ProducesResponseType<LockChanged>(StatusCodes.Status201Created)]
    public static Task<IResult> Lock(Guid patientId, ChangeLock request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, _) =>
        {
            var errors = new ValidationErrors();
            var reason = Reason(errors, request.Reason, "Say why the record is locked, e.g. data cleaned for the 2026 interim analysis.");
            if (patient.Lock is { } locked)
            {
                return Decision.Reject(PatientWrites.Locked(locked));
            }

            return errors.Any
                ? Decision.Reject(errors.ToProblem())
                : Decision.Accept([new RecordLocked(reason!)], version => new LockChanged(patient.Id, version, true));
        }, evenWhenLocked: true);

    [WolverinePost("/api/patients/{patientId}/unlock", OperationId = "unlockRecord")]
    [EndpointSummary("Unlock a patient's record, giving a reason.")]
    [Authorize(Policy = Policies.Locking)]
    [ProducesResponseType<LockChanged>(StatusCodes.Status201Created)]
    public static Task<IResult> Unlock(Guid patientId, ChangeLock request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, _) =>
        {
            var errors = new ValidationErrors();
            var reason = Reason(errors, request.Reason, "Say why the record is unlocked, e.g. a late lab result to enter.");
            if (patient.Lock is null)
            {
                return Decision.Reject(new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict,
                    Title = "This patient's record is not locked.",
                });
            }

            return errors.Any
                ? Decision.Reject(errors.ToProblem())
                : Decision.Accept([new RecordUnlocked(reason!)], version => new LockChanged(patient.Id, version, false));
        }, evenWhenLocked: true);

    private static string? Reason(ValidationErrors errors, string? given, string message) =>
        errors.Required("reason", given, message, MaxReason);
}
