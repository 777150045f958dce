using Marten.Events.Daemon.Coordination;

namespace Registry.Cohorts;

public static class ProjectionRebuild
{
    /// <summary>
    /// Rebuilds an async projection inside the running host, then starts its agent again: the daemon
    /// leaves a rebuilt shard stopped, and new events would otherwise never reach it.
    /// </summary>
    public static async Task RebuildAndResumeAsync<TProjection>(
        this IProjectionCoordinator coordinator, string shardName, TimeSpan timeout, CancellationToken ct)
    {
        var daemon = coordinator.DaemonForMainDatabase();
        await daemon.RebuildProjectionAsync(typeof(TProjection), timeout, ct);
        await daemon.StartAgentAsync(shardName, ct);
    }
}
