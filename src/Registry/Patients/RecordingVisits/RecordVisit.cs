using System.Collections;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Patients.RecordingVisits;

public sealed record RecordVisit(
    Guid? VisitId,
    DateOnly? VisitDate,
    List<DoseRequest>? Doses,
    List<TregRequest>? Tregs,
    List<ScoreRequest>? Scores,
    List<AdverseEventRequest>? AdverseEvents,
    List<ConmedRequest>? Conmeds,
    List<DoseHoldRequest>? DoseHolds,
    List<NotDoneRequest>? NotDone);

public sealed record EntriesRecorded(Guid PatientId, long Version, IReadOnlyList<Guid> EntryIds);

public static class RecordVisitEndpoint
{
    [WolverinePost("/api/patients/{patientId}/visits", OperationId = "recordVisit")]
    [EndpointSummary("Record a visit.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntriesRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, RecordVisit visit, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, visit, ClientIds(visit), time,
            (patient, today) => Decide(visit, patient, today, catalogue));

    /// <summary>
    /// The visit's own idempotency keys: its visitId and its adverse events' ids (so a retry without an
    /// Idempotency-Key is still recognised).
    /// </summary>
    public static IReadOnlyList<string> ClientIds(RecordVisit visit)
    {
        var clientIds = new List<string>();
        if (visit.VisitId is { } visitId && visitId != Guid.Empty)
        {
            clientIds.Add($"visit:{visitId}");
        }

        clientIds.AddRange((visit.AdverseEvents ?? [])
            .Where(ae => ae?.AdverseEventId is { } id && id != Guid.Empty)
            .Select(ae => $"adverse-event:{ae!.AdverseEventId}")
            .Distinct());
        return clientIds;
    }

    /// <summary>Checks the whole visit; any error rejects all of it.</summary>
    public static Decision Decide(RecordVisit visit, PatientState patient, DateOnly today, DiseaseCatalogue catalogue)
    {
        var errors = new ValidationErrors();
        var rules = new EntryRules(patient, today, catalogue, errors);

        if (visit.VisitId is not { } visitId || visitId == Guid.Empty)
        {
            errors.Add("visitId", "Give the visit a client-generated id (a UUID), so that a retry is recognised.");
        }

        if (visit.VisitDate is not { } visitDate)
        {
            errors.Add("visitDate", "Give the visit date (yyyy-MM-dd).");
        }
        else if (visitDate > today)
        {
            errors.Add("visitDate", $"The visit date {visitDate:yyyy-MM-dd} is after the site's today ({today:yyyy-MM-dd}).");
        }
        else if (visitDate < patient.EnrolledOn.AddDays(-EntryRules.ScreeningDays))
        {
            errors.Add("visitDate",
                $"A visit can be at most {EntryRules.ScreeningDays} days (screening) before the enrolment on " +
                $"{patient.EnrolledOn:yyyy-MM-dd}.");
        }

        var lists = EntryLists(visit);
        if (lists.Sum(l => l.Items?.Count ?? 0) == 0)
        {
            errors.Add("$",
                "A visit records at least one entry: a dose, a Treg result, a score, an adverse event, a medication, " +
                "a held dose or an item not done.");
        }

        var id = visit.VisitId ?? Guid.Empty;
        var date = visit.VisitDate ?? today;
        var events = new List<object>();
        var entryIds = new List<Guid>();
        foreach (var (module, items) in lists)
        {
            for (var i = 0; i < (items?.Count ?? 0); i++)
            {
                var path = $"{module.VisitList}[{i}]";
                if (items![i] is not { } item)
                {
                    errors.Add(path, "An entry cannot be empty.");
                }
                else if (module.CheckInVisit(rules, path, item, items) is { } values)
                {
                    var entryId = module.NewEntryId(item);
                    events.Add(module.StartWithVisit(entryId, id, date, values));
                    entryIds.Add(entryId);
                }
            }
        }

        if (errors.Any)
        {
            return Decision.Reject(errors.ToProblem());
        }

        // The catalogue's data-quality rules open their queries in the same step; the answer's version counts them.
        events.AddRange(AutomaticQueries.For(patient, events, catalogue));
        return Decision.Accept(events, version => new EntriesRecorded(patient.Id, version, entryIds));
    }

    /// <summary>The visit's lists of entries, each with its kind, in the order their events are recorded.</summary>
    private static IReadOnlyList<(EntryKindModule Module, IList? Items)> EntryLists(RecordVisit visit) =>
    [
        (EntryKinds.Of(EntryKind.Dose), visit.Doses),
        (EntryKinds.Of(EntryKind.Treg), visit.Tregs),
        (EntryKinds.Of(EntryKind.Score), visit.Scores),
        (EntryKinds.Of(EntryKind.AdverseEvent), visit.AdverseEvents),
        (EntryKinds.Of(EntryKind.Conmed), visit.Conmeds),
        (EntryKinds.Of(EntryKind.DoseHeld), visit.DoseHolds),
        (EntryKinds.Of(EntryKind.NotDone), visit.NotDone),
    ];
}
