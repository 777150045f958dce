using System.Security.Claims;
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
        IQuerySession session, ClaimsPrincipal user, TimeProvider time, FiguresCache cache, Freshness freshness, HttpResponse response,
        CancellationToken ct)
    {
        var asOf = await freshness.FactsAsync(session, ct);
        Freshness.Describe(response, asOf);
        var today = LiveCutOff.Today(time);
        // Each disease's part is kept under its cohort's version and the cut-off: after a new event, only its disease
        // is read again.
        var versions = await CohortFigureQuery.VersionsAsync(session, Caller.From(user), null, null, null, ct);
        var parts = await cache.PerCohortAsync($"signal-part|{today:yyyy-MM-dd}", versions,
            stale => SafetyQuery.SignalPartsAsync(session, stale, today, ct), disease => new SignalPart(disease, 0));
        return SafetyQuery.Signals(parts.Values);
    }
}
