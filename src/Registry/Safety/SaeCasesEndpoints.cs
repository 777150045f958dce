using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Exceptions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Patients.Timeline;
using Registry.Sites;
using Wolverine.Http;

namespace Registry.Safety;

public sealed record SubmitSae(DateOnly? SubmittedOn, string? Authority, string? Reference, string? Kind);

public sealed record SaeActionRecorded(Guid AdverseEventId, string Status);

public static class SaeCasesEndpoints
{
    [WolverineGet("/api/safety/sae-clocks", OperationId = "getSaeClocks")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IResult> Clocks(
        IQuerySession session, TimeProvider time, Freshness freshness, HttpResponse response, string? status, string? diseaseCode, string? siteId, CancellationToken ct)
    {
        if (status is not (null or "" or "open" or "overdue" or "all"))
        {
            return Results.Problem(ValidationErrors.Single("status", $"'{status}' is not a filter: use open, overdue or all."));
        }

        Freshness.Describe(response, await freshness.FactsAsync(session, ct));
        var clocks = (await LoadClocksAsync(session, time, ct))
            .Where(c => string.IsNullOrEmpty(diseaseCode) || c.DiseaseCode == diseaseCode)
            .Where(c => string.IsNullOrEmpty(siteId) || c.SiteId == siteId)
            .Where(c => status switch
            {
                "overdue" => c.Overdue,
                "all" => true,
                _ => SaeClocks.Open(c),
            })
            .ToList();
        return Results.Ok(clocks);
    }

    [WolverineGet("/api/safety/line-listing", OperationId = "getSaeLineListing")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IResult> LineListing(
        IQuerySession session, TimeProvider time, Freshness freshness, HttpResponse response, string? format, CancellationToken ct)
    {
        if (format is not (null or "" or "json" or "csv"))
        {
            return Results.Problem(ValidationErrors.Single("format", $"'{format}' is not a format: use csv or json."));
        }

        Freshness.Describe(response, await freshness.FactsAsync(session, ct));
        var rows = LineListingRows(await LoadClocksAsync(session, time, ct));
        if (format != "csv")
        {
            return Results.Ok(rows);
        }

        await using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions(), leaveOpen: true))
        {
            csv.WriteHeader(["subjectCode", "siteId", "diseaseCode", "adverseEventId", "term", "meddraPtCode", "grade", "worstGrade", "seriousCriteria", "causality", "expected", "outcome",
                "onsetOn", "awareOn", "recordedAt", "siteDueAt", "siteLate", "susar", "regulatoryDueOn", "completeReportDueOn", "acknowledgedAt", "submittedOn", "status", "overdue", "downgraded"]);
            foreach (var r in rows)
            {
                csv.WriteRecord([r.SubjectCode, r.SiteId, r.DiseaseCode, r.AdverseEventId.ToString(), r.Term, r.MeddraPtCode ?? "", Num(r.Grade), Num(r.WorstGrade),
                    string.Join('|', r.SeriousCriteria.Select(c => Kebab.Name(c))), r.Causality is { } c ? Kebab.Name(c) : "", r.Expected?.ToString().ToLowerInvariant() ?? "",
                    r.Outcome is { } o ? Kebab.Name(o) : "", Date(r.OnsetOn), Date(r.AwareOn), r.RecordedAt.ToString("O", CultureInfo.InvariantCulture),
                    r.SiteDueAt.ToString("O", CultureInfo.InvariantCulture), Bool(r.SiteLate), Bool(r.Susar), Date(r.RegulatoryDueOn), Date(r.CompleteReportDueOn),
                    r.AcknowledgedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "", Date(r.SubmittedOn), r.Status, Bool(r.Overdue), Bool(r.Downgraded)]);
            }
        }

        return Results.Text(text.ToString(), "text/csv", Encoding.UTF8);

        static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
        static string Date(DateOnly? value) => value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";
        static string Bool(bool value) => value ? "true" : "false";
    }

    /// <summary>
    /// The DSMB line listing's rows: every SAE in force, by awareness then subject. A voided adverse event
    /// counts nowhere (DOMAIN.md): its case stays among the clocks, closed and downgraded, but not here.
    /// </summary>
    public static IReadOnlyList<SaeClock> LineListingRows(IEnumerable<SaeClock> clocks) =>
        clocks.Where(c => !c.Voided).OrderBy(c => c.AwareOn).ThenBy(c => c.SubjectCode, StringComparer.Ordinal).ToList();

