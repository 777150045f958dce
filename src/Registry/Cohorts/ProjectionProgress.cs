using Marten;
using Npgsql;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Cohorts;

/// <summary>How far the async projections have read the event log: the <c>asOf</c> of every figure.</summary>
public static class ProjectionProgress
{
    public const string PatientFacts = "PatientFacts";

    public static async Task<AsOf> ForAsync(IQuerySession session, string projection, CancellationToken ct)
    {
        var schema = RegistrySchema.Name;
        var command = new NpgsqlCommand($"""
            select p.last_seq_id, e.timestamp
            from {schema}.mt_event_progression p
            left join {schema}.mt_events e on e.seq_id = p.last_seq_id
            where p.name = @name
            """);
        command.Parameters.AddWithValue("name", $"{projection}:All");
        await using var reader = await session.ExecuteReaderAsync(command, ct);
        if (!await reader.ReadAsync(ct))
        {
            return new AsOf(0, null);
        }

        return new AsOf(reader.GetInt64(0), await reader.IsDBNullAsync(1, ct) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    /// <summary>
    /// Read-your-writes: the figures' "now". Resolves now to the log's committed position (the highest
    /// sequence committed before this call) and waits, at most <paramref name="bound"/>, for the projection
    /// to reach it. The answer's <see cref="AsOf.Complete"/> says whether it did.
    /// </summary>
    public static async Task<AsOf> CaughtUpAsync(IQuerySession session, string projection, TimeSpan bound, CancellationToken ct)
    {
        var committed = await CommittedAsync(session, ct);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var asOf = await ForAsync(session, projection, ct);
            if (asOf.Sequence >= committed)
            {
                return asOf with { Complete = true };
            }

            if (waited.Elapsed >= bound)
            {
                return asOf with { Complete = false };
            }

            // Short at first (the daemon is usually a poll away), then backing off to 200 ms so that
            // waiting requests do not compete with the daemon they wait for.
            await Task.Delay(pause, ct);
            pause = TimeSpan.FromMilliseconds(Math.Min(200, pause.TotalMilliseconds * 2));
        }
    }

    /// <summary>The highest event sequence committed so far (events in transactions still open are not seen).</summary>
    public static async Task<long> CommittedAsync(IQuerySession session, CancellationToken ct)
    {
        var rows = await session.QueryAsync<long>($"select coalesce(max(seq_id), 0) from {RegistrySchema.Name}.mt_events", ct);
        return rows.FirstOrDefault();
    }

    /// <summary>
    /// Waits, at most <paramref name="bound"/>, until the store's high-water mark reaches a sequence: every
    /// event at or below it is then committed or known to be a gap, so reading the log up to it gives the
    /// same answer later. False when the bound passed first.
    /// </summary>
    public static async Task<bool> WaitForHighWaterMarkAsync(IQuerySession session, long sequence, TimeSpan bound, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await HighWaterMarkAsync(session, ct) < sequence)
        {
            if (waited.Elapsed >= bound)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }

        return true;
    }

    /// <summary>The store's high-water mark: the sequence up to which the async projections can read the log.</summary>
    public static async Task<long> HighWaterMarkAsync(IQuerySession session, CancellationToken ct)
    {
        var rows = await session.QueryAsync<long>(
            $"select coalesce(max(last_seq_id), 0) from {RegistrySchema.Name}.mt_event_progression where name = 'HighWaterMark'", ct);
        return rows.FirstOrDefault();
    }

    /// <summary>How many events a projection is behind the store's high-water mark.</summary>
    public static async Task<long> LagAsync(IQuerySession session, string projection, CancellationToken ct)
    {
        var command = new NpgsqlCommand($"""
            select coalesce(max(last_seq_id) filter (where name = 'HighWaterMark'), 0)
                 - coalesce(max(last_seq_id) filter (where name = @name), 0)
            from {RegistrySchema.Name}.mt_event_progression
            """);
        command.Parameters.AddWithValue("name", $"{projection}:All");
        await using var reader = await session.ExecuteReaderAsync(command, ct);
        return await reader.ReadAsync(ct) ? reader.GetInt64(0) : 0;
    }
}
