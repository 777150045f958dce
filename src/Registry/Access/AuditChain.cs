using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Marten.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Registry.Infrastructure;

namespace Registry.Access;

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>How often a node seals the audit entries recorded since (one node at a time seals).</summary>
    public TimeSpan SealEvery { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// An entry sealed this long after its own time is a break (backdated?): entries are sealed within seconds while a
    /// node runs; only an entry written while no node ran (the command-line export) waits longer.
    /// </summary>
    public TimeSpan MaxSealDelay { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Entries waiting this long to be sealed make the verification fail: no node is sealing.</summary>
    public TimeSpan MaxPending { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The chain's last entry: its position and hash, the value to keep outside the database.</summary>
public sealed record AuditHead(long Position, string Hash)
{
    public override string ToString() => $"{Position.ToString(CultureInfo.InvariantCulture)}:{Hash}";

    public static AuditHead? Parse(string text) =>
        text.Split(':') is [var position, var hash]
        && long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0
        && hash.Length == 64 && hash.All(Uri.IsHexDigit)
            ? new AuditHead(p, hash.ToLowerInvariant())
            : null;
}

/// <summary>Where the chain first fails to hold, and how.</summary>
public sealed record AuditBreak(
    long Position, Guid? EntryId, DateTimeOffset? At, string? UserId, string? Action, string Problem);

/// <summary>
/// What a verification found: the entries that hold, the head, the entries waiting to be sealed (and how many of those
/// have waited too long), and the first break (none when intact).
/// </summary>
public sealed record AuditVerification(long Entries, AuditHead? Head, long Pending, long StalePending, AuditBreak? FirstBreak)
{
    public bool Intact => FirstBreak is null;
}

/// <summary>
/// The audit made tamper-evident. Each entry, once sealed, takes the next position in <c>registry.audit_chain</c>
/// with the hash SHA-256(previous hash ‖ the entry's canonical form ‖ the seal's time); the first entry's previous
/// hash is 32 zero bytes. The canonical form is the entry's fields as stored (text, exactly) and its searchable
/// columns (time, user, patient). Changing, removing or inserting an entry, a chain row or a seal time breaks every
/// hash after it, which <see cref="VerifyAsync"/> finds and names. Requests never wait for the chain: a trigger
/// (migration 0018) queues each new entry in <c>registry.audit_pending</c>, and <see cref="AuditSealer"/> seals the
/// queue every few seconds, in the order the entries were recorded, one node at a time (an advisory lock). Whoever can
/// rewrite the whole table can also recompute the whole chain: the head each seal logs, kept outside the database, is
/// the answer to that (<c>verify-audit --expect-head</c>).
/// </summary>
public sealed class AuditChain(IDocumentStore store, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditChain> logger)
{
    private const long SealLock = 0x5265_6741_7564_6974; // "RegAudit"
    private const int Batch = 5_000;
    private static readonly byte[] Genesis = new byte[32];

    // As stored: the document's fields as text (never cast: a malformed value is hashed as it is, not a failure), and
    // the columns the audit's searches use.
    private const string EntryColumns =
        "d.id, d.data ->> 'at', d.data ->> 'userId', d.data ->> 'role', d.data ->> 'action', d.data ->> 'patientId', " +
        "d.data ->> 'exportId', d.data ->> 'detail', d.at, d.user_id, d.patient_id";

    private NpgsqlConnection Connect() => ((DocumentStore)store).Storage.Database.CreateConnection(ConnectionUsage.ReadWrite);

    /// <summary>
    /// Seals every queued entry, oldest first, in batches. Returns how many were sealed; 0 when another node holds
    /// the seal (it will seal them).
    /// </summary>
    public async Task<int> SealAsync(CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        var total = 0;
        while (true)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (!await ScalarAsync<bool>(connection, tx, $"select pg_try_advisory_xact_lock({SealLock})", ct))
            {
                return total;
            }

            var (position, previous) = await LastAsync(connection, tx, ct);
            var entries = new List<Entry>();
            await using (var read = new NpgsqlCommand(
                $"select {EntryColumns} from {RegistrySchema.Name}.audit_pending p " +
                $"join {RegistrySchema.Name}.mt_doc_auditrecord d on d.id = p.id order by d.at, d.id limit {Batch}",
                connection, tx))
            await using (var reader = await read.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    entries.Add(Entry.Read(reader, 0));
                }
            }

            if (entries.Count == 0)
            {
                await tx.CommitAsync(ct);
                return total;
            }

            // Whole microseconds, as the column keeps them: the hash covers the seal's time as it will be read back.
            var sealedAt = Microseconds(time.GetUtcNow());
            await using (var copy = await connection.BeginBinaryImportAsync(
                $"copy {RegistrySchema.Name}.audit_chain (position, id, hash, sealed_at) from stdin (format binary)", ct))
            {
                foreach (var entry in entries)
                {
                    previous = Hash(previous, entry, sealedAt);
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(++position, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(entry.Id, NpgsqlDbType.Uuid, ct);
                    await copy.WriteAsync(previous, NpgsqlDbType.Bytea, ct);
                    await copy.WriteAsync(sealedAt, NpgsqlDbType.TimestampTz, ct);
                }

                await copy.CompleteAsync(ct);
            }

            await using (var dequeue = new NpgsqlCommand(
                $"delete from {RegistrySchema.Name}.audit_pending where id = any(@ids)", connection, tx))
            {
                dequeue.Parameters.AddWithValue("ids", entries.Select(e => e.Id).ToArray());
                await dequeue.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
            total += entries.Count;
            logger.LogInformation(
                "Audit sealed to {AuditHead} ({Count} new entries)", new AuditHead(position, Hex(previous)).ToString(), entries.Count);
        }
    }

    /// <summary>
    /// Walks the chain from its first position, recomputing each hash from the entry as it is now, and stops at the
    /// first break: a position missing, an entry removed, an entry, its columns, its hash or its seal time changed, an
    /// entry sealed long after its own time (backdated), an entry in the table that is neither sealed nor queued
    /// (inserted around the trigger), a queued entry removed, or a head that does not match the one kept outside.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(AuditHead? expectedHead, CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        var settings = options.Value;
        var previous = Genesis;
        var position = 0L;
        AuditBreak? broken = null;
        await using (var walk = new NpgsqlCommand(
            $"select c.position, c.id, c.hash, c.sealed_at, d.id is not null, {EntryColumns} from {RegistrySchema.Name}.audit_chain c " +
            $"left join {RegistrySchema.Name}.mt_doc_auditrecord d on d.id = c.id order by c.position", connection))
        await using (var reader = await walk.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var at = reader.GetInt64(0);
                var id = reader.GetGuid(1);
                var stored = (byte[])reader[2];
                var sealedAt = new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero);
                if (at != position + 1)
                {
                    broken = new AuditBreak(position + 1, null, null, null, null,
                        $"position {position + 1} is missing from the chain (the next present is {at}): a sealed entry's link was removed");
                    break;
                }

                if (!reader.GetBoolean(4))
                {
                    broken = new AuditBreak(at, id, null, null, null, "the entry sealed at this position was removed from the audit");
                    break;
                }

                var entry = Entry.Read(reader, 5);
                broken = !CryptographicOperations.FixedTimeEquals(Hash(previous, entry, sealedAt), stored)
                    ? Break(at, entry, "the entry, its searchable columns, its seal time or its hash differ from what was sealed")
                    : entry.Column.At - sealedAt > settings.MaxSealDelay || sealedAt - entry.Column.At > settings.MaxSealDelay
                        ? Break(at, entry, $"the entry was sealed {sealedAt:u}, long after its own time: backdated?")
                        : expectedHead is { } kept && kept.Position == at && Hex(stored) != kept.Hash
                            ? Break(at, entry,
                                $"the chain at position {at} is not the head kept outside the database ({kept.Hash}): it was recomputed")
                            : null;
                if (broken is not null)
                {
                    break;
                }

                previous = stored;
                position = at;
            }
        }

        if (broken is null && expectedHead is { } head && head.Position > position)
        {
            broken = new AuditBreak(position + 1, null, null, null, null,
                $"the chain ends at position {position}, before the head kept outside the database ({head}): entries were removed");
        }

        if (broken is null)
        {
            await using var outside = new NpgsqlCommand(
                $"select {EntryColumns} from {RegistrySchema.Name}.mt_doc_auditrecord d " +
                $"where not exists (select 1 from {RegistrySchema.Name}.audit_chain c where c.id = d.id) " +
                $"and not exists (select 1 from {RegistrySchema.Name}.audit_pending p where p.id = d.id) order by d.at, d.id limit 1",
                connection);
            await using var reader = await outside.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                broken = Break(position + 1, Entry.Read(reader, 0),
                    "an entry is in the audit but neither sealed nor waiting to be: it was inserted around the registry");
            }
        }

        if (broken is null)
        {
            await using var gone = new NpgsqlCommand(
                $"select p.id from {RegistrySchema.Name}.audit_pending p " +
                $"where not exists (select 1 from {RegistrySchema.Name}.mt_doc_auditrecord d where d.id = p.id) limit 1", connection);
            if (await gone.ExecuteScalarAsync(ct) is Guid id)
            {
                broken = new AuditBreak(position + 1, id, null, null, null, "an entry waiting to be sealed was removed from the audit");
            }
        }

        var pending = await ScalarAsync<long>(connection, null, $"select count(*) from {RegistrySchema.Name}.audit_pending", ct);
        long stale;
        await using (var old = new NpgsqlCommand(
            $"select count(*) from {RegistrySchema.Name}.audit_pending p join {RegistrySchema.Name}.mt_doc_auditrecord d on d.id = p.id " +
            "where d.at < @before", connection))
        {
            old.Parameters.AddWithValue("before", (time.GetUtcNow() - settings.MaxPending).UtcDateTime);
            stale = (long)(await old.ExecuteScalarAsync(ct))!;
        }

        return new AuditVerification(position, position > 0 ? new AuditHead(position, Hex(previous)) : null, pending, stale, broken);
    }

    private static AuditBreak Break(long position, Entry entry, string problem) =>
        new(position, entry.Id, entry.Column.At, entry.UserId ?? entry.Column.UserId, entry.Action, problem);

    private static async Task<(long Position, byte[] Hash)> LastAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var last = new NpgsqlCommand(
            $"select position, hash from {RegistrySchema.Name}.audit_chain order by position desc limit 1", connection, tx);
        await using var reader = await last.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), (byte[])reader[1]) : (0, Genesis);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private static DateTimeOffset Microseconds(DateTimeOffset at) => at.AddTicks(-(at.UtcTicks % 10));

    private static string Instant(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture) ?? "";

    /// <summary>
    /// SHA-256 of the previous hash followed by the entry's canonical form and the seal's time (a JSON array, UTF-8):
    /// the document's fields exactly as stored, then its searchable columns.
    /// </summary>
    public static byte[] Hash(byte[] previous, Entry entry, DateTimeOffset sealedAt)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new object?[]
        {
            entry.Id.ToString("D"), entry.At, entry.UserId, entry.Role, entry.Action, entry.PatientId, entry.ExportId, entry.Detail,
            Instant(entry.Column.At), entry.Column.UserId, entry.Column.PatientId?.ToString("D"), Instant(sealedAt),
        });
        return SHA256.HashData([.. previous, .. canonical]);
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    /// <summary>The audit table's searchable columns (what <c>GET /api/audit</c> filters by).</summary>
    public sealed record Columns(DateTimeOffset? At, string? UserId, Guid? PatientId);

    /// <summary>An audit entry's fields as the chain hashes them: the document's as stored (text), and its columns.</summary>
    public sealed record Entry(
        Guid Id, string? At, string? UserId, string? Role, string? Action, string? PatientId, string? ExportId, string? Detail,
        Columns Column)
    {
        public static Entry Read(NpgsqlDataReader reader, int first)
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            return new Entry(
                reader.GetGuid(first), Text(first + 1), Text(first + 2), Text(first + 3), Text(first + 4), Text(first + 5),
                Text(first + 6), Text(first + 7),
                new Columns(
                    reader.IsDBNull(first + 8) ? null : new DateTimeOffset(reader.GetDateTime(first + 8), TimeSpan.Zero),
                    Text(first + 9),
                    reader.IsDBNull(first + 10) ? null : reader.GetGuid(first + 10)));
        }
    }
}

/// <summary>Seals the audit every <see cref="AuditOptions.SealEvery"/> on every node (one at a time, by the lock).</summary>
public sealed class AuditSealer(AuditChain chain, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditSealer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await chain.SealAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database gone for a moment: the queue waits in the database; the next round seals it.
                logger.LogWarning(e, "Sealing the audit failed; retrying in {SealEvery}", options.Value.SealEvery);
            }

            try
            {
                await Task.Delay(options.Value.SealEvery, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
