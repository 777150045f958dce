using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Safety;

namespace Registry.Hosting;

/// <summary>
/// Every 15 s on every node: the facts projection's lag behind the log and the SAE clocks open and overdue, for the
/// gauges of <see cref="RegistryMetrics"/> (a gauge's callback must not query the database itself).
/// </summary>
public sealed class MetricsPoll(
    IDocumentStore store, TimeProvider time, SaeClockQuery query, RegistryMetrics metrics, ILogger<MetricsPoll> logger)
    : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, time);
        do
        {
            try
            {
                await using var session = store.QuerySession();
                var lag = await ProjectionProgress.LagAsync(session, ProjectionProgress.PatientFacts, stoppingToken);
                metrics.Lag(ProjectionProgress.PatientFacts, lag);
                var clocks = await query.LoadAsync(session, stoppingToken);
                metrics.Clocks(clocks.Count(SaeClocks.Open), clocks.Count(c => c.Overdue));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "The metrics poll could not read the database; the gauges keep their last values.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
