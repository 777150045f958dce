using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Sites;

namespace Registry.Patients;

/// <summary>The first answer to a write, kept so that a retry gets it again and writes nothing.</summary>
public sealed class IdempotencyRecord
{
    /// <summary>
    /// <c>patient:{id}:visit:{visitId}</c>, <c>patient:{id}:adverse-event:{id}</c> or <c>key:{user}:{Idempotency-Key}</c>.
    /// </summary>
    public string Id { get; set; } = "";

    public string RequestHash { get; set; } = "";

    public int Status { get; set; }

    public string Body { get; set; } = "";

    public string? Location { get; set; }

    public DateTimeOffset At { get; set; }
}

/// <summary>What a write decided: a problem (nothing is written), or events and the answer to give.</summary>
public sealed record Decision(ProblemDetails? Problem, IReadOnlyList<object> Events, Func<long, object>? Answer)
{
    public static Decision Reject(ProblemDetails problem) => new(problem, [], null);

    public static Decision Accept(IReadOnlyList<object> events, Func<long, object> answer) => new(null, events, answer);
}

/// <summary>
/// Every write to a patient's stream goes through here, in this order:
/// lock the stream (concurrent writers to one patient queue, none is lost); idempotency (a retry of a
/// write that succeeded gets its first answer and writes nothing; a key reused for another request is
/// 409); <c>If-Match</c> (412 when the stream has moved on); the decision (400 writes nothing); then
/// the events and the idempotency records commit in one transaction.
/// </summary>
public static class PatientWrites
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static async Task<IResult> ExecuteAsync(
        IDocumentSession session,
        HttpContext http,
        Guid patientId,
        object request,
        IReadOnlyList<string> clientIds,
        TimeProvider time,
        Func<PatientState, DateOnly, Decision> decide)
    {
        var ct = http.RequestAborted;
        var hash = RequestHash(http, request);
        var keys = KeysOf(http, clientIds.Select(id => $"patient:{patientId}:{id}"));

        var stream = await session.Events.FetchForExclusiveWriting<PatientState>(patientId, ct);
        var patient = stream.Aggregate ?? throw new InvalidOperationException($"Patient {patientId} has no enrolment.");

        // The earlier answers under this write's keys and the patient's site, in one round trip.
        var batch = session.CreateBatchQuery();
        var earlierTask = keys.Count > 0 ? batch.LoadMany<IdempotencyRecord>().ById(keys.ToArray()) : null;
        var siteTask = batch.Load<Site>(patient.SiteId);
        await batch.Execute(ct);
        if (earlierTask is not null && await earlierTask is { Count: > 0 } earlier)
        {
            return Replay(earlier, hash);
        }

        var current = stream.CurrentVersion ?? patient.Version;
        if (IfMatch(http) is { } ifMatch)
        {
            if (ifMatch.Problem is not null)
            {
                return Results.Problem(ifMatch.Problem);
            }

            if (ifMatch.Version is { } expected && expected != current)
            {
                return Results.Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status412PreconditionFailed,
                    Title = "The patient's record has changed since you read it.",
                    Detail = $"You sent If-Match version {expected}; the record is now at version {current}. " +
                        "Reload it, check the new entries, and send again.",
                    Extensions = { ["currentVersion"] = current },
                });
            }
        }

        var site = await siteTask;
        var today = SiteClock.Today(time, site?.TimeZone ?? "UTC");
        var decision = decide(patient, today);
        if (decision.Problem is not null)
        {
            return Results.Problem(decision.Problem);
        }

        stream.AppendMany(decision.Events.ToArray());
        var answer = decision.Answer!(current + decision.Events.Count);
        var body = JsonSerializer.Serialize(answer, answer.GetType(), RegistryJson.Options);
        var location = $"/api/patients/{patientId}";
        Remember(session, keys, hash, body, location, time);

        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            // The same Idempotency-Key raced in on another patient's stream; the first one won.
            await using var fresh = session.DocumentStore.LightweightSession();
            return await TryReplayAsync(fresh, keys, hash, ct)
                ?? throw new InvalidOperationException("An idempotency key collided but no record was found.");
        }

        return Answer(StatusCodes.Status201Created, body, location, replayed: false);
    }

    /// <summary>The keys of a write: the caller's <c>Idempotency-Key</c>, if any, besides the write's own client ids.</summary>
    public static List<string> KeysOf(HttpContext http, IEnumerable<string> clientIds)
    {
        var keys = clientIds.ToList();
        if (http.Request.Headers[IdempotencyKeyHeader].ToString() is { Length: > 0 } headerKey)
        {
            keys.Add($"key:{Caller.From(http.User).UserId}:{headerKey}");
        }

        return keys;
    }

    /// <summary>The first answer when one of the keys was used before (or 409 for a different request); null for a new write.</summary>
    public static async Task<IResult?> TryReplayAsync(
        IDocumentSession session, IReadOnlyList<string> keys, string hash, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return null;
        }

        var earlier = await session.LoadManyAsync<IdempotencyRecord>(ct, keys);
        return earlier.Count > 0 ? Replay(earlier, hash) : null;
    }

    /// <summary>Keeps a write's answer under each of its keys, in the write's own transaction.</summary>
    public static void Remember(
        IDocumentSession session, IEnumerable<string> keys, string hash, string body, string? location, TimeProvider time)
    {
        var now = time.GetUtcNow();
        foreach (var key in keys)
        {
            session.Insert(new IdempotencyRecord
            {
                Id = key,
                RequestHash = hash,
                Status = StatusCodes.Status201Created,
                Body = body,
                Location = location,
                At = now,
            });
        }
    }

    public static IResult Created(string body, string? location) => Answer(StatusCodes.Status201Created, body, location, replayed: false);

    private static IResult Replay(IReadOnlyList<IdempotencyRecord> earlier, string hash)
    {
        var conflicting = earlier.Where(r => r.RequestHash != hash).Select(r => r.Id).ToList();
        if (conflicting.Count > 0)
        {
            return Results.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "This id was already used for a different request.",
                Detail = "The Idempotency-Key, visitId or adverseEventId you sent belongs to an earlier, different request. " +
                    "Use a new id for a new entry.",
                Extensions = { ["conflicts"] = conflicting.Select(Describe).ToList() },
            });
        }

        var first = earlier[0];
        return Answer(first.Status, first.Body, first.Location, replayed: true);
    }

    private static string Describe(string key)
    {
        var parts = key.Split(':');
        return parts[0] == "key" ? "Idempotency-Key" : parts.Length > 2 ? parts[2] switch
        {
            "visit" => "visitId",
            "adverse-event" => "adverseEventId",
            var other => other,
        } : key;
    }

    private static IResult Answer(int status, string body, string? location, bool replayed) =>
        new StoredAnswer(status, body, location, replayed);

    /// <summary>SHA-256 of the method, the path and the request as canonical JSON (keys sorted).</summary>
    public static string RequestHash(HttpContext http, object request)
    {
        var node = JsonSerializer.SerializeToNode(request, request.GetType(), RegistryJson.Options);
        var canonical = $"{http.Request.Method} {http.Request.Path}\n{Canonical(node)}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Where(p => p.Value is not null)
            .Select(p => JsonSerializer.Serialize(p.Key) + ":" + Canonical(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    private sealed record IfMatchHeader(long? Version, ProblemDetails? Problem);

    /// <summary>The version the client saw, from <c>If-Match: "&lt;version&gt;"</c>; never from the body.</summary>
    private static IfMatchHeader? IfMatch(HttpContext http)
    {
        var raw = http.Request.Headers.IfMatch.ToString().Trim();
        if (raw.Length == 0)
        {
            return null;
        }

        if (raw == "*")
        {
            return new IfMatchHeader(null, null);
        }

        var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
        return long.TryParse(tag.Trim('"'), out var version) && version > 0
            ? new IfMatchHeader(version, null)
            : new IfMatchHeader(null, ValidationErrors.Single(HeaderNames.IfMatch,
                $"If-Match takes the version from the record's ETag, e.g. \"3\"; '{raw}' is not one."));
    }

    private sealed class StoredAnswer(int status, string body, string? location, bool replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            if (location is not null)
            {
                httpContext.Response.Headers.Location = location;
            }

            if (replayed)
            {
                httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            }

            return httpContext.Response.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
