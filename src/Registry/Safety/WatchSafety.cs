using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Registry.Access;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Safety;

public static class WatchSafetyEndpoint
{
    [WolverineGet("/api/safety/live", OperationId = "getSafetyLive")]
    [EndpointSummary("Follow new and changed serious adverse events as they happen.")]
    [Authorize(Policy = Policies.Safety)]
    public static IResult Get(
        SafetyFeed feed, ICallerRecheck recheck, TimeProvider time, IDocumentStore store, ILogger<SafetyFeed> logger) =>
        new LiveSaeStream(feed, recheck, time, store, logger);

    /// <summary>How often an open stream checks its caller again (session, token, directory, role).</summary>
    public static readonly TimeSpan RecheckEvery = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Every new or changed SAE, as it reaches the projections, as server-sent events (<c>sae</c>); the SSE id is the
    /// event sequence of the change, so a client that reconnects with Last-Event-ID gets what it missed. A
    /// <c>progress</c> event says the figures moved (their new sequence), so the page refreshes its at-a-glance
    /// figures too. The node's one <see cref="SafetyFeed"/> does the reading; a comment every 15 s keeps proxies open.
    /// The caller is checked again every <see cref="RecheckEvery"/>: a signed-out session, an expired token, a
    /// deactivated user or a role that no longer sees safety data ends the stream. The audit keeps one entry when the
    /// stream opens (before anything is sent: no audit, no stream) and one when it closes, with how long it ran and how
    /// many SAE changes it sent.
    /// </summary>
    private sealed class LiveSaeStream(SafetyFeed feed, ICallerRecheck recheck, TimeProvider time, IDocumentStore store, ILogger logger)
        : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var ct = http.RequestAborted;
            var caller = Caller.From(http.User);
            var opened = time.GetUtcNow();
            await using (var audit = store.LightweightSession())
            {
                audit.Record(caller, time, AuditActions.LiveStream, detail: "opened");
                await audit.SaveChangesAsync(ct);
            }

            var changes = 0;
            try
            {
                await StreamAsync(http, () => changes++, ct);
            }
            finally
            {
                try
                {
                    await using var audit = store.LightweightSession();
                    var seconds = (long)(time.GetUtcNow() - opened).TotalSeconds;
                    audit.Record(caller, time, AuditActions.LiveStream, detail: $"closed after {seconds} s; {changes} SAE change(s) sent");
                    await audit.SaveChangesAsync(CancellationToken.None);
                }
#pragma warning disable CA1031 // the stream is over whatever happens here: nothing is left to answer
                catch (Exception e)
#pragma warning restore CA1031
                {
                    // The opening is on record; the database gone at the close (however the store reports it) loses only
                    // the count.
                    logger.LogWarning(
                        e, "The live safety stream of {UserId} closed; its closing audit entry could not be written", caller.UserId);
                }
            }
        }

        private async Task StreamAsync(HttpContext http, Action sentOne, CancellationToken ct)
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
            await http.Response.WriteAsync(": registry safety stream\n\n", ct);
            await http.Response.Body.FlushAsync(ct);

            long? sent = long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), out var resume) ? resume : null;
            using var listening = feed.Listen();
            // The waiter first, then the snapshot at hand: a change between the two is seen twice, never missed;
            // snapshots are handled by version, so one published while the last was being sent is handled next.
            var next = feed.NextAsync(ct);
            var snapshot = feed.Current;
            var seen = 0L;
            var shown = -1L;
            var checkedAt = time.GetUtcNow();
            try
            {
                while (true)
                {
                    if (time.GetUtcNow() - checkedAt >= RecheckEvery)
                    {
                        if (!await recheck.StillAllowedAsync(http.User, Policies.Safety, ct))
                        {
                            await http.Response.WriteAsync("event: ended\ndata: {\"reason\":\"sign in again\"}\n\n", ct);
                            return;
                        }

                        checkedAt = time.GetUtcNow();
                    }

                    if (snapshot is null || snapshot.Version <= seen)
                    {
                        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(15), quiet.Token)) != next)
                        {
                            await http.Response.WriteAsync(": keep-alive\n\n", ct);
                            await http.Response.Body.FlushAsync(ct);
                            continue;
                        }

                        await quiet.CancelAsync();
                        snapshot = await next;
                        next = feed.NextAsync(ct);
                        if (feed.Current is { } latest && latest.Version > snapshot.Version)
                        {
                            snapshot = latest;
                        }

                        if (snapshot.Version <= seen)
                        {
                            continue;
                        }
                    }

                    seen = snapshot.Version;
                    if (sent is null)
                    {
                        // A new client: its page shows the clocks as they are; from here on it gets changes.
                        sent = snapshot.Clocks.Count == 0 ? 0 : snapshot.Clocks.Max(c => c.ChangeSequence);
                        shown = snapshot.FactsSequence;
                        next = feed.NextAsync(ct);
                        snapshot = feed.Current;
                        continue;
                    }

                    foreach (var clock in snapshot.Clocks.Where(c => c.ChangeSequence > sent).OrderBy(c => c.ChangeSequence))
                    {
                        var data = JsonSerializer.Serialize(clock, RegistryJson.Options);
                        var id = clock.ChangeSequence.ToString(CultureInfo.InvariantCulture);
                        await http.Response.WriteAsync($"id: {id}\nevent: sae\ndata: {data}\n\n", ct);
                        sent = clock.ChangeSequence;
                        sentOne();
                    }

                    if (snapshot.FactsSequence != shown)
                    {
                        shown = snapshot.FactsSequence;
                        var sequence = shown.ToString(CultureInfo.InvariantCulture);
                        await http.Response.WriteAsync($"event: progress\ndata: {{\"sequence\":{sequence}}}\n\n", ct);
                    }

                    await http.Response.Body.FlushAsync(ct);
                    next = feed.NextAsync(ct);
                    snapshot = feed.Current;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The client went away.
            }
        }
    }
}
