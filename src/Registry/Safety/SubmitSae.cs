using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Safety;

public sealed record SubmitSae(DateOnly? SubmittedOn, string? Authority, string? Reference, string? Kind);

public static class SubmitSaeEndpoint
{
    [WolverinePost("/api/safety/sae/{adverseEventId}/submissions", OperationId = "submitSae")]
    [EndpointSummary("Record a serious adverse event's submission to an authority.")]
    [Authorize(Policy = Policies.Pv)]
    [ProducesResponseType<SaeActionRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid adverseEventId, SubmitSae submission, IDocumentSession session, HttpContext http, TimeProvider time,
        Microsoft.Extensions.Options.IOptions<Reports.SafetyReportOptions> options) =>
        SaeCaseActions.ActAsync(adverseEventId, submission, session, http, time, (clock, today) =>
        {
            var errors = new ValidationErrors();
            var authority = errors.Required("authority", submission.Authority, "Name the authority the report went to, e.g. ANSM or EMA.");
            var reference = errors.Required("reference", submission.Reference,
                "Give the submission's reference, as the authority acknowledged it.");
            SubmissionKind? kind = submission.Kind is null
                ? clock.SubmittedOn is null ? SubmissionKind.Initial : SubmissionKind.Complete
                : errors.Enumeration<SubmissionKind>("kind", submission.Kind, "kind of submission");
            if (submission.SubmittedOn is not { } on)
            {
                errors.Add("submittedOn", "Give the date the report was submitted (yyyy-MM-dd).");
            }
            else if (on > today)
            {
                errors.Add("submittedOn", $"The submission date {on:yyyy-MM-dd} is after today ({today:yyyy-MM-dd}).");
            }
            else if (on < clock.AwareOn)
            {
                errors.Add("submittedOn", $"A report cannot be submitted ({on:yyyy-MM-dd}) before the site became aware of the event "
                    + $"({clock.AwareOn:yyyy-MM-dd}).");
            }

            if (errors.Any)
            {
                return (null, errors.ToProblem());
            }

            if (kind == SubmissionKind.Initial && clock.Status != SaeStatus.AwaitingSubmission)
            {
                return (null, SaeCaseActions.Conflict(
                    $"The case is {clock.Status}: only a case awaiting submission (an acknowledged SUSAR) is submitted."));
            }

            if (kind == SubmissionKind.Complete
                && (clock.SubmittedOn is null || clock.CompleteReportDueOn is null || clock.CompleteReportOn is not null
                    || clock.NullifiedOn is not null))
            {
                return (null, SaeCaseActions.Conflict(
                    "A complete report follows the initial submission of a fatal or life-threatening SUSAR, once."));
            }

            return (new SaeSubmitted(adverseEventId, clock.PatientId, kind!.Value, submission.SubmittedOn!.Value, authority!, reference!),
                null);
        }, Reports.IcsrCases.WorldwideCaseId(options.Value, adverseEventId));
}
