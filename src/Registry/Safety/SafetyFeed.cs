using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Safety;

/// <summary>What the live dashboards of a node see: the facts' progress, and the SAE clocks as of that progress.</summary>
public sealed record SafetySnapshot(long Version, long FactsSequence, long CohortStamp, IReadOnlyList<SaeClock> Clocks);

/// <summary>
/// One live feed per node: while at least one dashboard listens, polls the projections' progress once a second
/// (<c>Projections:IdlePollingMilliseconds</c> sets it too) and, when it moved, loads the SAE clocks once and hands the
/// same snapshot to every connected dashboard. Before, each dashboard reloaded the clocks itself every second.
/// On a cluster every node runs its own feed from the shared database, so dashboards on any node see every change.
/// </summary>
public sealed class SafetyFeed(IDocumentStore store, TimeProvider time, SaeClockQuery query, ILogger<SafetyFeed> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);
    private TaskCompletionSource<SafetySnapshot> _next = NewWaiter();
    private SafetySnapshot? _current;
    private long _version;
    private int _listeners;

    /// <summary>The latest snapshot (null until the first poll after a dashboard connected).</summary>
    public SafetySnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Completes with the next snapshot that differs from the current one.</summary>
    public Task<SafetySnapshot> NextAsync(CancellationToken ct) => Volatile.Read(ref _next).Task.WaitAsync(ct);

    /// <summary>A dashboard starts listening: the feed polls while any does, and at once for a newcomer.</summary>
    public IDisposable Listen()
    {
        Interlocked.Increment(ref _listeners);
        _wake.Release();
        return new Listener(this);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(Volatile.Read(ref _listeners) > 0 ? every : Timeout.InfiniteTimeSpan, stoppingToken);
                if (Volatile.Read(ref _listeners) > 0)
                {
                    await PollAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database gone for a moment: dashboards keep their last snapshot; the next poll tries again.
                logger.LogWarning(e, "The live safety feed could not read the projections; trying again in a second.");
                await Task.Delay(every, time, stoppingToken);
            }
        }
    }

    private async Task PollAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var facts = await ProjectionProgress.ForAsync(session, ProjectionProgress.PatientFacts, ct);
        // Every change the clocks can show stamps a cohort: a patient's facts, or a pv action on one of its cases.
        var stamp = (await session.AdvancedSql.QueryAsync<long>(
            $"select coalesce(max(version), 0) from {RegistrySchema.Name}.cohort_versions", ct))[0];
        var current = Current;
        if (current is not null && current.FactsSequence == facts.Sequence && current.CohortStamp == stamp)
        {
            return;
        }

        var clocks = await query.LoadAsync(session, ct);
        // Versions only grow, also across a reset: a listener compares them with the last it handled.
        var snapshot = new SafetySnapshot(Interlocked.Increment(ref _version), facts.Sequence, stamp, clocks);
        Volatile.Write(ref _current, snapshot);
        Interlocked.Exchange(ref _next, NewWaiter()).TrySetResult(snapshot);
    }

    private static TaskCompletionSource<SafetySnapshot> NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Listener(SafetyFeed feed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            // The last one gone: the feed stops polling and forgets its snapshot, so the next one starts fresh.
            if (Interlocked.Exchange(ref _disposed, 1) == 0 && Interlocked.Decrement(ref feed._listeners) == 0)
            {
                Volatile.Write(ref feed._current, null);
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
