using System.Security.Claims;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Registry.Access;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Sites;
using Wolverine.Http;

namespace Registry.Worklist;

public sealed record WorklistSite(string SiteId, string Name, string TimeZone, DateOnly Today);

public sealed record WorklistPatient(
    Guid PatientId,
    string SubjectCode,
    string SiteId,
    string DiseaseCode,
    PatientStatus Status,
    DateOnly EnrolledOn,
    DateOnly? FirstDoseOn,
    DateOnly? LastVisitOn,
    long Version,
    DateOnly? NextDueOn,
    IReadOnlyList<DueItem> Due);

/// <summary>
/// A record waiting for its investigator's signature: <c>broken</c> (a change after the last signature, since
/// <paramref name="Since"/>) or <c>ended-unsigned</c> (follow-up ended, no signature in force).
/// </summary>
public sealed record SignatureDueItem(Guid PatientId, string SubjectCode, string SiteId, string Reason, DateTimeOffset? Since)
{
    public static SignatureDueItem Of(PatientRecord r) => r.Signatures is [.., { BrokenAt: { } broken }]
        ? new(r.Id, r.SubjectCode, r.SiteId, "broken", broken)
        : new(r.Id, r.SubjectCode, r.SiteId, "ended-unsigned", null);
}

/// <summary>
/// An unresolved adverse event whose last news (<paramref name="LastNewsOn"/>) is old: the site owes a follow-up from
/// <paramref name="DueOn"/> (the <c>Worklist</c> settings).
/// </summary>
public sealed record FollowUpOwedItem(
    Guid PatientId,
    string SubjectCode,
    string SiteId,
    Guid AdverseEventId,
    string Term,
    int WorstGrade,
    bool Serious,
    PartialDate OnsetOn,
    AeOutcome Outcome,
    DateOnly LastNewsOn,
    DateOnly DueOn);

/// <summary>
/// The site's work: a page of its patients with what is due (the most urgent first), and, on the first page, its
/// patients' serious adverse events with the site clock and the data queries waiting on the site (oldest first).
/// </summary>
public sealed record SiteWorklist(
    IReadOnlyList<WorklistSite> Sites,
    IReadOnlyList<WorklistPatient> Patients,
    IReadOnlyList<SiteSeriousEvent> SeriousAdverseEvents,
    IReadOnlyList<Patients.Monitoring.QueryListItem> OpenQueries,
    IReadOnlyList<SignatureDueItem> SignaturesDue,
    IReadOnlyList<FollowUpOwedItem> FollowUpsOwed);

