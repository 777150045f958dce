using System.Globalization;
using JasperFx.Events;
using Marten;
using Npgsql;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Cohorts;

/// <summary>
/// Cohort figures as the registry would have answered at a point of the event log (<c>?asOf=</c>: a sequence, or an
/// instant meaning every event recorded up to it). The membership follows the enrolment as its amendments left it then (a
/// corrected disease or therapy line, a transfer; a voided enrolment in none), and each member's facts are folded from its
/// stream up to that point, so a correction recorded afterwards changes nothing. Read from the log, not the read models:
/// seconds for a large cohort, so it is for questions about the past, not for the live pages.
/// </summary>
public static class CohortAsOf
{
    /// <summary>
    /// Reads of the log for a cohort at once, on this node (one per processor, at least two): each reads every member's
    /// events, so more at once would only share the processors and the database among them more slowly. A request that
    /// finds none free within <see cref="LogReadWait"/> is answered 503 with <c>Retry-After</c>.
    /// </summary>
    private static readonly SemaphoreSlim LogReads = new(Math.Max(2, Environment.ProcessorCount));

    public static readonly TimeSpan LogReadWait = TimeSpan.FromSeconds(20);

    /// <summary>
    /// An answer at a point of the log, kept once it is settled: when the store's high-water mark had passed the point
    /// before the log was read, no event at or below it can still commit, so the same question always has this answer and
    /// asking it again costs nothing. <paramref name="key"/> names the question: the endpoint, its filters and whose
    /// patients the caller sees.
    /// </summary>
    public static async Task<T> KeptAsync<T>(
        IQuerySession session, FiguresCache cache, string key, AsOf point, DateTimeOffset? instant, Func<Task<T>> compute,
        CancellationToken ct)
        where T : class
    {
        var question = $"as-of|{key}|{point.Sequence}|{instant?.UtcTicks}";
        if (cache.TryGet(question, "settled", out T? kept))
        {
            return kept!;
        }

        var settled = await ProjectionProgress.HighWaterMarkAsync(session, ct) >= point.Sequence;
        var answer = await compute();
        if (settled)
        {
            cache.Set(question, "settled", answer);
        }

        return answer;
    }

    /// <summary>The log's head: every event recorded so far.</summary>
    public static async Task<AsOf> HeadAsync(IQuerySession session, TimeProvider time, CancellationToken ct) =>
        new(await ScalarAsync(session, $"select coalesce(max(seq_id), 0) from {RegistrySchema.Name}.mt_events", null, ct),
            time.GetUtcNow(), true);

    /// <summary>The point <paramref name="text"/> names (<see cref="ResolveAsync"/>), or the log's head when none is given.</summary>
    public static async Task<(AsOf? Point, DateTimeOffset? Instant, Microsoft.AspNetCore.Mvc.ProblemDetails? Problem)> PointAsync(
        IQuerySession session, string? text, TimeProvider time, CancellationToken ct) =>
        text is null ? (await HeadAsync(session, time, ct), null, null) : await ResolveAsync(session, text, time, ct);

    /// <summary>
    /// The point <paramref name="text"/> names (and, for an instant, the instant: events recorded up to it, whatever their
    /// order in the log, as imported histories are), or a 400 naming <c>asOf</c>.
    /// </summary>
    public static async Task<(AsOf? Point, DateTimeOffset? Instant, Microsoft.AspNetCore.Mvc.ProblemDetails? Problem)> ResolveAsync(
        IQuerySession session, string text, TimeProvider time, CancellationToken ct)
    {
        var head = await ScalarAsync(session, $"select coalesce(max(seq_id), 0) from {RegistrySchema.Name}.mt_events", null, ct);
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            if (sequence > head)
            {
                return (null, null,
                    ValidationErrors.Single("asOf", $"The log's last event is {head}: asOf is a sequence up to it, or an instant."));
            }

            // The time of that point: the last event recorded up to it (figures cut off at a day need it).
            var command = new NpgsqlCommand(
                $"select max(timestamp) from {RegistrySchema.Name}.mt_events where seq_id <= @s");
            command.Parameters.AddWithValue("s", sequence);
            DateTimeOffset? when = null;
            await using (var reader = await session.ExecuteReaderAsync(command, ct))
            {
                if (await reader.ReadAsync(ct) && !await reader.IsDBNullAsync(0, ct))
                {
                    when = reader.GetFieldValue<DateTimeOffset>(0);
                }
            }

            return (new AsOf(sequence, when, true), null, null);
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            || !System.Text.RegularExpressions.Regex.IsMatch(text, @"T.*(Z|[+-]\d\d:?\d\d)$") || at.Year < 1900)
        {
            return (null, null, ValidationErrors.Single("asOf",
                "asOf is an event sequence (e.g. 1200) or an instant with its offset (e.g. 2026-03-01T00:00:00+01:00)."));
        }

