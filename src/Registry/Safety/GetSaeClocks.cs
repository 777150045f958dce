using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Sites;
using Wolverine.Http;

namespace Registry.Safety;

public static class GetSaeClocksEndpoint
{
    [WolverineGet("/api/safety/sae-clocks", OperationId = "getSaeClocks")]
    [EndpointSummary("List the serious adverse events' reporting clocks.")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IResult> Get(
        IQuerySession session, TimeProvider time, Freshness freshness, HttpResponse response,
        string? status, string? diseaseCode, string? siteId, CancellationToken ct)
    {
        if (status is not (null or "" or "open" or "overdue" or "all"))
        {
            return Results.Problem(ValidationErrors.Single("status", $"'{status}' is not a filter: use open, overdue or all."));
        }

        Freshness.Describe(response, await freshness.FactsAsync(session, ct));
        var clocks = (await LoadClocksAsync(session, time, ct))
            .Where(c => string.IsNullOrEmpty(diseaseCode) || c.DiseaseCode == diseaseCode)
            .Where(c => string.IsNullOrEmpty(siteId) || c.SiteId == siteId)
            .Where(c => status switch
            {
                "overdue" => c.Overdue,
                "all" => true,
                _ => SaeClocks.Open(c),
            })
            .ToList();
        return Results.Ok(clocks);
    }

    public static async Task<IReadOnlyList<SaeClock>> LoadClocksAsync(IQuerySession session, TimeProvider time, CancellationToken ct)
    {
        // The SAE rows (kept from the facts by triggers), not the patients' documents.
        var rows = await session.AdvancedSql.QueryAsync<SaeRow>($"select data from {RegistrySchema.Name}.sae_rows", ct);
        var cases = (await session.Query<SaeCaseRecord>().ToListAsync(ct)).ToDictionary(c => c.AdverseEventId);
        var zones = (await session.Query<Site>().ToListAsync(ct)).ToDictionary(s => s.Id, s => s.TimeZone);
        return SaeClocks.All(rows, cases, zones, time.GetUtcNow()).OrderBy(c => c.RecordedAt).ToList();
    }
}
