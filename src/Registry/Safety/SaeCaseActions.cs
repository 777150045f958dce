using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Sites;
using Registry.Writing;

namespace Registry.Safety;

public sealed record SaeActionRecorded(Guid AdverseEventId, SaeStatus Status);

/// <summary>What acknowledging and submitting an SAE share: the case as it stands now, and how an action on it is recorded.</summary>
public static class SaeCaseActions
{
    /// <summary>
    /// A pv action on the write path: the case as it stands now (from the patient's stream itself, not the
    /// async figures; 404 when the event was never serious), the decision, then one event on the case's own
    /// stream at its next version (a concurrent action on the same case loses with a 409).
    /// </summary>
    /// <param name="newCaseId">
    /// The worldwide unique case id a first report carries (from the settings); a later report keeps the first one's.
    /// </param>
    internal static Task<IResult> ActAsync(
        Guid adverseEventId, object request, IDocumentSession session, HttpContext http, TimeProvider time,
        Func<SaeClock, DateOnly, (object? Event, ProblemDetails? Problem)> decide, string? newCaseId = null)
    {
        SaeClock? clock = null;
        return WritePath.ExecuteAsync(http, session, time, request, [],
            async ct =>
            {
                clock = await CurrentAsync(session, adverseEventId, time, ct);
                return clock is null
                    ? new WriteTarget(null, new ProblemDetails
                    {
                        Status = StatusCodes.Status404NotFound,
                        Title = "No such serious adverse event.",
                        Detail = "No adverse event with this id has been serious.",
                    })
                    : WriteTarget.New;
            },
            async ct =>
            {
                // "Today" is the latest date anywhere (UTC+14): a pv officer anywhere may record a report made today, in their day.
                var (@event, problem) = decide(clock!, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.AddHours(14)));
                if (problem is not null)
                {
                    return WriteOutcome.Reject(problem);
                }

                var stream = SaeCaseRecord.StreamFor(adverseEventId);
                var pvCase = await session.LoadAsync<SaeCaseRecord>(stream, ct);
                var caseId = pvCase?.CaseId ?? newCaseId;
                @event = @event switch
                {
                    SaeSubmitted x => x with { CaseId = caseId },
                    SaeFollowUpReported x => x with { CaseId = caseId },
                    SaeNullified x => x with { CaseId = caseId },
                    SaeAmended x => x with { CaseId = caseId },
                    _ => @event,
                };
                if (pvCase is null)
                {
                    session.Events.StartStream<SaeCaseRecord>(stream, @event!);
                }
                else
                {
                    session.Events.Append(stream, pvCase.Actions.Count + 1, @event!);
                }

                var status = @event switch
                {
                    SaeAcknowledged => clock!.Susar ? SaeStatus.AwaitingSubmission : SaeStatus.Closed,
                    SaeNarrativeWritten => clock!.Status,
                    _ => SaeStatus.Submitted,
                };
                return WriteOutcome.Accept(
                    new WriteAnswer(StatusCodes.Status201Created, new SaeActionRecorded(adverseEventId, status), null));
            },
            (_, _) => Task.FromResult<ProblemDetails?>(
                Conflict("Another pv officer acted on this case at the same moment: reload it and try again.")));
    }

    internal static ProblemDetails Conflict(string detail) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "The case is not at that step.",
        Detail = detail,
    };

    /// <summary>The case as it stands, folded from the patient's stream and the case stream now.</summary>
    public static async Task<SaeClock?> CurrentAsync(IDocumentSession session, Guid adverseEventId, TimeProvider time, CancellationToken ct)
    {
        if (await session.LoadAsync<AdverseEventOwner>(adverseEventId, ct) is not { PatientId: var patientId })
        {
            return null;
        }

        var projection = new PatientFactsProjection();
        PatientFacts? facts = null;
        foreach (var e in await session.Events.FetchStreamAsync(patientId, token: ct))
        {
            facts = projection.Evolve(facts, patientId, e);
        }

        var pvCase = (await SaeCaseRecord.LoadAsync(session, [adverseEventId], ct)).GetValueOrDefault(adverseEventId);
        var site = await session.LoadAsync<Site>(facts!.SiteId, ct);
        return SaeClocks.Compute(facts, adverseEventId, pvCase, site?.TimeZone ?? "UTC", time.GetUtcNow());
    }
}
