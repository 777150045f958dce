using JasperFx;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Sites;
using Registry.Writing;
using Wolverine.Http;

namespace Registry.Patients.Monitoring;

public sealed record LockCohort(string? DiseaseCode, string? SiteId, string? TherapyLine, DateOnly? EnrolledTo, string? Reason);

/// <summary>How many records the lock took, and how many were locked already (no patient ids: an admin may lock).</summary>
public sealed record CohortLocked(int Locked, int AlreadyLocked);

/// <summary>
/// Locks every record of a cohort enrolled up to a date, for an analysis: each record not yet locked gets its
/// <see cref="RecordLocked"/> (with the reason), all in one transaction, so the cohort is locked whole or not at all.
/// A record already locked keeps its lock. Exports made from then on say in their manifest which records were locked.
/// </summary>
public static class LockCohortEndpoint
{
    /// <summary>At most this many records in one lock (one transaction): a larger cohort is locked site by site.</summary>
    public const int MaxRecords = 5_000;

    [WolverinePost("/api/cohort-locks", OperationId = "lockCohort")]
    [EndpointSummary("Lock every record of a cohort (disease; site and therapy line if given) enrolled up to a date.")]
    [Authorize(Policy = Policies.Locking)]
    [ProducesResponseType<CohortLocked>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        LockCohort request, IDocumentSession session, HttpContext http, TimeProvider time, DiseaseCatalogue catalogue) =>
        WritePath.ExecuteAsync(http, session, time, request, [], _ => Task.FromResult(WriteTarget.New), async ct =>
        {
            var errors = new ValidationErrors();
            var disease = errors.Required("diseaseCode", request.DiseaseCode, "Give the cohort's disease (catalogue code, e.g. sle).");
            if (disease is not null && catalogue.FindDisease(disease) is null)
            {
                errors.Add("diseaseCode", "This is not a disease of the catalogue.");
            }

            var site = string.IsNullOrWhiteSpace(request.SiteId) ? null : request.SiteId.Trim();
            if (site is not null && (site.Length > 64 || await session.LoadAsync<Site>(site, ct) is null))
            {
                errors.Add("siteId", "There is no such site in the registry.");
            }

            TherapyLine? line = request.TherapyLine is null
                ? null
                : errors.Enumeration<TherapyLine>("therapyLine", request.TherapyLine, "therapy line");
            if (request.EnrolledTo is null)
            {
                errors.Add("enrolledTo", "Give the last enrolment date of the cohort to lock (yyyy-MM-dd).");
            }

            var reason = errors.Required(
                "reason", request.Reason, "Say why, e.g. the 2026 interim analysis.", LockRecordEndpoints.MaxReason);
            if (errors.Any)
            {
                return WriteOutcome.Reject(errors.ToProblem());
            }

            var query = session.Query<PatientRecord>()
                .Where(p => p.DiseaseCode == disease && p.EnrolledOn <= request.EnrolledTo!.Value);
            if (site is not null)
            {
                query = query.Where(p => p.SiteId == site);
            }

            if (line is { } therapy)
            {
                query = query.Where(p => p.TherapyLine == therapy);
            }

            var ids = (await query.Select(p => p.Id).ToListAsync(ct)).Order().ToList();
            if (ids.Count > MaxRecords)
            {
                return WriteOutcome.Reject(ValidationErrors.Single("siteId",
                    $"{ids.Count:N0} records: lock at most {MaxRecords:N0} at once (one site at a time)."));
            }

            // Each stream locked in id order (two cohort locks at once never wait on each other in a circle), and the cohort's
            // criteria checked again on it: a transfer or correction committed since the query moves a patient in or out.
            var (locked, already) = (0, 0);
            foreach (var id in ids)
            {
                var stream = await session.Events.FetchForExclusiveWriting<PatientState>(id, ct);
                if (stream.Aggregate is not { VoidedBecause: null, Enrolment: var e } patient || e.DiseaseCode != disease
                    || e.EnrolledOn > request.EnrolledTo!.Value || (site is not null && e.SiteId != site)
                    || (line is { } l && e.TherapyLine != l))
                {
                    continue;
                }

                if (patient.Lock is not null)
                {
                    already++;
                    continue;
                }

                stream.AppendOne(new RecordLocked(reason!));
                locked++;
            }

            return WriteOutcome.Accept(new WriteAnswer(StatusCodes.Status201Created, new CohortLocked(locked, already), null));
        });
}
