using Registry.Catalogue;
using Registry.Infrastructure;

namespace Registry.Patients;

/// <summary>The answer to a write that recorded one entry.</summary>
public sealed record EntryRecorded(Guid PatientId, long Version, Guid EntryId);

/// <summary>
/// A write that records one entry outside a visit (withdrawal, completion, a follow-up): its kind's rules, then its event.
/// </summary>
public static class SingleEntry
{
    public static Decision Decide(
        EntryKind kind, object request, PatientState patient, DateOnly today, DiseaseCatalogue catalogue,
        Func<Guid, object, IEntryEvent> start)
    {
        var errors = new ValidationErrors();
        var values = EntryKinds.Of(kind).Check(new EntryRules(patient, today, catalogue, errors), "", request, null, null);
        if (values is null)
        {
            return Decision.Reject(errors.ToProblem());
        }

        var entryId = Guid.CreateVersion7();
        return Decision.Accept([start(entryId, values)], version => new EntryRecorded(patient.Id, version, entryId));
    }
}
