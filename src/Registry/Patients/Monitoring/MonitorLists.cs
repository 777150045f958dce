using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Npgsql;
using NpgsqlTypes;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Sites;
using Wolverine.Http;

namespace Registry.Patients.Monitoring;

public sealed record QueryListItem(
    Guid QueryId, Guid PatientId, string SubjectCode, string SiteId, Guid EntryId, EntryKind EntryKind, string Field, QueryStatus Status,
    DateTimeOffset OpenedAt, string? OpenedBy, int AgeDays, QueryStep Last, bool Locked);

public sealed record PatientCoverage(Guid PatientId, string SubjectCode, string SiteId, int Entries, int Verified, bool Locked);

public sealed record SiteCoverage(string SiteId, int Patients, int Entries, int Verified, double? Share);

public sealed record VerificationCoverage(IReadOnlyList<SiteCoverage> Sites, IReadOnlyList<PatientCoverage> Patients);

/// <summary>
/// The monitor's lists: the data queries by site, oldest first, with their age; the verification coverage per site
/// and per patient. Both read the records' small part (<c>worklist_rows</c>) and their columns, never the timelines.
/// Site staff see their own sites' queries (what waits on them); monitors see every site's.
/// </summary>
public static class MonitorListEndpoints
{
    [WolverineGet("/api/queries", OperationId = "listQueries")]
    [EndpointSummary("List data queries, oldest first: open (waiting on the site), answered (on the monitor), or all.")]
    [Authorize(Policy = Policies.Queries)]
    public static async Task<IResult> Queries(
        IDocumentSession session, ClaimsPrincipal user, TimeProvider time, string? siteId, string? status, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (status is not (null or "" or "unresolved" or "open" or "answered" or "closed" or "all"))
        {
            return Results.Problem(
                ValidationErrors.Single("status", $"'{status}' is not a filter: use unresolved, open, answered, closed or all."));
        }

        if (!string.IsNullOrEmpty(siteId) && !caller.MaySee(siteId))
        {
            return Results.Problem(SiteAccess.NotYourSite(siteId));
        }

        string[]? sites = string.IsNullOrEmpty(siteId) ? null : [siteId];
        var queries = await QueriesAsync(session, caller, sites, status, time.GetUtcNow(), ct);
        session.Record(caller, time, AuditActions.ListPatients,
            detail: $"queries: {queries.Count}; status={status ?? "unresolved"}; siteId={siteId ?? "*"}");
        await session.SaveChangesAsync(ct);
        return Results.Ok(queries);
    }

    /// <summary>The queries of the caller's visible records (of <paramref name="sites"/> when given), oldest first.</summary>
    public static async Task<IReadOnlyList<QueryListItem>> QueriesAsync(
        IQuerySession session, Caller caller, string[]? sites, string? status, DateTimeOffset now, CancellationToken ct)
    {
        // Closed ones too: read from the records' small part (never the whole, compressed document of every record).
        var where = status is "closed" or "all"
            ? "coalesce(w.worklist, d.data) -> 'queries' <> '[]'::jsonb"
            : "d.open_queries > 0";
        var records = await RecordsAsync(session, caller, sites, where, ct);
        return records
            .SelectMany(r => r.Queries.Select(q => (r, q)))
            .Where(x => status switch
            {
                "open" => x.q.Status == QueryStatus.Open,
                "answered" => x.q.Status == QueryStatus.Answered,
                "closed" => x.q.Status == QueryStatus.Closed,
                "all" => true,
                _ => x.q.Status != QueryStatus.Closed,
            })
            .OrderBy(x => x.q.OpenedAt).ThenBy(x => x.q.QueryId)
            .Select(x => new QueryListItem(
                x.q.QueryId, x.r.Id, x.r.SubjectCode, x.r.SiteId, x.q.EntryId, x.q.EntryKind, x.q.Field, x.q.Status, x.q.OpenedAt,
                x.q.OpenedBy, (int)(now - x.q.OpenedAt).TotalDays, x.q.Thread[^1], x.r.Lock is not null))
            .ToList();
    }

    [WolverineGet("/api/verification", OperationId = "getVerificationCoverage")]
    [EndpointSummary("Source data verification coverage per site and per patient.")]
    [Authorize(Policy = Policies.Monitoring)]
    public static async Task<IResult> Coverage(
        IDocumentSession session, ClaimsPrincipal user, TimeProvider time, string? siteId, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var records = await RecordsAsync(session, caller, string.IsNullOrEmpty(siteId) ? null : [siteId], "true", ct);
        session.Record(caller, time, AuditActions.ListPatients,
            detail: $"verification coverage: {records.Count} patient(s); siteId={siteId ?? "*"}");
        await session.SaveChangesAsync(ct);
        var patients = records
            .OrderBy(r => r.SiteId, StringComparer.Ordinal).ThenBy(r => r.SubjectCode, StringComparer.Ordinal)
            .Select(r => new PatientCoverage(r.Id, r.SubjectCode, r.SiteId, r.CurrentEntries, r.VerifiedEntries, r.Lock is not null))
            .ToList();
        var sites = patients.GroupBy(p => p.SiteId)
            .Select(g => new SiteCoverage(g.Key, g.Count(), g.Sum(p => p.Entries), g.Sum(p => p.Verified),
                g.Sum(p => p.Entries) is > 0 and var n
                    ? Math.Round((double)g.Sum(p => p.Verified) / n, 4, MidpointRounding.AwayFromZero)
                    : null))
            .ToList();
        return Results.Ok(new VerificationCoverage(sites, patients));
    }

    /// <summary>The visible records matching <paramref name="where"/>, without their timelines.</summary>
    private static async Task<List<PatientRecord>> RecordsAsync(
        IQuerySession session, Caller caller, string[]? only, string where, CancellationToken ct)
    {
        var command = new NpgsqlCommand($"""
            select coalesce(w.worklist,
                            d.data - array['entries', 'history', 'adverseEvents', 'followUps', 'voidedFollowUps', 'aeHistory'])::text,
                   d.current_entries, d.verified_entries
            from {RegistrySchema.Name}.mt_doc_patientrecord d
            left join {RegistrySchema.Name}.worklist_rows w on w.id = d.id
            where {where} and (@all or d.data ->> 'siteId' = any(@sites)) and d.voided is not true
            """);
        // A site user's own sites (or the one asked for) in the query itself: other sites' records are not even read.
        var sites = only ?? caller.Sites.ToArray();
        command.Parameters.Add(new NpgsqlParameter("all", NpgsqlDbType.Boolean) { Value = only is null && !caller.IsSiteBound });
        command.Parameters.Add(new NpgsqlParameter("sites", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = sites });
        var serializer = session.DocumentStore.Options.Serializer();
        var records = new List<PatientRecord>();
        await using (var reader = await session.ExecuteReaderAsync(command, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var record = serializer.FromJson<PatientRecord>(reader, 0);
                record.CurrentEntries = reader.IsDBNull(1) ? record.CurrentEntries : reader.GetInt32(1);
                record.VerifiedEntries = reader.IsDBNull(2) ? record.VerifiedEntries : reader.GetInt32(2);
                records.Add(record);
            }
        }

        return records.Where(r => caller.MaySee(r.SiteId) && (only is null || only.Contains(r.SiteId))).ToList();
    }
}
