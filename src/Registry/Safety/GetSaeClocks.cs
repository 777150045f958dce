using System.Security.Claims;
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
        IDocumentSession session, SaeClockQuery clocks, Freshness freshness, HttpResponse response, ClaimsPrincipal user,
        TimeProvider time, string? status, string? diseaseCode, string? siteId, CancellationToken ct)
    {
        if (status is not (null or "" or "open" or "overdue" or "all"))
        {
            return Results.Problem(ValidationErrors.Single("status", $"'{status}' is not a filter: use open, overdue or all."));
        }

        Freshness.Describe(response, await freshness.FactsAsync(session, ct));
        var answer = (await clocks.LoadAsync(session, ct))
            .Where(c => string.IsNullOrEmpty(diseaseCode) || c.DiseaseCode == diseaseCode)
            .Where(c => string.IsNullOrEmpty(siteId) || c.SiteId == siteId)
            .Where(c => status switch
            {
                "overdue" => c.Overdue,
                "all" => true,
                _ => SaeClocks.Open(c),
            })
            .ToList();
        session.Record(Caller.From(user), time, AuditActions.SaeClocks,
            detail: $"{answer.Count} SAE(s); status={status ?? "open"}; diseaseCode={diseaseCode ?? "*"}; siteId={siteId ?? "*"}");
        await session.SaveChangesAsync(ct);
        return Results.Ok(answer);
    }
}
