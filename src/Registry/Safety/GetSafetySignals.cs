using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Cohorts;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Safety;

public static class GetSafetySignalsEndpoint
{
    [WolverineGet("/api/safety/signals", OperationId = "getSafetySignals")]
    [EndpointSummary("Get the disproportionality signals.")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IReadOnlyList<SignalRow>> Get(
        IQuerySession session, TimeProvider time, FiguresCache cache, Freshness freshness, HttpResponse response, CancellationToken ct)
    {
        var asOf = await freshness.FactsAsync(session, ct);
        Freshness.Describe(response, asOf);
        var today = LiveCutOff.Today(time);
        return await cache.GetOrComputeAsync("safety-signals", asOf, today, () => SafetyQuery.SignalsAsync(session, today, ct));
    }
}
