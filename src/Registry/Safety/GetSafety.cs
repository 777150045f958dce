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
        IQuerySession session, TimeProvider time, DiseaseCatalogue catalogue, FiguresCache cache, Freshness freshness, string? diseaseCode, string? siteId, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(diseaseCode) && catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(Infrastructure.ValidationErrors.Single("diseaseCode", $"'{diseaseCode}' is not in the disease catalogue."));
        }

        // The progress first (caught up with every committed write): the facts loaded afterwards reflect at least the events it names.
        var asOf = await freshness.FactsAsync(session, ct);
        var today = Today(time);
        var profile = await cache.GetOrComputeAsync($"safety-profile|{diseaseCode}|{siteId}", asOf, today, async () =>
        {
            IQueryable<PatientFacts> query = session.Query<PatientFacts>();
            if (!string.IsNullOrEmpty(diseaseCode))
            {
                query = query.Where(p => p.DiseaseCode == diseaseCode);
            }

            if (!string.IsNullOrEmpty(siteId))
            {
                query = query.Where(p => p.SiteId == siteId);
            }

            return SafetyProfile.Compute(string.IsNullOrEmpty(diseaseCode) ? null : diseaseCode, await query.ToListAsync(ct), today, asOf);
        });
        return Results.Ok(profile);
    }

    [WolverineGet("/api/safety/signals", OperationId = "getSafetySignals")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IReadOnlyList<SignalRow>> GetSignals(
        IQuerySession session, TimeProvider time, FiguresCache cache, Freshness freshness, HttpResponse response, CancellationToken ct)
    {
        var asOf = await freshness.FactsAsync(session, ct);
        Freshness.Describe(response, asOf);
        var today = Today(time);
        return await cache.GetOrComputeAsync("safety-signals", asOf, today, async () =>
            Signals.Compute(await session.Query<PatientFacts>().ToListAsync(ct), today));
    }

    /// <summary>The data cut-off of live figures: the request's date (UTC).</summary>
    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
