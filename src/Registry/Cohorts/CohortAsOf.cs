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
    /// <summary>The log's head: every event recorded so far.</summary>
    public static async Task<AsOf> HeadAsync(IQuerySession session, TimeProvider time, CancellationToken ct) =>
        new(await ScalarAsync(session, $"select coalesce(max(seq_id), 0) from {RegistrySchema.Name}.mt_events", null, ct),
            time.GetUtcNow(), true);

    /// <summary>The point <paramref name="text"/> names, or a 400 naming <c>asOf</c>.</summary>
    public static async Task<(AsOf? Point, Microsoft.AspNetCore.Mvc.ProblemDetails? Problem)> ResolveAsync(
        IQuerySession session, string text, TimeProvider time, CancellationToken ct)
    {
        var head = await ScalarAsync(session, $"select coalesce(max(seq_id), 0) from {RegistrySchema.Name}.mt_events", null, ct);
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return sequence > head
                ? (null, ValidationErrors.Single("asOf", $"The log's last event is {head}: asOf is a sequence up to it, or an instant."))
                : (new AsOf(sequence, null, true), null);
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            || !text.Contains('T', StringComparison.Ordinal) || at.Year < 1900)
        {
            return (null, ValidationErrors.Single("asOf",
                "asOf is an event sequence (e.g. 1200) or an instant with its offset (e.g. 2026-03-01T00:00:00+01:00)."));
        }

        if (at > time.GetUtcNow())
        {
            return (null, ValidationErrors.Single("asOf", "asOf is in the future: the registry can only say what it knew."));
        }

        var upTo = await ScalarAsync(session,
            $"select coalesce(max(seq_id), 0) from {RegistrySchema.Name}.mt_events where timestamp <= @at", at, ct);
        return (new AsOf(upTo, at, true), null);
    }

    /// <summary>
    /// The patients of <paramref name="diseaseCode"/> (and the therapy line and site, when given) as of
    /// <paramref name="point"/>, each folded up to it (its facts, and its entries for what the facts do not keep, such as
    /// medications); a site user's own sites' patients only (their site then).
    /// </summary>
    public static async Task<List<(PatientFacts Facts, PatientState State)>> FactsAsync(
        IQuerySession session, Caller caller, string diseaseCode, TherapyLine? line, string? siteId, long point, CancellationToken ct)
    {
        var members = (await EnrolmentsAt.LoadAsync(session, point, ct))
            .Where(p => p.DiseaseCode == diseaseCode && (line is null || p.TherapyLine == line)
                && (string.IsNullOrEmpty(siteId) || p.SiteId == siteId) && caller.MaySee(p.SiteId))
            .Select(p => p.PatientId)
            .ToList();
        var facts = new List<(PatientFacts, PatientState)>();
        foreach (var chunk in members.Chunk(500))
        {
            var events = await session.Events.QueryAllRawEvents()
                .Where(e => e.StreamId.IsOneOf(chunk) && e.Sequence <= point)
                .OrderBy(e => e.Sequence)
                .ToListAsync(ct);
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
