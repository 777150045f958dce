using System.Text.Json;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Sites;

namespace Registry.Safety;

public sealed record SaeActionRecorded(Guid AdverseEventId, SaeStatus Status);

/// <summary>What acknowledging and submitting an SAE share: the case as it stands now, and how an action on it is recorded.</summary>
public static class SaeCaseActions
{
    /// <summary>
    /// A pv action: the case as it stands now (from the patient's stream itself, not the async figures),
    /// the decision, then one event on the case's own stream with the idempotency record.
    /// </summary>
    internal static async Task<IResult> ActAsync(
        Guid adverseEventId, object request, IDocumentSession session, HttpContext http, TimeProvider time,
        Func<SaeClock, DateOnly, (object? Event, ProblemDetails? Problem)> decide)
    {
        var ct = http.RequestAborted;
        var hash = PatientWrites.RequestHash(http, request);
        var keys = PatientWrites.KeysOf(http, []);
        if (await PatientWrites.TryReplayAsync(session, keys, hash, ct) is { } replay)
        {
            return replay;
        }

        var clock = await CurrentAsync(session, adverseEventId, time, ct);
        if (clock is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such serious adverse event.",
                detail: "No adverse event with this id has been serious.");
        }

        var (@event, problem) = decide(clock, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        if (problem is not null)
        {
            return Results.Problem(problem);
        }

        var stream = SaeCaseRecord.StreamFor(adverseEventId);
        var pvCase = await session.LoadAsync<SaeCaseRecord>(stream, ct);
        if (pvCase is null)
        {
            session.Events.StartStream<SaeCaseRecord>(stream, @event!);
        }
        else
        {
            session.Events.Append(stream, pvCase.Actions.Count + 1, @event!);
        }

        var status = @event is SaeAcknowledged ? (clock.Susar ? SaeStatus.AwaitingSubmission : SaeStatus.Closed) : SaeStatus.Submitted;
        var body = JsonSerializer.Serialize(new SaeActionRecorded(adverseEventId, status), RegistryJson.Options);
        PatientWrites.Remember(session, keys, hash, body, null, time);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is ConcurrencyException
                                      or Marten.Exceptions.ExistingStreamIdCollisionException
                                      or JasperFx.Events.ExistingStreamIdCollisionException
                                      or DocumentAlreadyExistsException)
        {
            return Results.Problem(Conflict("Another pv officer acted on this case at the same moment: reload it and try again."));
        }

        return PatientWrites.Created(body, null);
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
        var patientId = await session.Query<PatientRecord>()
            .Where(p => p.Entries.Any(e => e.EntryId == adverseEventId))
            .Select(p => p.Id)
            .FirstOrDefaultAsync(ct);
        if (patientId == Guid.Empty)
        {
            return null;
        }

        var projection = new PatientFactsProjection();
        PatientFacts? facts = null;
        foreach (var e in await session.Events.FetchStreamAsync(patientId, token: ct))
        {
            facts = projection.Evolve(facts, patientId, e);
        }

        var pvCase = await session.LoadAsync<SaeCaseRecord>(SaeCaseRecord.StreamFor(adverseEventId), ct);
        var site = await session.LoadAsync<Site>(facts!.SiteId, ct);
        return SaeClocks.Compute(facts, adverseEventId, pvCase, site?.TimeZone ?? "UTC", time.GetUtcNow());
    }
}
