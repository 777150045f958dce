using JasperFx.Events.Daemon;

namespace Registry.Cohorts;

/// <summary>
/// Whether an async projection has stopped on an event it cannot apply, read from the daemon's own
/// shard states (SkipApplyErrors is off, so such a projection pauses rather than skip the event).
/// </summary>
public sealed class ProjectionStatus(Marten.Events.Daemon.Coordination.IProjectionCoordinator coordinator)
{
    /// <summary>Why the projection stopped, naming it and the event's sequence; null while it runs.</summary>
    public string? Failure(string projection)
    {
        IProjectionDaemon daemon;
        try
        {
            daemon = coordinator.DaemonForMainDatabase();
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException)
        {
            return null; // the daemon has not started yet: nothing has failed
        }

        if (!daemon.Tracker.TryGetCurrentState($"{projection}:All", out var state) || state.Failure is not { IsTransient: false } failure)
        {
            return null;
        }

        var at = failure.Event is { } e2 ? $" at event {e2.Sequence} ({e2.EventTypeName})" : "";
        return $"The projection {projection} has stopped{at}: {failure.Message}";
    }
}
