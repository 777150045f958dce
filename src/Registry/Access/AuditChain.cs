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

/// <summary>What a verification found: the entries that hold, the head, and the first break (none when intact).</summary>
public sealed record AuditVerification(long Entries, AuditHead? Head, long Pending, AuditBreak? FirstBreak)
{
    public bool Intact => FirstBreak is null;
}

/// <summary>
/// The audit made tamper-evident. Each entry, once sealed, takes the next position in <c>registry.audit_chain</c>
/// with the hash SHA-256(previous hash ‖ the entry's canonical form); the first entry's previous hash is 32 zero
/// bytes. Changing, removing or inserting an entry, or a chain row, breaks every hash after it, which
/// <see cref="VerifyAsync"/> finds and names. Requests never wait for the chain: a trigger (migration 0018) queues
/// each new entry in <c>registry.audit_pending</c>, and <see cref="AuditSealer"/> seals the queue every few seconds,
/// in the order the entries were recorded, one node at a time (an advisory lock). Whoever can rewrite the whole
/// table can also recompute the whole chain: the head each seal logs, kept outside the database, is the answer to
/// that (<c>verify-audit --expect-head</c>).
/// </summary>
public sealed class AuditChain(IDocumentStore store, TimeProvider time, ILogger<AuditChain> logger)
{
    private const long SealLock = 0x5265_6741_7564_6974; // "RegAudit"
    private const int Batch = 5_000;
    private static readonly byte[] Genesis = new byte[32];

    private const string EntryColumns =
        "d.id, (d.data ->> 'at')::timestamptz, d.data ->> 'userId', d.data ->> 'role', d.data ->> 'action', " +
        "(d.data ->> 'patientId')::uuid, (d.data ->> 'exportId')::uuid, d.data ->> 'detail'";

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

            var sealedAt = time.GetUtcNow();
            await using (var copy = await connection.BeginBinaryImportAsync(
                $"copy {RegistrySchema.Name}.audit_chain (position, id, hash, sealed_at) from stdin (format binary)", ct))
            {
                foreach (var entry in entries)
                {
                    previous = Hash(previous, entry);
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
    /// first break: a position missing, an entry removed, an entry or hash changed, an entry in the table that is
    /// neither sealed nor queued (inserted around the trigger), or a head that does not match the one kept outside.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(AuditHead? expectedHead, CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        var previous = Genesis;
        var position = 0L;
        AuditBreak? broken = null;
        await using (var walk = new NpgsqlCommand(
            $"select c.position, c.id, c.hash, d.id is not null, {EntryColumns} from {RegistrySchema.Name}.audit_chain c " +
            $"left join {RegistrySchema.Name}.mt_doc_auditrecord d on d.id = c.id order by c.position", connection))
        await using (var reader = await walk.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var at = reader.GetInt64(0);
                var id = reader.GetGuid(1);
                var stored = (byte[])reader[2];
                if (at != position + 1)
                {
                    broken = new AuditBreak(position + 1, null, null, null, null,
                        $"position {position + 1} is missing from the chain (the next present is {at}): a sealed entry's link was removed");
                    break;
                }

                if (!reader.GetBoolean(3))
                {
                    broken = new AuditBreak(at, id, null, null, null, "the entry sealed at this position was removed from the audit");
                    break;
                }

                var entry = Entry.Read(reader, 4);
                var expected = Hash(previous, entry);
                if (!CryptographicOperations.FixedTimeEquals(expected, stored))
                {
                    broken = new AuditBreak(at, id, entry.At, entry.UserId, entry.Action,
                        "the entry, or its hash, differs from what was sealed");
                    break;
                }

                previous = stored;
                position = at;
                if (expectedHead is { } kept && kept.Position == at && Hex(stored) != kept.Hash)
                {
                    broken = new AuditBreak(at, id, entry.At, entry.UserId, entry.Action,
                        $"the chain at position {at} is not the head kept outside the database ({kept.Hash}): it was recomputed");
                    break;
                }
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
                var entry = Entry.Read(reader, 0);
                broken = new AuditBreak(position + 1, entry.Id, entry.At, entry.UserId, entry.Action,
                    "an entry is in the audit but neither sealed nor waiting to be: it was inserted around the registry");
            }
        }

        var pending = await ScalarAsync<long>(connection, null, $"select count(*) from {RegistrySchema.Name}.audit_pending", ct);
        return new AuditVerification(position, position > 0 ? new AuditHead(position, Hex(previous)) : null, pending, broken);
    }

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

    /// <summary>SHA-256 of the previous hash followed by the entry's canonical form (a JSON array, UTF-8).</summary>
    public static byte[] Hash(byte[] previous, Entry entry)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new object?[]
        {
            entry.Id.ToString("D"), entry.At?.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            entry.UserId, entry.Role, entry.Action, entry.PatientId?.ToString("D"), entry.ExportId?.ToString("D"), entry.Detail,
        });
        return SHA256.HashData([.. previous, .. canonical]);
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    /// <summary>An audit entry's fields as the chain hashes them.</summary>
    public sealed record Entry(
        Guid Id, DateTimeOffset? At, string? UserId, string? Role, string? Action, Guid? PatientId, Guid? ExportId, string? Detail)
    {
        public static Entry Read(NpgsqlDataReader reader, int first)
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            return new Entry(
                reader.GetGuid(first),
                reader.IsDBNull(first + 1) ? null : new DateTimeOffset(reader.GetDateTime(first + 1), TimeSpan.Zero),
                Text(first + 2), Text(first + 3), Text(first + 4),
                reader.IsDBNull(first + 5) ? null : reader.GetGuid(first + 5),
                reader.IsDBNull(first + 6) ? null : reader.GetGuid(first + 6),
                Text(first + 7));
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
