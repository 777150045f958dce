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
        IQuerySession session, TimeProvider time, FiguresCache cache, Freshness freshness, HttpResponse response,
        CancellationToken ct)
    {
        var asOf = await freshness.FactsAsync(session, ct);
        Freshness.Describe(response, asOf);
        var today = LiveCutOff.Today(time);
        // The parts are the whole registry's (the safety roles see every site), so are their versions. Each disease's part
        // is kept under its cohort's version and the cut-off: after a new event, only its disease
        // is read again.
        var versions = await CohortFigureQuery.VersionsAsync(session, null, null, null, null, ct);
        var parts = await cache.PerCohortAsync($"signal-part|{today:yyyy-MM-dd}", versions,
            stale => SafetyQuery.SignalPartsAsync(session, stale, today, ct), disease => new SignalPart(disease, 0));
        return SafetyQuery.Signals(parts.Values);
    }
}
