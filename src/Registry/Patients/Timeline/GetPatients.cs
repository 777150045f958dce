using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Patients.Timeline;

public sealed record PatientSummary(
    Guid PatientId,
    string SubjectCode,
    string SiteId,
    string DiseaseCode,
    PatientStatus Status,
    DateOnly EnrolledOn,
    DateOnly? FirstDoseOn,
    long Version);

public sealed record PatientDetail(
    Guid PatientId,
    string SubjectCode,
    string SiteId,
    string DiseaseCode,
    PatientStatus Status,
    DateOnly EnrolledOn,
    DateOnly? FirstDoseOn,
    long Version,
    int BirthYear,
    Sex Sex,
    string ConsentVersion,
    TherapyLine TherapyLine,
    CareSetting Setting,
    Regimen Regimen,
    DateOnly? LastVisitOn,
    IReadOnlyList<PatientEntry> Entries,
    RecordLock? Lock,
    IReadOnlyList<DataQuery> Queries,
    IReadOnlyDictionary<Guid, Verification> Verified,
    IReadOnlyList<Signature> Signatures,
    IReadOnlyList<Amendment> Amendments,
    string? VoidedBecause)
{
    public static PatientDetail From(PatientRecord r) => new(
        r.Id, r.SubjectCode, r.SiteId, r.DiseaseCode, r.Status, r.EnrolledOn, r.FirstDoseOn, r.Version,
        r.BirthYear, r.Sex, r.ConsentVersion, r.TherapyLine, r.Setting, r.Regimen, r.LastVisitOn,
        r.Entries.OrderBy(x => x.Date).ThenBy(x => x.RecordedAt).ToList(), r.Lock, r.Queries, r.Verified, r.Signatures, r.Amendments,
        r.VoidedBecause);
}

public static class GetPatientsEndpoint
{
    [WolverineGet("/api/patients", OperationId = "listPatients")]
    [EndpointSummary("List the patients I may see.")]
    [Authorize(Policy = Policies.ReadPatients)]
    public static async Task<IResult> List(
        IDocumentSession session, ClaimsPrincipal user, TimeProvider time, string? siteId, string? diseaseCode, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (!string.IsNullOrEmpty(siteId) && !caller.MaySee(siteId))
        {
            return Results.Problem(SiteAccess.NotYourSite(siteId));
        }

        var query = session.Query<PatientRecord>().VisibleTo(caller);
        if (!string.IsNullOrEmpty(siteId))
        {
            query = query.Where(p => p.SiteId == siteId);
        }

        if (!string.IsNullOrEmpty(diseaseCode))
        {
            query = query.Where(p => p.DiseaseCode == diseaseCode);
        }

        var records = await query.OrderBy(p => p.SiteId).ThenBy(p => p.SubjectCode).ToListAsync(ct);
        session.Record(caller, time, AuditActions.ListPatients,
            detail: $"{records.Count} patient(s); siteId={siteId ?? "*"}; diseaseCode={diseaseCode ?? "*"}");
        await session.SaveChangesAsync(ct);
        return Results.Ok(records
            .Select(r => new PatientSummary(r.Id, r.SubjectCode, r.SiteId, r.DiseaseCode, r.Status, r.EnrolledOn, r.FirstDoseOn, r.Version))
            .ToList());
    }

    [WolverineGet("/api/patients/{patientId}", OperationId = "getPatient")]
    [EndpointSummary("Get a patient's record with every entry.")]
    [Authorize(Policy = Policies.ReadPatients)]
    public static async Task<PatientDetail?> Get(
        Guid patientId, IDocumentSession session, ClaimsPrincipal user, TimeProvider time, HttpResponse response, CancellationToken ct)
    {
        var record = await session.LoadAsync<PatientRecord>(patientId, ct);
        if (record is null)
        {
            return null;
        }

        session.Record(Caller.From(user), time, AuditActions.ReadPatient, patientId: patientId);
        await session.SaveChangesAsync(ct);
        response.Headers.ETag = $"\"{record.Version}\"";
        return PatientDetail.From(record);
    }
}
