using System.Globalization;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Access;

/// <summary>
/// One access to clinical data: a read of a patient's record, an export, a download. A row of its own
/// in an append-only table (<c>mt_doc_auditrecord</c>), inserted in the same transaction as what it
/// records: each access is a new row with a new id, so concurrent reads never contend with each other
/// (an event stream per day did: concurrent appends collided on the stream's version).
/// </summary>
public sealed class AuditRecord
{
    /// <summary>A version-7 id: increases with time, so it orders entries recorded at the same instant.</summary>
    public Guid Id { get; set; }

    public DateTimeOffset At { get; set; }

    public string UserId { get; set; } = "";

    public string Role { get; set; } = "";

    public string Action { get; set; } = "";

    public Guid? PatientId { get; set; }

    public Guid? ExportId { get; set; }

    public string? Detail { get; set; }
}

/// <summary>
/// How earlier versions kept the audit: one event per access on a stream per UTC day. Kept so those
/// events still read; migration 0007 copied them into <see cref="AuditRecord"/> rows.
/// </summary>
public sealed record DataAccessed(
    DateTimeOffset At,
    string UserId,
    string Role,
    string Action,
    Guid? PatientId,
    Guid? ExportId,
    string? Detail);

public static class AuditActions
{
    public const string ReadPatient = "read-patient";
    public const string ListPatients = "list-patients";
    public const string Export = "export";
    public const string Download = "download";
}

public static class AuditLog
{
    /// <summary>
    /// An instant cut to whole microseconds, PostgreSQL's precision: the document and its <c>at</c> column
    /// then hold the same value, so a page's cursor (taken from the document) continues exactly after it.
    /// </summary>
    public static DateTimeOffset Microseconds(DateTimeOffset at) => at.AddTicks(-(at.UtcTicks % 10));

    public static void Record(this IDocumentSession session, Caller caller, TimeProvider time, string action,
        Guid? patientId = null, Guid? exportId = null, string? detail = null) =>
        session.Insert(new AuditRecord
        {
            Id = Guid.CreateVersion7(),
            At = Microseconds(time.GetUtcNow()),
            UserId = caller.UserId,
            Role = caller.Role,
            Action = action,
            PatientId = patientId,
            ExportId = exportId,
            Detail = detail,
        });
}

public sealed record AuditEntry(DateTimeOffset At, string UserId, string Role, string Action, Guid? PatientId, Guid? ExportId, string? Detail);

/// <summary>
/// The audit, newest first, a page at a time: <c>limit</c> entries (default 1,000, at most 10,000);
/// when more follow, the answer's <c>Link: &lt;…&amp;before=…&gt;; rel="next"</c> header names the next
/// page and <c>X-Next-Page</c> carries its cursor.
/// </summary>
public static class GetAuditEndpoint
{
    public const int DefaultLimit = 1_000;
    public const int MaxLimit = 10_000;

    [WolverineGet("/api/audit", OperationId = "getAudit")]
    [Authorize(Policy = Policies.Admin)]
    public static async Task<IResult> Get(
        IQuerySession session, HttpContext http, Guid? patientId, string? userId, DateTimeOffset? from, DateTimeOffset? to,
        int? limit, string? before, CancellationToken ct)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            return Results.Problem(ValidationErrors.Single("limit", $"limit is the number of entries per page: from 1 to {MaxLimit:N0}."));
        }

        var where = new List<string>();
        var parameters = new List<object>();
        if (before is not null)
        {
            if (Cursor.TryParse(before) is not { } cursor)
            {
                return Results.Problem(ValidationErrors.Single("before", "before takes the cursor of the previous page's Link header, as it was given."));
            }

            where.Add("(d.at, d.id) < (?, ?)");
            parameters.Add(cursor.At);
            parameters.Add(cursor.Id);
        }

        if (patientId is { } patient)
        {
            where.Add("d.patient_id = ?");
            parameters.Add(patient);
        }

        if (!string.IsNullOrEmpty(userId))
        {
            where.Add("d.user_id = ?");
            parameters.Add(userId);
        }

        if (from is { } start)
        {
            where.Add("d.at >= ?");
            parameters.Add(start.ToUniversalTime()); // Npgsql writes timestamptz from UTC values only
        }

        if (to is { } end)
        {
            where.Add("d.at <= ?");
            parameters.Add(end.ToUniversalTime());
        }

        parameters.Add(take + 1);
        var sql = (where.Count > 0 ? "where " + string.Join(" and ", where) : "") + " order by d.at desc, d.id desc limit ?";
        var page = (await session.QueryAsync<AuditRecord>(sql, ct, parameters.ToArray())).ToList();
        if (page.Count > take)
        {
            page = page.Take(take).ToList();
            var next = Cursor.Format(page[^1]);
            var url = QueryString.Create(http.Request.Query
                .Where(q => q.Key != "before")
                .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
                .Append(new KeyValuePair<string, string?>("before", next)));
            http.Response.Headers.Link = $"<{http.Request.Path}{url}>; rel=\"next\"";
            http.Response.Headers["X-Next-Page"] = next;
        }

        return Results.Ok(page.Select(e => new AuditEntry(e.At, e.UserId, e.Role, e.Action, e.PatientId, e.ExportId, e.Detail)).ToList());
    }

    /// <summary>The position after which the next page starts: the last entry's time and id.</summary>
    private sealed record Cursor(DateTimeOffset At, Guid Id)
    {
        public static string Format(AuditRecord last) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.At.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{last.Id:N}"))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static Cursor? TryParse(string text)
        {
            if (text.Length > 100)
            {
                return null;
            }

            try
            {
                var padded = text.Replace('-', '+').Replace('_', '/');
                padded += new string('=', (4 - padded.Length % 4) % 4);
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':');
                return parts.Length == 2
                       && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                       && ticks <= DateTimeOffset.MaxValue.UtcTicks
                       && Guid.TryParseExact(parts[1], "N", out var id)
                    ? new Cursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
                    : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
