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
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntriesRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, RecordVisit visit, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue, TimeProvider time)
    {
        var clientIds = new List<string>();
        if (visit.VisitId is { } visitId && visitId != Guid.Empty)
        {
            clientIds.Add($"visit:{visitId}");
        }

        clientIds.AddRange((visit.AdverseEvents ?? [])
            .Where(ae => ae.AdverseEventId is { } id && id != Guid.Empty)
            .Select(ae => $"adverse-event:{ae.AdverseEventId}")
            .Distinct());

        return PatientWrites.ExecuteAsync(session, http, patientId, visit, clientIds, time,
            (patient, today) => Decide(visit, patient, today, catalogue));
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
            errors.Add("visitDate", $"A visit can be at most {EntryRules.ScreeningDays} days (screening) before the enrolment on {patient.EnrolledOn:yyyy-MM-dd}.");
        }

        var total = (visit.Doses?.Count ?? 0) + (visit.Tregs?.Count ?? 0) + (visit.Scores?.Count ?? 0) + (visit.AdverseEvents?.Count ?? 0)
            + (visit.Conmeds?.Count ?? 0) + (visit.DoseHolds?.Count ?? 0) + (visit.NotDone?.Count ?? 0);
        if (total == 0)
        {
            errors.Add("$", "A visit records at least one entry: a dose, a Treg result, a score, an adverse event, a medication, a held dose or an item not done.");
        }

        var id = visit.VisitId ?? Guid.Empty;
        var date = visit.VisitDate ?? today;
        var events = new List<object>();
        var entryIds = new List<Guid>();

        void Add<TRequest, TData>(List<TRequest>? items, string name, Func<string, TRequest, TData?> rule, Func<Guid, TData, object> toEvent, Func<TRequest, Guid>? idOf = null)
            where TRequest : class
            where TData : class
        {
            for (var i = 0; i < (items?.Count ?? 0); i++)
            {
                var item = items![i];
                if (item is null)
                {
                    errors.Add($"{name}[{i}]", "An entry cannot be empty.");
                    continue;
                }

                if (rule($"{name}[{i}]", item) is { } data)
                {
                    var entryId = idOf?.Invoke(item) ?? Guid.CreateVersion7();
                    events.Add(toEvent(entryId, data));
                    entryIds.Add(entryId);
                }
            }
        }

        Add(visit.Doses, "doses", (p, r) => rules.Dose(p, r), (e, d) => new DoseAdministered(e, id, date, d));
        Add(visit.Tregs, "tregs", (p, r) => rules.Treg(p, r), (e, d) => new TregMeasured(e, id, date, d));
        Add(visit.Scores, "scores", (p, r) => rules.Score(p, r), (e, d) => new ScoreRecorded(e, id, date, d));
        Add(visit.AdverseEvents, "adverseEvents", (p, r) => AdverseEvent(p, r), (e, d) => new AdverseEventRecorded(e, id, date, d), r => r.AdverseEventId!.Value);
        Add(visit.Conmeds, "conmeds", (p, r) => rules.Conmed(p, r), (e, d) => new MedicationRecorded(e, id, date, d));
        Add(visit.DoseHolds, "doseHolds", (p, r) => rules.DoseHold(p, r), (e, d) => new DoseHeld(e, id, date, d));
        Add(visit.NotDone, "notDone", (p, r) => rules.NotDone(p, r), (e, d) => new PlannedItemNotDone(e, id, date, d));

        return errors.Any
            ? Decision.Reject(errors.ToProblem())
            : Decision.Accept(events, version => new EntriesRecorded(patient.Id, version, entryIds));

        AdverseEventData? AdverseEvent(string path, AdverseEventRequest r)
        {
            var before = errors.Errors.Count;
            if (r.AdverseEventId is not { } aeId || aeId == Guid.Empty)
            {
                errors.Add($"{path}.adverseEventId", "Give the adverse event a client-generated id (a UUID): follow-ups and corrections refer to it.");
            }
            else if (visit.AdverseEvents!.Count(x => x?.AdverseEventId == aeId) > 1)
            {
                errors.Add($"{path}.adverseEventId", "Two adverse events of this visit have the same id.");
            }
            else if (patient.Entries.ContainsKey(aeId))
            {
                errors.Add($"{path}.adverseEventId", "This id already belongs to an entry of this patient: to add information to that event, send a follow-up.");
            }

            var data = rules.AdverseEvent(path, r);
            return errors.Errors.Count > before ? null : data;
        }
    }
}