public static class GetWorklistEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1_000;

    /// <summary>At most this many records' owed follow-ups on the worklist (the oldest news first).</summary>
    public const int MaxFollowUpRecords = 1_000;
    private const int MaxFindLength = 64;

    /// <summary>
    /// <c>GET /api/worklist?siteId=&amp;find=&amp;limit=&amp;after=</c> (site users: their own sites). The patients come
    /// a page at a time (<c>limit</c>, default 100, at most 1,000), ordered by the first day something of theirs is
    /// asked for (nothing pending last), then subject code; the <c>Link</c> header and <c>X-Next-Page</c> name the
    /// next page. <c>find</c> keeps the subject codes containing it. Read from the patient records (the inline read
    /// model, so an entry just saved is already reflected) by their indexed columns: only the page's records are
    /// read. "Today" is each site's.
    /// </summary>
    [WolverineGet("/api/worklist", OperationId = "getWorklist")]
    [EndpointSummary("Get my sites' worklist of due doses, samples and scores.")]
    [Authorize(Policy = Policies.SiteStaff)]
    public static async Task<IResult> Get(
        string? siteId, string? find, int? limit, string? after, IDocumentSession session, HttpContext http, ClaimsPrincipal user,
        TimeProvider time, IOptions<ResponseOptions> response, IOptions<WorklistOptions> worklist, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (!string.IsNullOrEmpty(siteId) && !caller.MaySee(siteId))
        {
            return Results.Problem(SiteAccess.NotYourSite(siteId));
        }

        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            return Results.Problem(ValidationErrors.Single("limit", $"limit is the number of patients per page: from 1 to {MaxLimit:N0}."));
        }

        if (find is { Length: > MaxFindLength })
        {
            return Results.Problem(ValidationErrors.Single("find", $"find is part of a subject code: at most {MaxFindLength} characters."));
        }

        WorklistCursor? from = null;
        if (after is not null && (from = WorklistCursor.TryParse(after)) is null)
        {
            return Results.Problem(
                ValidationErrors.Single("after", "after takes the cursor of the previous page's Link header, as it was given."));
        }

        var siteIds = string.IsNullOrEmpty(siteId) ? caller.Sites.Order(StringComparer.Ordinal).ToArray() : [siteId];
        var sites = (await session.LoadManyAsync<Site>(ct, siteIds)).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        var known = sites.Select(s => s.Id).ToArray();
        var page = await WorklistQuery.PageAsync(session, known, string.IsNullOrWhiteSpace(find) ? null : find.Trim(), from, take + 1, ct);
        if (page.Count > take)
        {
            page = page.Take(take).ToList();
            Paging.Next(http, "after", WorklistCursor.Format(page[^1].Record));
        }

        var zones = sites.ToDictionary(s => s.Id, s => TimeZoneInfo.FindSystemTimeZoneById(s.TimeZone));
        var today = sites.ToDictionary(s => s.Id, s => SiteClock.Today(time, s.TimeZone));
        // A record from before the worklist's columns: its items from the whole record (until PatientRecord is rebuilt).
        var old = page.Where(p => !p.KeepsPending).Select(p => p.Record.Id).ToArray();
        var whole = old.Length == 0
            ? new Dictionary<Guid, PatientRecord>()
            : (await session.LoadManyAsync<PatientRecord>(ct, old)).ToDictionary(r => r.Id);
        var patients = page
            .Select(p => p.Record)
            .Select(r => new WorklistPatient(
                r.Id, r.SubjectCode, r.SiteId, r.DiseaseCode, r.Status, r.EnrolledOn, r.FirstDoseOn, r.LastVisitOn, r.Version, r.NextDueOn,
                whole.TryGetValue(r.Id, out var full)
                    ? DueItems.For(full, today[r.SiteId], response.Value)
                    : DueItems.On(r.Pending, today[r.SiteId])))
            .ToList();

        // The SAEs and the queries waiting on the site once, with the first page: only the records that have one are read.
        List<SiteSeriousEvent> serious = [];
        IReadOnlyList<Patients.Monitoring.QueryListItem> queries = [];
        List<SignatureDueItem> signatures = [];
        List<FollowUpOwedItem> followUps = [];
        if (from is null && sites.Count > 0)
        {
            followUps = await FollowUpsOwedAsync(session, known, today, worklist.Value, ct);
            signatures = [.. (await WorklistQuery.SignatureDueAsync(session, known, ct)).Select(SignatureDueItem.Of)];
            queries = await Patients.Monitoring.MonitorListEndpoints.QueriesAsync(session, caller, known, "open", time.GetUtcNow(), ct);
            var withSerious = await WorklistQuery.SeriousAsync(session, known, ct);
            serious = withSerious
                .SelectMany(r => DueItems.SeriousEvents(r, zones[r.SiteId]))
                .OrderByDescending(e => e.AwareOn).ThenBy(e => e.SubjectCode, StringComparer.Ordinal)
                .ToList();
        }

        session.Record(caller, time, AuditActions.ListPatients,
            detail: $"worklist: {page.Count} patient(s), {serious.Count} SAE(s), {queries.Count} open queries, "
                + $"{signatures.Count} signature(s) due, {followUps.Count} follow-up(s) owed; siteId={siteId ?? "*"}");
        await session.SaveChangesAsync(ct);
        return Results.Ok(new SiteWorklist(
            sites.Select(s => new WorklistSite(s.Id, s.Name, s.TimeZone, today[s.Id])).ToList(), patients, serious, queries, signatures,
            followUps));
    }

    /// <summary>
    /// The unresolved adverse events of the sites' patients whose follow-up is owed on the site's today, the longest owed
    /// first: only the records whose oldest news is old enough for the shortest interval are read.
    /// </summary>
    private static async Task<List<FollowUpOwedItem>> FollowUpsOwedAsync(
        IQuerySession session, string[] sites, Dictionary<string, DateOnly> today, WorklistOptions options, CancellationToken ct)
    {
        var newsOnOrBefore = today.Values.Max().AddDays(-Math.Min(options.AeFollowUpDays, options.SeriousAeFollowUpDays));
        var records = await WorklistQuery.FollowUpOwedAsync(session, sites, newsOnOrBefore, MaxFollowUpRecords, ct);
        return records
            .SelectMany(r => (r.Unresolved ?? [])
                .Select(e => (Event: e, DueOn: options.FollowUpDueOn(e)))
                .Where(x => x.DueOn <= today[r.SiteId])
                .Select(x => new FollowUpOwedItem(r.Id, r.SubjectCode, r.SiteId, x.Event.AdverseEventId, x.Event.Term,
                    x.Event.WorstGrade, x.Event.Serious, x.Event.OnsetOn, x.Event.Outcome, x.Event.LastNewsOn, x.DueOn)))
            .OrderBy(x => x.DueOn).ThenBy(x => x.SubjectCode, StringComparer.Ordinal).ThenBy(x => x.AdverseEventId)
            .ToList();
    }
}