    [WolverinePost("/api/safety/sae/{adverseEventId}/acknowledgement", OperationId = "acknowledgeSae")]
    [Authorize(Policy = Policies.Pv)]
    [ProducesResponseType<SaeActionRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Acknowledge(Guid adverseEventId, IDocumentSession session, HttpContext http, TimeProvider time) =>
        ActAsync(adverseEventId, new { acknowledge = adverseEventId }, session, http, time, (clock, _) =>
            clock.Status == SaeStatus.AwaitingAcknowledgement
                ? (new SaeAcknowledged(adverseEventId, clock.PatientId), null)
                : (null, Conflict($"The case is {clock.Status}: there is nothing to acknowledge.")));

    [WolverinePost("/api/safety/sae/{adverseEventId}/submissions", OperationId = "submitSae")]
    [Authorize(Policy = Policies.Pv)]
    [ProducesResponseType<SaeActionRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Submit(Guid adverseEventId, SubmitSae submission, IDocumentSession session, HttpContext http, TimeProvider time) =>
        ActAsync(adverseEventId, submission, session, http, time, (clock, today) =>
        {
            var errors = new ValidationErrors();
            var authority = errors.Required("authority", submission.Authority, "Name the authority the report went to, e.g. ANSM or EMA.");
            var reference = errors.Required("reference", submission.Reference, "Give the submission's reference, as the authority acknowledged it.");
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
                errors.Add("submittedOn", $"A report cannot be submitted ({on:yyyy-MM-dd}) before the site became aware of the event ({clock.AwareOn:yyyy-MM-dd}).");
            }

            if (errors.Any)
            {
                return (null, errors.ToProblem());
            }

            if (kind == SubmissionKind.Initial && clock.Status != SaeStatus.AwaitingSubmission)
            {
                return (null, Conflict($"The case is {clock.Status}: only a case awaiting submission (an acknowledged SUSAR) is submitted."));
            }

            if (kind == SubmissionKind.Complete && (clock.SubmittedOn is null || clock.CompleteReportDueOn is null || clock.CompleteReportOn is not null))
            {
                return (null, Conflict("A complete report follows the initial submission of a fatal or life-threatening SUSAR, once."));
            }

            return (new SaeSubmitted(adverseEventId, clock.PatientId, kind!.Value, submission.SubmittedOn!.Value, authority!, reference!), null);
        });

    /// <summary>
    /// A pv action: the case as it stands now (from the patient's stream itself, not the async figures),
    /// the decision, then one event on the case's own stream with the idempotency record.
    /// </summary>
    private static async Task<IResult> ActAsync(Guid adverseEventId, object request, IDocumentSession session, HttpContext http, TimeProvider time,
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
        catch (Exception e) when (e is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException or DocumentAlreadyExistsException)
        {
            return Results.Problem(Conflict("Another pv officer acted on this case at the same moment: reload it and try again."));
        }

        return PatientWrites.Created(body, null);
    }

    private static ProblemDetails Conflict(string detail) => new()
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

    public static async Task<IReadOnlyList<SaeClock>> LoadClocksAsync(IQuerySession session, TimeProvider time, CancellationToken ct)
    {
        var patients = await session.Query<PatientFacts>().Where(p => p.HadSeriousAdverseEvent).ToListAsync(ct);
        var cases = (await session.Query<SaeCaseRecord>().ToListAsync(ct)).ToDictionary(c => c.AdverseEventId);
        var zones = (await session.Query<Site>().ToListAsync(ct)).ToDictionary(s => s.Id, s => s.TimeZone);
        return SaeClocks.All(patients, cases, zones, time.GetUtcNow()).OrderBy(c => c.RecordedAt).ToList();
    }

    [WolverineGet("/api/safety/live", OperationId = "getSafetyLive")]
    [Authorize(Policy = Policies.Safety)]
    public static IResult Live(IDocumentStore store, TimeProvider time) => new LiveSaeStream(store, time);

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
                    var cases = await session.Query<SaeCaseRecord>().OrderByDescending(c => c.LastSequence).Select(c => c.LastSequence).FirstOrDefaultAsync(ct);
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
                    var clocks = await LoadClocksAsync(session, time, ct);
                    if (sent is null)
                    {
                        // A new client: its page shows the clocks as they are; from here on it gets changes.
                        sent = clocks.Count == 0 ? 0 : clocks.Max(c => c.ChangeSequence);
                        continue;
                    }

                    foreach (var clock in clocks.Where(c => c.ChangeSequence > sent).OrderBy(c => c.ChangeSequence))
                    {
                        var data = JsonSerializer.Serialize(clock, RegistryJson.Options);
                        await http.Response.WriteAsync($"id: {clock.ChangeSequence.ToString(CultureInfo.InvariantCulture)}\nevent: sae\ndata: {data}\n\n", ct);
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