        at = at.ToUniversalTime();
        if (at > time.GetUtcNow())
        {
            return (null, null, ValidationErrors.Single("asOf", "asOf is in the future: the registry can only say what it knew."));
        }

        var upTo = await ScalarAsync(session,
            $"select coalesce(max(seq_id), 0) from {RegistrySchema.Name}.mt_events where timestamp <= @at", at, ct);
        return (new AsOf(upTo, at, true), at, null);
    }

    /// <summary>
    /// The patients of <paramref name="diseaseCode"/> (every disease when null; the therapy line and site, when given) as of
    /// <paramref name="point"/>, each folded up to it (its facts, and its entries for what the facts do not keep, such as
    /// medications); a site user's own sites' patients only (their site then).
    /// </summary>
    public static async Task<List<(PatientFacts Facts, PatientState State)>> FactsAsync(
        IQuerySession session, Caller caller, string? diseaseCode, TherapyLine? line, string? siteId, long point, DateTimeOffset? instant,
        CancellationToken ct)
    {
        return await GatedAsync(() => FoldAsync(session, caller, diseaseCode, line, siteId, point, instant, ct), ct);
    }

    /// <summary>A read of many patients' events, in its turn (<see cref="LogReads"/>), or a 503 when none came in time.</summary>
    public static async Task<T> GatedAsync<T>(Func<Task<T>> read, CancellationToken ct)
    {
        if (!await LogReads.WaitAsync(LogReadWait, ct))
        {
            throw new ProblemException(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable,
                Title = "The registry is busy working out other figures from the event log.",
                Detail = "Figures at a point of the log, comparisons and the patients behind figures are read from the log itself. "
                    + "Try again in a few seconds.",
            });
        }

        try
        {
            return await read();
        }
        finally
        {
            LogReads.Release();
        }
    }

    private static async Task<List<(PatientFacts Facts, PatientState State)>> FoldAsync(
        IQuerySession session, Caller caller, string? diseaseCode, TherapyLine? line, string? siteId, long point, DateTimeOffset? instant,
        CancellationToken ct)
    {
        var members = (await EnrolmentsAt.LoadAsync(session, point, instant, ct))
            .Where(p => (diseaseCode is null || p.DiseaseCode == diseaseCode) && (line is null || p.TherapyLine == line)
                && (string.IsNullOrEmpty(siteId) || p.SiteId == siteId) && caller.MaySee(p.SiteId))
            .Select(p => p.PatientId)
            .ToList();
        var facts = new List<(PatientFacts, PatientState)>();
        foreach (var chunk in members.Chunk(500))
        {
            var query = session.Events.QueryAllRawEvents().Where(e => e.StreamId.IsOneOf(chunk) && e.Sequence <= point);
            if (instant is { } at)
            {
                query = query.Where(e => e.Timestamp <= at);
            }

            var events = await query.OrderBy(e => e.Sequence).ToListAsync(ct);
            foreach (var stream in events.GroupBy(e => e.StreamId))
            {
                var projection = new PatientFactsProjection();
                var states = new PatientStateProjection();
                PatientFacts? folded = null;
                PatientState? state = null;
                foreach (var e in stream)
                {
                    folded = projection.Evolve(folded, stream.Key, e);
                    state = states.Evolve(state, stream.Key, e);
                }

                if (folded is { Voided: false } && state is not null)
                {
                    facts.Add((folded, state));
                }
            }
        }

        return facts;
    }

    private static async Task<long> ScalarAsync(IQuerySession session, string sql, DateTimeOffset? at, CancellationToken ct)
    {
        var command = new NpgsqlCommand(sql);
        if (at is { } instant)
        {
            command.Parameters.AddWithValue("at", instant);
        }

        await using var reader = await session.ExecuteReaderAsync(command, ct);
        return await reader.ReadAsync(ct) ? reader.GetInt64(0) : 0;
    }
}
