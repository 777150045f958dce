using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace Registry.Access;

/// <summary>
/// One access to clinical data: a read of a patient's record, an export, a download. Appended to
/// the audit stream of its UTC day, in the same transaction as what it records.
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
    /// <summary>The audit stream of a UTC day: a fixed id per date, so a day's accesses read as one stream.</summary>
    public static Guid StreamFor(DateOnly day) => new($"a0d17000-0000-0000-0000-{day.DayNumber:x12}");

    public static void Record(this IDocumentSession session, Caller caller, TimeProvider time, string action,
        Guid? patientId = null, Guid? exportId = null, string? detail = null)
    {
        var at = time.GetUtcNow();
        session.Events.Append(
            StreamFor(DateOnly.FromDateTime(at.UtcDateTime)),
            new DataAccessed(at, caller.UserId, caller.Role, action, patientId, exportId, detail));
    }
}

public sealed record AuditEntry(DateTimeOffset At, string UserId, string Role, string Action, Guid? PatientId, Guid? ExportId, string? Detail);

public static class GetAuditEndpoint
{
    public const int MaxEntries = 10_000;

    [WolverineGet("/api/audit", OperationId = "getAudit")]
    [Authorize(Policy = Policies.Admin)]
    public static async Task<IReadOnlyList<AuditEntry>> Get(
        IQuerySession session, Guid? patientId, string? userId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        IQueryable<DataAccessed> query = session.Events.QueryRawEventDataOnly<DataAccessed>();
        if (patientId is { } patient)
        {
            query = query.Where(e => e.PatientId == patient);
        }

        if (!string.IsNullOrEmpty(userId))
        {
            query = query.Where(e => e.UserId == userId);
        }

        if (from is { } start)
        {
            query = query.Where(e => e.At >= start);
        }

        if (to is { } end)
        {
            query = query.Where(e => e.At <= end);
        }

        var entries = await query.OrderBy(e => e.At).Take(MaxEntries).ToListAsync(ct);
        return entries.Select(e => new AuditEntry(e.At, e.UserId, e.Role, e.Action, e.PatientId, e.ExportId, e.Detail)).ToList();
    }
}
