using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Infrastructure;
using Registry.Sites;
using Registry.Writing;

namespace Registry.Patients;

/// <summary>What a write to a patient decided: a problem (nothing is written), or events and the answer to give.</summary>
public sealed record Decision(ProblemDetails? Problem, IReadOnlyList<object> Events, Func<long, object>? Answer)
{
    public static Decision Reject(ProblemDetails problem) => new(problem, [], null);

    public static Decision Accept(IReadOnlyList<object> events, Func<long, object> answer) => new(null, events, answer);
}

/// <summary>
/// A write to a patient's stream on the registry's one write path (<see cref="WritePath"/>): the target is the
/// stream, locked (concurrent writers to one patient queue); its version is what <c>If-Match</c> matches; the
/// decision is a pure function of the patient's state and the site's today; its events append to the stream.
/// Client ids (visitId, adverseEventId) are idempotency keys besides the caller's <c>Idempotency-Key</c>.
/// </summary>
public static class PatientWrites
{
    public static Task<IResult> ExecuteAsync(
        IDocumentSession session,
        HttpContext http,
        Guid patientId,
        object request,
        IReadOnlyList<string> clientIds,
        TimeProvider time,
        Func<PatientState, DateOnly, Decision> decide,
        bool evenWhenLocked = false,
        Func<CancellationToken, Task<ProblemDetails?>>? check = null,
        Func<Exception, CancellationToken, Task<ProblemDetails?>>? lostClaim = null)
    {
        JasperFx.Events.IEventStream<PatientState>? stream = null;
        var version = 0L;
        return WritePath.ExecuteAsync(http, session, time, request, clientIds.Select(id => $"patient:{patientId}:{id}"),
            async ct =>
            {
                stream = await session.Events.FetchForExclusiveWriting<PatientState>(patientId, ct);
                var patient = stream.Aggregate ?? throw new InvalidOperationException($"Patient {patientId} has no enrolment.");
                version = stream.CurrentVersion ?? patient.Version;
                return new WriteTarget(version);
            },
            async ct =>
            {
                var patient = stream!.Aggregate!;
                // The site check before the endpoint ran may predate a transfer this write queued behind: checked again
                // on the locked stream, so an old site's write never lands on a patient that moved.
                if (!Access.Caller.From(http.User).MaySee(patient.SiteId))
                {
                    return WriteOutcome.Reject(new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "No such patient." });
                }

                if (patient.VoidedBecause is { } why)
                {
                    return WriteOutcome.Reject(Voided(why));
                }

                // A locked record takes no change of its data (the site's writes); the monitor's own steps go on.
                if (!evenWhenLocked && patient.Lock is { } locked)
                {
                    return WriteOutcome.Reject(Locked(locked));
                }

                // A check that needs I/O (a signer's password), after the retry and If-Match checks, before the decision.
                if (check is not null && await check(ct) is { } refused)
                {
                    return WriteOutcome.Reject(refused);
                }

                var site = await session.LoadAsync<Site>(patient.SiteId, ct);
                var decision = decide(patient, SiteClock.Today(time, site?.TimeZone ?? "UTC"));
                if (decision.Problem is not null)
                {
                    return WriteOutcome.Reject(decision.Problem);
                }

                stream.AppendMany(decision.Events.ToArray());
                return WriteOutcome.Accept(new WriteAnswer(
                    StatusCodes.Status201Created, decision.Answer!(version + decision.Events.Count), $"/api/patients/{patientId}"));
            },
            lostClaim);
    }

    /// <summary>409: the enrolment was voided as a duplicate; nothing more is written to it.</summary>
    public static ProblemDetails Voided(string reason) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "This enrolment was voided as a duplicate.",
        Detail = $"Voided: {reason}. Nothing more can be recorded on it; record on the patient's other enrolment.",
    };

    /// <summary>409 naming the lock: who locked the record, when and why, and how it is lifted.</summary>
    public static ProblemDetails Locked(RecordLock locked) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "This patient's record is locked.",
        Detail = $"Locked by {locked.By ?? "a monitor"} on {locked.At:yyyy-MM-dd HH:mm} UTC: {locked.Reason}. "
            + "Nothing can be recorded or corrected until a monitor unlocks it, giving a reason.",
        Extensions = { ["lock"] = locked },
    };
}
