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
    IReadOnlyList<DueItem> Due);

/// <summary>The site's work: every patient with what is due, and its patients' serious adverse events with the site clock.</summary>
public sealed record SiteWorklist(
    IReadOnlyList<WorklistSite> Sites,
    IReadOnlyList<WorklistPatient> Patients,
    IReadOnlyList<SiteSeriousEvent> SeriousAdverseEvents);

public static class GetWorklistEndpoint
{
    /// <summary>
    /// <c>GET /api/worklist?siteId=</c> (site users: their own sites). Built from the patient records
    /// (the inline read model), so an entry just saved is already reflected; "today" is each site's.
    /// </summary>
    [WolverineGet("/api/worklist", OperationId = "getWorklist")]
    [EndpointSummary("Get my sites' worklist of due doses, samples and scores.")]
    [Authorize(Policy = Policies.SiteStaff)]
    public static async Task<IResult> Get(
        string? siteId, IDocumentSession session, ClaimsPrincipal user, TimeProvider time, IOptions<ResponseOptions> response,
        CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (!string.IsNullOrEmpty(siteId) && !caller.MaySee(siteId))
        {
            return Results.Problem(SiteAccess.NotYourSite(siteId));
        }

        var siteIds = string.IsNullOrEmpty(siteId) ? caller.Sites.Order(StringComparer.Ordinal).ToArray() : [siteId];
        var sites = (await session.LoadManyAsync<Site>(ct, siteIds)).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        var known = sites.Select(s => s.Id).ToArray();
        var records = await session.Query<PatientRecord>()
            .Where(p => p.SiteId.IsOneOf(known))
            .OrderBy(p => p.SiteId).ThenBy(p => p.SubjectCode)
            .ToListAsync(ct);

        var zones = sites.ToDictionary(s => s.Id, s => TimeZoneInfo.FindSystemTimeZoneById(s.TimeZone));
        var today = sites.ToDictionary(s => s.Id, s => SiteClock.Today(time, s.TimeZone));
        var patients = records
            .Select(r => new WorklistPatient(
                r.Id, r.SubjectCode, r.SiteId, r.DiseaseCode, r.Status, r.EnrolledOn, r.FirstDoseOn, r.LastVisitOn, r.Version,
                DueItems.For(r, today[r.SiteId], response.Value)))
            .ToList();
        var serious = records
            .SelectMany(r => DueItems.SeriousEvents(r, zones[r.SiteId]))
            .OrderByDescending(e => e.AwareOn).ThenBy(e => e.SubjectCode, StringComparer.Ordinal)
            .ToList();

        session.Record(caller, time, AuditActions.ListPatients, detail: $"worklist: {records.Count} patient(s); siteId={siteId ?? "*"}");
        await session.SaveChangesAsync(ct);
        return Results.Ok(new SiteWorklist(
            sites.Select(s => new WorklistSite(s.Id, s.Name, s.TimeZone, today[s.Id])).ToList(), patients, serious));
    }
}
