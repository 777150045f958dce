using System.Reflection;
using Npgsql;

namespace Registry.Infrastructure;

/// <summary>
/// Applies the numbered SQL patches of <c>migrations/</c> (embedded in this assembly) that a database
/// has not had yet, each in its own transaction, and records them in <c>public.registry_schema_migrations</c>.
/// Rollback scripts (<c>*.drop.sql</c>) are never applied here.
/// </summary>
public static class SchemaMigrations
{
    private const string Prefix = "migrations/";

    public static IReadOnlyList<(string Name, string Sql)> Embedded()
    {
        var assembly = typeof(SchemaMigrations).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && !n.EndsWith(".drop.sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (n[Prefix.Length..], Read(assembly, n)))
            .ToList();
    }

    /// <returns>The names of the patches applied by this call.</returns>
    public static async Task<IReadOnlyList<string>> ApplyAsync(
        string connectionString, Action<string>? log = null, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using (var create = new NpgsqlCommand(
            "create table if not exists public.registry_schema_migrations " +
            "(name text primary key, applied_at timestamptz not null default now())",
            connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        var applied = new List<string>();
        foreach (var (name, sql) in Embedded())
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            // One migrator at a time: a second run waits here, then finds the patch applied.
            await using (var lockCmd = new NpgsqlCommand("lock table public.registry_schema_migrations in exclusive mode", connection, tx))
            {
                await lockCmd.ExecuteNonQueryAsync(ct);
            }

            await using (var check = new NpgsqlCommand(
                "select count(*) from public.registry_schema_migrations where name = @name", connection, tx))
            {
                check.Parameters.AddWithValue("name", name);
                if ((long)(await check.ExecuteScalarAsync(ct))! > 0)
                {
                    await tx.RollbackAsync(ct);
                    continue;
                }
            }

            log?.Invoke($"applying {name}");
            await using (var patch = new NpgsqlCommand(sql, connection, tx))
            {
                await patch.ExecuteNonQueryAsync(ct);
            }

            await using (var record = new NpgsqlCommand(
                "insert into public.registry_schema_migrations (name) values (@name)", connection, tx))
            {
                record.Parameters.AddWithValue("name", name);
                await record.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
            applied.Add(name);
        }

        return applied;
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
