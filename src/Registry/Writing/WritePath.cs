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

namespace Registry.Writing;

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

/// <summary>
/// What a write locked or claimed: its current version, for <c>If-Match</c> (null for a write that creates
/// something, where there is nothing to match), or the problem that stops it (a 404).
/// </summary>
public sealed record WriteTarget(long? Version, ProblemDetails? Problem = null)
{
    public static readonly WriteTarget New = new((long?)null);
}

/// <summary>What a write answers once its changes are staged in the session: status, body, <c>Location</c>.</summary>
public sealed record WriteAnswer(int Status, object Body, string? Location);

/// <summary>A write's decision: a problem (nothing is written), or the answer to give once its staged changes commit.</summary>
public sealed record WriteOutcome(ProblemDetails? Problem, WriteAnswer? Answer)
{
    public static WriteOutcome Reject(ProblemDetails problem) => new(problem, null);

    public static WriteOutcome Accept(WriteAnswer answer) => new(null, answer);
}

/// <summary>
/// Every POST goes through here, in this order: lock or claim the target (concurrent writers to one patient
/// queue, none is lost); idempotency (a retry of a write that succeeded gets its first answer and writes
/// nothing; a key reused for another request is 409); <c>If-Match</c> (412 when the target has moved on);
/// the decision (a 4xx writes nothing), which stages its changes in the session; then the changes and the
/// idempotency records commit in one transaction, and the answer goes out. A unique claim lost to a
/// concurrent write (a subject code, a site id, a case's next version) becomes the write's own 409.
/// </summary>
public static class WritePath
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static async Task<IResult> ExecuteAsync(
        HttpContext http,
        IDocumentSession session,
        TimeProvider time,
        object request,
        IEnumerable<string> clientKeys,
        Func<CancellationToken, Task<WriteTarget>> open,
        Func<CancellationToken, Task<WriteOutcome>> decide,
        Func<Exception, CancellationToken, Task<ProblemDetails?>>? lostClaim = null)
    {
        var ct = http.RequestAborted;
        var hash = RequestHash(http, request);
        var keys = KeysOf(http, clientKeys);

        var target = await open(ct);
        if (target.Problem is not null)
        {
            return Results.Problem(target.Problem);
        }

        if (await TryReplayAsync(session, keys, hash, ct) is { } replay)
        {
            return replay;
        }

        if (IfMatch(http, target.Version) is { } precondition)
        {
            return Results.Problem(precondition);
        }

        var outcome = await decide(ct);
        if (outcome.Problem is not null)
        {
            // A conflict may be this very request, committed by a concurrent retry since the replay check above.
            return outcome.Problem.Status == StatusCodes.Status409Conflict && await TryReplayAsync(session, keys, hash, ct) is { } raced
                ? raced
                : Results.Problem(outcome.Problem);
        }

        var answer = outcome.Answer!;
        var body = JsonSerializer.Serialize(answer.Body, answer.Body.GetType(), RegistryJson.Options);
        var now = time.GetUtcNow();
        foreach (var key in keys)
        {
            session.Insert(new IdempotencyRecord
            {
                Id = key,
                RequestHash = hash,
                Status = answer.Status,
                Body = body,
                Location = answer.Location,
                At = now,
            });
        }

        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (IsLostClaim(e))
        {
            // The same key raced in on another write and won: its answer is this write's. Otherwise the
            // write lost one of its own claims (a subject code, a site id, the case's next version).
            await using var fresh = session.DocumentStore.LightweightSession();
            if (await TryReplayAsync(fresh, keys, hash, ct) is { } first)
            {
                return first;
            }

            if (lostClaim is not null && await lostClaim(e, ct) is { } problem)
            {
                return Results.Problem(problem);
            }

            throw;
        }

        return new StoredAnswer(answer.Status, body, answer.Location, replayed: false);
    }

    /// <summary>A unique insert or an expected version that lost to a concurrent write (Marten reports several at once together).</summary>
    private static bool IsLostClaim(Exception e) => e is DocumentAlreadyExistsException
        or ConcurrencyException
        or Marten.Exceptions.ExistingStreamIdCollisionException
        or JasperFx.Events.ExistingStreamIdCollisionException
        || (e is AggregateException all && all.InnerExceptions.All(IsLostClaim));

    /// <summary>The keys of a write: its own client ids, and the caller's <c>Idempotency-Key</c> if any.</summary>
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
    private static async Task<IResult?> TryReplayAsync(
        IDocumentSession session, IReadOnlyList<string> keys, string hash, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return null;
        }

        var earlier = await session.LoadManyAsync<IdempotencyRecord>(ct, keys);
        if (earlier.Count == 0)
        {
            return null;
        }

        var conflicting = earlier.Where(r => r.RequestHash != hash).Select(r => r.Id).ToList();
        if (conflicting.Count > 0)
        {
            return Results.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "This id was already used for a different request.",
                Detail = "The Idempotency-Key, visitId or adverseEventId you sent belongs to an earlier, different request. "
                    + "Use a new id for a new entry.",
                Extensions = { ["conflicts"] = conflicting.Select(Describe).ToList() },
            });
        }

        var first = earlier[0];
        return new StoredAnswer(first.Status, first.Body, first.Location, replayed: true);
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

    /// <summary>
    /// <c>If-Match: "&lt;version&gt;"</c> (never the body) against the target's version: 412 when it moved on,
    /// 400 when the header is not a version. A write that creates its target has nothing to match.
    /// </summary>
    private static ProblemDetails? IfMatch(HttpContext http, long? current)
    {
        var raw = http.Request.Headers.IfMatch.ToString().Trim();
        if (raw.Length == 0 || raw == "*" || current is null)
        {
            return null;
        }

        var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
        if (!long.TryParse(tag.Trim('"'), out var expected) || expected <= 0)
        {
            return ValidationErrors.Single(HeaderNames.IfMatch,
                $"If-Match takes the version from the record's ETag, e.g. \"3\"; '{raw}' is not one.");
        }

        return expected == current
            ? null
            : new ProblemDetails
            {
                Status = StatusCodes.Status412PreconditionFailed,
                Title = "The patient's record has changed since you read it.",
                Detail = $"You sent If-Match version {expected}; the record is now at version {current}. "
                    + "Reload it, check the new entries, and send again.",
                Extensions = { ["currentVersion"] = current },
            };
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
