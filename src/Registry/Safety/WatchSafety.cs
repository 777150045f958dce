using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
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
    public static IResult Get(IDocumentStore store, TimeProvider time) => new LiveSaeStream(store, time);

    /// <summary>
    /// Every new or changed SAE, as it reaches the projections, as server-sent events; the SSE id is the
    /// event sequence of the change, so a client that reconnects with Last-Event-ID gets what it missed.
    /// Polls the projections' progress once a second (one node; a Marten subscription feeding a
    /// broadcaster is the next step), and sends a comment every 15 s so proxies keep the line open.
    /// </summary>
    private sealed class LiveSaeStream(IDocumentStore store, TimeProvider time) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var ct = http.RequestAborted;
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
            await http.Response.WriteAsync(": registry safety stream\n\n", ct);
            await http.Response.Body.FlushAsync(ct);

            long? sent = long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), out var resume) ? resume : null;
            var seen = (Facts: -1L, Cases: -1L);
            var quiet = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                do
                {
                    await using var session = store.QuerySession();
                    var progress = await ProjectionProgress.ForAsync(session, ProjectionProgress.PatientFacts, ct);
                    var cases = await session.Query<SaeCaseRecord>()
                        .OrderByDescending(c => c.LastSequence)
                        .Select(c => c.LastSequence)
                        .FirstOrDefaultAsync(ct);
                    if ((progress.Sequence, cases) == seen)
                    {
                        if (++quiet % 15 == 0)
                        {
                            await http.Response.WriteAsync(": keep-alive\n\n", ct);
                            await http.Response.Body.FlushAsync(ct);
                        }

                        continue;
                    }

                    seen = (progress.Sequence, cases);
                    var clocks = await GetSaeClocksEndpoint.LoadClocksAsync(session, time, ct);
                    if (sent is null)
                    {
                        // A new client: its page shows the clocks as they are; from here on it gets changes.
                        sent = clocks.Count == 0 ? 0 : clocks.Max(c => c.ChangeSequence);
                        continue;
                    }

                    foreach (var clock in clocks.Where(c => c.ChangeSequence > sent).OrderBy(c => c.ChangeSequence))
                    {
                        var data = JsonSerializer.Serialize(clock, RegistryJson.Options);
                        var id = clock.ChangeSequence.ToString(CultureInfo.InvariantCulture);
                        await http.Response.WriteAsync($"id: {id}\nevent: sae\ndata: {data}\n\n", ct);
                        sent = clock.ChangeSequence;
                    }

                    await http.Response.Body.FlushAsync(ct);
                }
                while (await timer.WaitForNextTickAsync(ct));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The client went away.
            }
        }
    }
}
