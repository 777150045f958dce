using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Wolverine.Http;

namespace Registry.Safety;

public static class GetSafetyEndpoints
{
    [WolverineGet("/api/safety/profile", OperationId = "getSafetyProfile")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IResult> Profile(
        IQuerySession session, TimeProvider time, DiseaseCatalogue catalogue, string? diseaseCode, string? siteId, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(diseaseCode) && catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(Infrastructure.ValidationErrors.Single("diseaseCode", $"'{diseaseCode}' is not in the disease catalogue."));
        }

        IQueryable<PatientFacts> query = session.Query<PatientFacts>();
        if (!string.IsNullOrEmpty(diseaseCode))
        {
            query = query.Where(p => p.DiseaseCode == diseaseCode);
        }

        if (!string.IsNullOrEmpty(siteId))
        {
            query = query.Where(p => p.SiteId == siteId);
        }

        var patients = await query.ToListAsync(ct);
        var asOf = await ProjectionProgress.ForAsync(session, ProjectionProgress.PatientFacts, ct);
        return Results.Ok(SafetyProfile.Compute(string.IsNullOrEmpty(diseaseCode) ? null : diseaseCode, patients, Today(time), asOf));
    }

    [WolverineGet("/api/safety/signals", OperationId = "getSafetySignals")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IReadOnlyList<SignalRow>> GetSignals(IQuerySession session, TimeProvider time, CancellationToken ct)
    {
        var patients = await session.Query<PatientFacts>().ToListAsync(ct);
        return Signals.Compute(patients, Today(time));
    }

    /// <summary>The data cut-off of live figures: the request's date (UTC).</summary>
    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
