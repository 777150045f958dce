using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Registry.Patients;

/// <summary>Which patient an adverse event belongs to: how a pv action finds its patient by primary key.</summary>
public sealed record AdverseEventOwner(Guid Id, Guid PatientId);

/// <summary>
/// Kept inline, in the transaction that records the adverse event, so a pv action on an SAE recorded a moment
/// ago finds it; rebuildable from the log like any projection.
/// </summary>
public sealed partial class AdverseEventOwnerProjection : EventProjection
{
    public AdverseEventOwnerProjection() => IncludeType<AdverseEventRecorded>();

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is AdverseEventRecorded recorded)
        {
            operations.Store(new AdverseEventOwner(recorded.EntryId, e.StreamId));
        }

        return ValueTask.CompletedTask;
    }
}
