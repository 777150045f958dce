using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Patients.Signing;

/// <summary>The signature's meaning and the signer's password, given again (never stored, never hashed into the write log).</summary>
public sealed record SignRecord(string? Meaning, string? Password);

/// <summary>What the write path keeps of the request (its idempotency hash): the meaning only.</summary>
public sealed record SignRecordLogged(string? Meaning);

public sealed record RecordSignedResponse(Guid PatientId, Guid SignatureId, long Version);

/// <summary>
/// An investigator signs a patient's record after review (21 CFR Part 11 §11.50, §11.200): they give their password
/// again and the meaning of the signature; the signature (printed name, date and time, meaning) is an event on the
/// patient's stream, shown on the timeline and in exports. Any later change of the record's data breaks it, and the
/// worklist asks for a new one. A locked record can be signed (signing changes no data).
/// </summary>
public static class SignRecordEndpoint
{
    [WolverinePost("/api/patients/{patientId}/signatures", OperationId = "signRecord")]
    [EndpointSummary("Sign a patient's record as its investigator, giving the password again and the signature's meaning.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<RecordSignedResponse>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, SignRecord request, IDocumentSession session, HttpContext http, TimeProvider time, ISigners signers)
    {
        Signer? signer = null;
        SignatureMeaning? meaning = null;
        async Task<ProblemDetails?> ReauthenticateAsync(CancellationToken ct)
        {
            var errors = new ValidationErrors();
            meaning = errors.Enumeration<SignatureMeaning>("meaning", request.Meaning, "signature meaning");
            if (string.IsNullOrEmpty(request.Password))
            {
                errors.Add("password", "Give your password again: a signature needs it.");
            }

            if (errors.Any)
            {
                return errors.ToProblem();
            }

            (signer, var refusal) = await signers.ConfirmAsync(Caller.From(http.User).UserId, request.Password, ct);
            return refusal switch
            {
                SignerRefusal.NotInvestigator => new ProblemDetails
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "Only an investigator signs a record.",
                    Detail = "An admin names the site's investigators (the Users page); you are not one of them.",
                },
                SignerRefusal.NoPassword => new ProblemDetails
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "A signature needs a registry password.",
                    Detail = "You sign in through your organisation's provider, so the registry cannot ask for your password again.",
                },
                SignerRefusal.WrongPassword => ValidationErrors.Single(
                    "password", "This password is not right (after several failures the account waits a while)."),
                _ => null,
            };
        }

        return PatientWrites.ExecuteAsync(session, http, patientId, new SignRecordLogged(request.Meaning), [], time, (patient, _) =>
        {
            if (patient.Signatures is [.., { Valid: true } last] && last.Meaning == meaning)
            {
                return Decision.Reject(new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict,
                    Title = "This record is already signed with this meaning, and nothing changed since.",
                    Detail = $"Signed by {last.Name} on {last.At:yyyy-MM-dd HH:mm} UTC ({Kebab.Name(last.Meaning)}).",
                });
            }

            var signatureId = Guid.CreateVersion7();
            return Decision.Accept(
                [new RecordSigned(signatureId, signer!.DisplayName, meaning!.Value, patient.Version)],
                version => new RecordSignedResponse(patient.Id, signatureId, version));
        }, evenWhenLocked: true, check: ReauthenticateAsync);
    }
}
