using System.Globalization;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Access;

public sealed record AuditEntry(
    DateTimeOffset At, string UserId, string Role, string Action, Guid? PatientId, Guid? ExportId, string? Detail);

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
    [EndpointSummary("List who read, exported or downloaded what.")]
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
                return Results.Problem(
                    ValidationErrors.Single("before", "before takes the cursor of the previous page's Link header, as it was given."));
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
            Paging.Next(http, "before", Cursor.Format(page[^1]));
        }

        return Results.Ok(page.Select(e => new AuditEntry(e.At, e.UserId, e.Role, e.Action, e.PatientId, e.ExportId, e.Detail)).ToList());
    }

    /// <summary>The position after which the next page starts: the last entry's time and id.</summary>
    private sealed record Cursor(DateTimeOffset At, Guid Id)
    {
        public static string Format(AuditRecord last) =>
            Paging.Cursor(last.At.UtcTicks.ToString(CultureInfo.InvariantCulture), last.Id.ToString("N"));

        public static Cursor? TryParse(string text) =>
            Paging.Parts(text, 2) is [var at, var id]
            && long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            && Guid.TryParseExact(id, "N", out var guid)
                ? new Cursor(new DateTimeOffset(ticks, TimeSpan.Zero), guid)
                : null;
    }
}
