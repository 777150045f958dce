using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Safety.Reports;
using Wolverine.Http;

namespace Registry.Safety;

public sealed record ReportFollowUp(DateOnly? ReceivedOn, DateOnly? SubmittedOn, string? Authority, string? Reference);

public sealed record NullifyCase(DateOnly? SubmittedOn, string? Authority, string? Reference, string? Reason);

public sealed record AmendReport(DateOnly? SubmittedOn, string? Authority, string? Reference, string? Reason);

public sealed record WriteNarrative([property: LongText(CaseReportEndpoints.MaxNarrative)] string? Text);

/// <summary>
/// The pv officer's reports on a submitted case, and its narrative: a follow-up report (new information received, the
/// case's next version), a nullification (a submitted case downgraded), and the narrative's versions. Each is one event on
/// the case's own stream, through the write path (idempotent, a concurrent step on the case loses with a 409).
/// </summary>
public static class CaseReportEndpoints
{
    public const int MaxAuthority = 100;
    public const int MaxReference = 200;
    public const int MaxReason = 2_000;
    public const int MaxNarrative = 20_000;

    [WolverinePost("/api/safety/sae/{adverseEventId}/follow-up-reports", OperationId = "reportSaeFollowUp")]
    [EndpointSummary("Record a follow-up report of a submitted case (new information received): the case's next version.")]
    [Authorize(Policy = Policies.Pv)]
    [ProducesResponseType<SaeActionRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> FollowUp(
        Guid adverseEventId, ReportFollowUp request, IDocumentSession session, HttpContext http, TimeProvider time,
        IOptions<SafetyReportOptions> options) =>
        SaeCaseActions.ActAsync(adverseEventId, request, session, http, time, (clock, today) =>
        {
            var errors = new ValidationErrors();
            var (authority, reference) = Submission(errors, request.Authority, request.Reference);
            Dated(errors, "submittedOn", request.SubmittedOn, clock, today, "submitted");
            Dated(errors, "receivedOn", request.ReceivedOn, clock, today, "received");
            After(errors, request.SubmittedOn, clock);
            if (request.ReceivedOn is { } received && request.SubmittedOn is { } sent && received > sent)
            {
                errors.Add("receivedOn", $"The new information ({received:yyyy-MM-dd}) cannot come after the report that sent it "
                    + $"({sent:yyyy-MM-dd}).");
            }

            if (errors.Any)
            {
                return (null, errors.ToProblem());
            }

            if (clock.SubmittedOn is null || clock.NullifiedOn is not null)
            {
                return (null, SaeCaseActions.Conflict(clock.NullifiedOn is null
                    ? "A follow-up report follows the case's initial submission: record that first."
                    : "The case was nullified: no report follows a nullification."));
            }

            return (new SaeFollowUpReported(adverseEventId, clock.PatientId, request.ReceivedOn!.Value, request.SubmittedOn!.Value,
                authority!, reference!), null);
        }, IcsrCases.WorldwideCaseId(options.Value, adverseEventId));

    [WolverinePost("/api/safety/sae/{adverseEventId}/nullifications", OperationId = "nullifySae")]
    [EndpointSummary("Record the nullification report of a submitted case that was downgraded.")]
    [Authorize(Policy = Policies.Pv)]
    [ProducesResponseType<SaeActionRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Nullify(
        Guid adverseEventId, NullifyCase request, IDocumentSession session, HttpContext http, TimeProvider time,
        IOptions<SafetyReportOptions> options) =>
        SaeCaseActions.ActAsync(adverseEventId, request, session, http, time, (clock, today) => Reasoned(
            clock, today, request.SubmittedOn, request.Authority, request.Reference, request.Reason,
            "Say why the case is nullified, e.g. the event was corrected to non-serious.",
            c => c.NullifiedOn is not null ? "The case was nullified already."
                : c.SubmittedOn is null || !c.Downgraded
                    ? "Only a submitted case that was downgraded (no longer serious, or no longer a SUSAR) is nullified."
                    : null,
            (on, authority, reference, reason) => new SaeNullified(adverseEventId, clock.PatientId, on, authority, reference, reason)),
            IcsrCases.WorldwideCaseId(options.Value, adverseEventId));

    [WolverinePost("/api/safety/sae/{adverseEventId}/amendments", OperationId = "amendSaeReport")]
    [EndpointSummary("Record an amendment report of a submitted case (an earlier report corrected, no new information).")]
    [Authorize(Policy = Policies.Pv)]
    [ProducesResponseType<SaeActionRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Amend(
        Guid adverseEventId, AmendReport request, IDocumentSession session, HttpContext http, TimeProvider time,
        IOptions<SafetyReportOptions> options) =>
        SaeCaseActions.ActAsync(adverseEventId, request, session, http, time, (clock, today) => Reasoned(
            clock, today, request.SubmittedOn, request.Authority, request.Reference, request.Reason,
            "Say what the amendment corrects, e.g. the MedDRA code of the reaction was recoded.",
            c => c.NullifiedOn is not null ? "The case was nullified: no report follows a nullification."
                : c.Downgraded ? "The case was downgraded: its next report is a nullification."
                : c.SubmittedOn is null ? "An amendment corrects a report sent: record the initial submission first."
                : null,
            (on, authority, reference, reason) => new SaeAmended(adverseEventId, clock.PatientId, on, authority, reference, reason)),
            IcsrCases.WorldwideCaseId(options.Value, adverseEventId));

    [WolverinePost("/api/safety/sae/{adverseEventId}/narratives", OperationId = "writeSaeNarrative")]
    [EndpointSummary("Write the case narrative (a new version; the latest is the one the reports carry).")]
    [Authorize(Policy = Policies.Pv)]
    [ProducesResponseType<SaeActionRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Narrative(
        Guid adverseEventId, WriteNarrative request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        SaeCaseActions.ActAsync(adverseEventId, request, session, http, time, (clock, _) =>
        {
            var errors = new ValidationErrors();
            var text = errors.Required("text", request.Text, "Write the narrative (the draft on the case page is a start).", MaxNarrative);
            return errors.Any ? (null, errors.ToProblem()) : (new SaeNarrativeWritten(adverseEventId, clock.PatientId, text!), null);
        });

    /// <summary>
    /// A report that gives a reason (a nullification, an amendment): the submission's fields and the reason checked, then
    /// <paramref name="refusal"/> (why the case's step does not allow it, if it does not), then the event.
    /// </summary>
    private static (object? Event, ProblemDetails? Problem) Reasoned(
        SaeClock clock, DateOnly today, DateOnly? submittedOn, string? authority, string? reference, string? reason, string reasonHint,
        Func<SaeClock, string?> refusal, Func<DateOnly, string, string, string, object> make)
    {
        var errors = new ValidationErrors();
        var (to, number) = Submission(errors, authority, reference);
        Dated(errors, "submittedOn", submittedOn, clock, today, "submitted");
        After(errors, submittedOn, clock);
        var why = errors.Required("reason", reason, reasonHint, MaxReason);
        if (errors.Any)
        {
            return (null, errors.ToProblem());
        }

        return refusal(clock) is { } refused
            ? (null, SaeCaseActions.Conflict(refused))
            : (make(submittedOn!.Value, to!, number!, why!), null);
    }

    private static (string? Authority, string? Reference) Submission(ValidationErrors errors, string? authority, string? reference) =>
        (errors.Required("authority", authority, "Name the authority the report went to, e.g. ANSM or EMA.", MaxAuthority),
         errors.Required("reference", reference, "Give the submission's reference, as the authority acknowledged it.", MaxReference));

    /// <summary>A later report goes after the initial submission.</summary>
    private static void After(ValidationErrors errors, DateOnly? submittedOn, SaeClock clock)
    {
        if (submittedOn is { } on && clock.SubmittedOn is { } initial && on < initial)
        {
            errors.Add("submittedOn", $"{on:yyyy-MM-dd} is before the case's initial submission ({initial:yyyy-MM-dd}).");
        }
    }

    private static void Dated(ValidationErrors errors, string path, DateOnly? date, SaeClock clock, DateOnly today, string what)
    {
        if (date is not { } on)
        {
            errors.Add(path, $"Give the date the report was {what} (yyyy-MM-dd).");
        }
        else if (on > today)
        {
            errors.Add(path, $"{on:yyyy-MM-dd} is after today ({today:yyyy-MM-dd}).");
        }
        else if (on < clock.AwareOn)
        {
            errors.Add(path, $"{on:yyyy-MM-dd} is before the site became aware of the event ({clock.AwareOn:yyyy-MM-dd}).");
        }
    }
}
