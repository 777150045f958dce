using System.Globalization;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Worklist;

/// <summary>Where a worklist page ends: its last patient's sort key (first day asked, subject code, id).</summary>
public sealed record WorklistCursor(DateOnly? NextDueOn, string SubjectCode, Guid Id)
{
    private const string Nothing = "-";

    public static string Format(PatientRecord last) =>
        Paging.Cursor(
            last.NextDueOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? Nothing, last.SubjectCode, last.Id.ToString("N"));

    public static WorklistCursor? TryParse(string text)
    {
        if (Paging.Parts(text, 3) is not [var due, var code, var id] || !Guid.TryParseExact(id, "N", out var guid))
        {
            return null;
        }

        if (due == Nothing)
        {
            return new WorklistCursor(null, code, guid);
        }

        return DateOnly.TryParseExact(due, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var on)
            ? new WorklistCursor(on, code, guid)
            : null;
    }
}

/// <summary>
/// A page of a site's patient records for the worklist, by the record's columns (<c>next_due_on</c>,
/// <c>subject_code</c>; the site's index): PostgreSQL finds the page without reading a document, then sends each of
/// the page's records without its timeline (entries, versions, adverse events), which the worklist does not need.
/// </summary>
public static class WorklistQuery
{
    /// <summary>The part of a record the worklist reads: the rest stays in the database.</summary>
    private static readonly string[] Heavy =
        ["entries", "history", "adverseEvents", "followUps", "voidedFollowUps", "aeHistory", "serious", "queries", "verified",
         "signatures", "unresolved"];

    /// <summary>
    /// The records of the sites' patients with a serious adverse event, with only what the SAE list reads: the
    /// <c>worklist_rows</c> (migration 0017: the record without its timeline, kept by a trigger) with the kept
    /// <see cref="PatientRecord.Serious"/> summaries, or, for a record written before they were kept, its adverse
    /// events with their follow-ups and states over time (still without its entries and versions).
    /// </summary>
    public static async Task<List<PatientRecord>> SeriousAsync(IQuerySession session, string[] sites, CancellationToken ct)
    {
        var command = new NpgsqlCommand($"""
            select case when w.worklist ? 'serious' then w.worklist
                        else d.data - array['entries', 'history'] end::text
            from {RegistrySchema.Name}.mt_doc_patientrecord d
            left join {RegistrySchema.Name}.worklist_rows w on w.id = d.id
            where d.data ->> 'siteId' = any(@sites) and d.has_serious_events
            """);
        command.Parameters.Add(new NpgsqlParameter("sites", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = sites });
        return await ReadAsync(session, command, ct);
    }

    /// <summary>The records of the sites' patients whose signature is due (its column), without their timeline.</summary>
    public static async Task<List<PatientRecord>> SignatureDueAsync(IQuerySession session, string[] sites, CancellationToken ct)
    {
        var command = new NpgsqlCommand($"""
            select coalesce(w.worklist, d.data - array['entries', 'history'])::text
            from {RegistrySchema.Name}.mt_doc_patientrecord d
            left join {RegistrySchema.Name}.worklist_rows w on w.id = d.id
            where d.data ->> 'siteId' = any(@sites) and d.signature_due
            order by d.subject_code, d.id
            """);
        command.Parameters.Add(new NpgsqlParameter("sites", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = sites });
        return await ReadAsync(session, command, ct);
    }

    /// <summary>
    /// The records of the sites' patients (not voided) with an unresolved adverse event whose last news is on or before
    /// <paramref name="newsOnOrBefore"/> (the indexed column), oldest news first, at most <paramref name="take"/>, without
    /// their timeline.
    /// </summary>
    public static async Task<List<PatientRecord>> FollowUpOwedAsync(
        IQuerySession session, string[] sites, DateOnly newsOnOrBefore, int take, CancellationToken ct)
    {
        var command = new NpgsqlCommand($"""
            select coalesce(w.worklist, d.data - array['entries', 'history'])::text
            from {RegistrySchema.Name}.mt_doc_patientrecord d
            left join {RegistrySchema.Name}.worklist_rows w on w.id = d.id
            where d.data ->> 'siteId' = any(@sites) and d.unresolved_news_on <= @news and d.voided is not true
            order by d.unresolved_news_on, d.subject_code, d.id
            limit @take
            """);
        command.Parameters.Add(new NpgsqlParameter("sites", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = sites });
        command.Parameters.Add(new NpgsqlParameter("news", NpgsqlDbType.Date) { Value = newsOnOrBefore });
        command.Parameters.AddWithValue("take", take);
        return await ReadAsync(session, command, ct);
    }

    /// <summary>The records a command's first column holds, as JSON.</summary>
    private static async Task<List<PatientRecord>> ReadAsync(IQuerySession session, NpgsqlCommand command, CancellationToken ct)
    {
        var serializer = session.DocumentStore.Options.Serializer();
        var records = new List<PatientRecord>();
        await using var reader = await session.ExecuteReaderAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            records.Add(serializer.FromJson<PatientRecord>(reader, 0));
        }

        return records;
    }

    /// <summary>
    /// The page's records, each with whether it keeps its pending work (records written before the worklist's columns
    /// do not until PatientRecord is rebuilt: the worklist then works theirs out from the whole record).
    /// </summary>
    public static async Task<List<(PatientRecord Record, bool KeepsPending)>> PageAsync(
        IQuerySession session, string[] sites, string? find, WorklistCursor? after, int take, CancellationToken ct)
    {
        var command = new NpgsqlCommand();
        var where = "d.data ->> 'siteId' = any(@sites) and d.voided is not true";
        command.Parameters.Add(new NpgsqlParameter("sites", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = sites });
        if (find is not null)
        {
            command.Parameters.AddWithValue("find", "%" + find.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%");
            where += @" and d.subject_code ilike @find escape '\'";
        }

        const string Key = "(coalesce(d.next_due_on, 'infinity'::date), d.subject_code, d.id)";
        if (after is not null)
        {
            command.Parameters.Add(new NpgsqlParameter("due", NpgsqlDbType.Date) { Value = (object?)after.NextDueOn ?? DBNull.Value });
            command.Parameters.AddWithValue("code", after.SubjectCode);
            command.Parameters.AddWithValue("id", after.Id);
            where += $" and {Key} > (coalesce(@due, 'infinity'::date), @code, @id)";
        }

        // The page by the columns first, then only its records' JSON (unpacked after the sort, not for every row).
        command.Parameters.AddWithValue("take", take);
        command.CommandText = $"""
            with page as materialized (
                select d.id, coalesce(d.next_due_on, 'infinity'::date) as due, d.subject_code
                from {RegistrySchema.Name}.mt_doc_patientrecord d
                where {where}
                order by {Key}
                limit @take)
            select coalesce(w.worklist - array['serious', 'queries', 'verified', 'signatures', 'unresolved'],
                            d.data - array['{string.Join("','", Heavy)}'])::text,
                   coalesce(w.worklist ? 'pending', d.data ? 'pending')
            from page join {RegistrySchema.Name}.mt_doc_patientrecord d on d.id = page.id
            left join {RegistrySchema.Name}.worklist_rows w on w.id = page.id
            order by page.due, page.subject_code, page.id
            """;
        var serializer = session.DocumentStore.Options.Serializer();
        var page = new List<(PatientRecord, bool)>();
        await using var reader = await session.ExecuteReaderAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            page.Add((serializer.FromJson<PatientRecord>(reader, 0), reader.GetBoolean(1)));
        }

        return page;
    }
}
