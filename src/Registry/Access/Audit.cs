using Marten;

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
    public const string LineListing = "line-listing";
    public const string SaeClocks = "sae-clocks";

    /// <summary>A pv or monitor read one SAE case with its patient context.</summary>
    public const string ReadCase = "read-case";

    /// <summary>A case report downloaded: an E2B(R3) ICSR or a CIOMS I form (the detail says which, and its version).</summary>
    public const string CaseReport = "case-report";

    /// <summary>A periodic safety tabulation downloaded (the detail names it and its period).</summary>
    public const string Tabulation = "tabulation";

    /// <summary>The patients a cohort figure counts, listed (pseudonymous for a researcher): the detail names the figure.</summary>
    public const string CohortContributors = "cohort-contributors";

    /// <summary>A live safety stream: one entry when it opens, one when it closes (with what it sent).</summary>
    public const string LiveStream = "live-stream";
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
            Detail = Printable(detail),
        });

    /// <summary>
    /// A detail as the audit keeps it: control characters (a query string's <c>%00</c> among them, which PostgreSQL's
    /// jsonb refuses) shown as <c>�</c>, and at most 2,000 characters: what a caller typed never fails the read's audit.
    /// </summary>
    public static string? Printable(string? detail)
    {
        if (detail is null)
        {
            return null;
        }

        var clean = string.Create(Math.Min(detail.Length, 2_000), detail, (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) || char.IsSurrogate(source[i]) ? '\uFFFD' : source[i];
            }
        });
        return clean;
    }
}
