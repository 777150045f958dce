using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Registry.Cohorts;

/// <summary>
/// Read-your-writes for live figures, clocks and listings: before answering, wait (at most
/// <c>Projections:ReadYourWritesWaitMilliseconds</c>, default 5,000) until the cohort and safety facts
/// include every event committed before the request. A caught-up daemon polls once a second
/// (<c>Projections:IdlePollingMilliseconds</c>), so a request right after a write waits up to that long.
/// </summary>
public sealed class Freshness(IConfiguration configuration, ProjectionStatus status)
{
    public const int DefaultWaitMilliseconds = 5_000;

    public TimeSpan Bound { get; } =
        TimeSpan.FromMilliseconds(configuration.GetValue("Projections:ReadYourWritesWaitMilliseconds", DefaultWaitMilliseconds));

    /// <summary>The facts' progress once caught up; at once, and not complete, when their projection has stopped.</summary>
    public async Task<AsOf> FactsAsync(IQuerySession session, CancellationToken ct) =>
        status.Failure(ProjectionProgress.PatientFacts) is null
            ? await ProjectionProgress.CaughtUpAsync(session, ProjectionProgress.PatientFacts, Bound, ct)
            : await ProjectionProgress.ForAsync(session, ProjectionProgress.PatientFacts, ct) with { Complete = false };

    /// <summary>For answers that are lists, without an <c>asOf</c> of their own: the same facts, in headers.</summary>
    public static void Describe(HttpResponse response, AsOf asOf)
    {
        response.Headers["X-As-Of-Sequence"] = asOf.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-As-Of-Complete"] = asOf.Complete == false ? "false" : "true";
    }
}
