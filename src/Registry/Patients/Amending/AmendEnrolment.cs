using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients.Enrolling;
using Registry.Sites;
using Wolverine.Http;

namespace Registry.Patients.Amending;

public sealed record CorrectEnrolment(JsonObject? Changes, string? ReasonCode, string? Reason);

public sealed record VoidEnrolment(Guid? DuplicateOf, string? Reason);

public sealed record ChangeRegimen(int? InductionDays, int? MaintenanceIntervalDays, DateOnly? ChangedOn, string? Reason);

public sealed record TransferPatient(string? ToSiteId, string? SubjectCode, DateOnly? TransferredOn, string? Reason);

public sealed record StopMedication(Guid? EntryId, DateOnly? StoppedOn, string? Reason);

public sealed record PatientAmended(Guid PatientId, long Version);

/// <summary>
/// Amendments of a patient's enrolment, each an event of its own with a reason: a correction of the enrolment's
/// fields (a mistyped birth year, therapy line...) with a coded reason; the void of a duplicate enrolment (it leaves
/// every figure, list and export); a change of regimen from a date; a medication stopped; a transfer to another site
/// (monitors and admins: the old site loses access, the history and the figures follow the patient).
/// </summary>
public static class AmendEnrolmentEndpoints
{
    public const int MaxReason = 1_000;

    /// <summary>The enrolment's fields a correction may change (the site and subject code move by transfer only).</summary>
    public static readonly string[] Correctable =
        ["diseaseCode", "birthYear", "sex", "enrolledOn", "consentVersion", "therapyLine", "setting"];

    [WolverinePost("/api/patients/{patientId}/enrolment/corrections", OperationId = "correctEnrolment")]
    [EndpointSummary("Correct the enrolment (disease, birth year, sex, date, consent, therapy line, setting) with a coded reason.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<PatientAmended>(StatusCodes.Status201Created)]
    public static Task<IResult> Correct(
        Guid patientId, CorrectEnrolment request, IDocumentSession session, HttpContext http, TimeProvider time,
        DiseaseCatalogue catalogue) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, today) =>
        {
            var errors = new ValidationErrors();
            var reasonCode = errors.Enumeration<CorrectionReason>("reasonCode", request.ReasonCode, "reason for the correction");
            var reason = errors.Required("reason", request.Reason, "Say what was wrong and where the right value comes from.", MaxReason);
            var current = patient.Enrolment;
            var merged = new EnrolPatient(current.SubjectCode, current.SiteId, current.DiseaseCode, current.BirthYear,
                Kebab.Name(current.Sex), current.EnrolledOn, current.ConsentVersion, Kebab.Name(current.TherapyLine),
                Kebab.Name(current.Setting), null);
            if (request.Changes is not { Count: > 0 } changes)
            {
                errors.Add("changes", $"Give the fields to correct with their right values: {string.Join(", ", Correctable)}.");
                return Decision.Reject(errors.ToProblem());
            }

            foreach (var (name, value) in changes)
            {
                merged = Overlay(errors, merged, name, value);
            }

            if (errors.Any)
            {
                return Decision.Reject(errors.ToProblem());
            }

            EnrolEndpoint.CheckFields(merged, errors, catalogue, today, path => "changes." + path);
            var values = errors.Any ? null : new EnrolmentValues(
                merged.DiseaseCode!.Trim(), merged.BirthYear!.Value, Parse<Sex>(merged.Sex), merged.EnrolledOn!.Value,
                merged.ConsentVersion!.Trim(), Parse<TherapyLine>(merged.TherapyLine), Parse<CareSetting>(merged.Setting));
            if (values is not null && values == Amendments.ValuesOf(current))
            {
                errors.Add("changes", "Nothing differs from the enrolment as it stands.");
            }

            if (values is not null && values.DiseaseCode != current.DiseaseCode)
            {
                var instruments = catalogue.FindDisease(values.DiseaseCode)?.Instruments.Select(i => i.Code).ToHashSet() ?? [];
                var foreign = patient.Current(EntryKind.Score).Select(e => e.Value.Read<ScoreData>().Instrument)
                    .Where(i => !instruments.Contains(i)).Distinct().Order(StringComparer.Ordinal).ToList();
                if (foreign.Count > 0)
                {
                    errors.Add("changes.diseaseCode",
                        $"The patient has scores on {string.Join(", ", foreign)}, which {values.DiseaseCode} does not use: "
                        + "void or correct them first.");
                }
            }

            var firstDose = patient.Current(EntryKind.Dose).Select(e => e.Value.Date).DefaultIfEmpty(DateOnly.MaxValue).Min();
            if (merged.EnrolledOn is { } enrolledOn && enrolledOn > firstDose)
            {
                errors.Add("changes.enrolledOn",
                    $"The enrolment date {enrolledOn:yyyy-MM-dd} would follow the first dose ({firstDose:yyyy-MM-dd}).");
            }

            return errors.Any
                ? Decision.Reject(errors.ToProblem())
                : Decision.Accept([new EnrolmentCorrected(Normalised(changes), values!, reasonCode!.Value, reason!)],
                    version => new PatientAmended(patient.Id, version));
        });

    [WolverinePost("/api/patients/{patientId}/enrolment/void", OperationId = "voidEnrolment")]
    [EndpointSummary("Void a duplicate enrolment: it leaves every figure, list of work and export.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<PatientAmended>(StatusCodes.Status201Created)]
    public static Task<IResult> Void(
        Guid patientId, VoidEnrolment request, IDocumentSession session, HttpContext http, TimeProvider time)
    {
        PatientRecord? kept = null;
        async Task<ProblemDetails?> LoadAsync(CancellationToken ct)
        {
            kept = request.DuplicateOf is { } other && other != patientId ? await session.LoadAsync<PatientRecord>(other, ct) : null;
            return null;
        }

        return PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, _) =>
        {
            var errors = new ValidationErrors();
            var reason = errors.Required("reason", request.Reason,
                "Say why this enrolment is a duplicate, e.g. the same patient enrolled twice by two nurses.", MaxReason);
            if (kept is null || kept.Voided || kept.SiteId != patient.SiteId)
            {
                errors.Add("duplicateOf", "Give the id of the enrolment that stays: another patient of the same site, not voided.");
            }

            if (errors.Any)
            {
                return Decision.Reject(errors.ToProblem());
            }

            // An SAE in force would leave the safety figures and clocks with the enrolment: it moves first (recorded on
            // the enrolment that stays, then voided here as an entry, which pharmacovigilance sees on its case).
            var serious = patient.Current(EntryKind.AdverseEvent)
                .Count(e => AdverseEventFold.Current(patient, e.Key).SeriousCriteria.Count > 0);
            return serious > 0
                ? Decision.Reject(new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict,
                    Title = "This enrolment holds serious adverse events in force.",
                    Detail = $"{serious} serious adverse event(s): record them on the enrolment that stays, void them here as entries "
                        + "(pharmacovigilance sees it on the case), then void the enrolment.",
                })
                : Decision.Accept([new EnrolmentVoided(reason!, kept!.Id)], version => new PatientAmended(patient.Id, version));
        }, check: LoadAsync);
    }

    [WolverinePost("/api/patients/{patientId}/regimen", OperationId = "changeRegimen")]
    [EndpointSummary("Change the dosing regimen from a date (the worklist's due doses follow it).")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<PatientAmended>(StatusCodes.Status201Created)]
    public static Task<IResult> Regimen(
        Guid patientId, ChangeRegimen request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, today) =>
        {
            var errors = new ValidationErrors();
            if (request.InductionDays is null)
            {
                errors.Add("inductionDays", "Give the induction's days (0 to 31).");
            }

            if (request.MaintenanceIntervalDays is null)
            {
                errors.Add("maintenanceIntervalDays", "Give the days between maintenance doses (1 to 90).");
            }

            EnrolEndpoint.CheckRegimen(errors, request.InductionDays, request.MaintenanceIntervalDays, path => path);
            var changedOn = Dated(errors, "changedOn", request.ChangedOn, "the change", patient.EnrolledOn, today);
            var reason = errors.Required("reason", request.Reason, "Say why the regimen changes, e.g. grade 2 injection-site reactions.",
                MaxReason);
            var regimen = new Regimen(request.InductionDays ?? 0, request.MaintenanceIntervalDays ?? 0);
            var firstDose = patient.Current(EntryKind.Dose).Select(e => (DateOnly?)e.Value.Date).Min();
            if (!errors.Any && regimen.InductionDays != patient.Enrolment.Regimen.InductionDays && firstDose is { } first
                && StudyDays.Of(first, changedOn!.Value) > patient.Enrolment.Regimen.InductionDays)
            {
                errors.Add("inductionDays",
                    $"Induction ended on study day {patient.Enrolment.Regimen.InductionDays}: a change from {changedOn:yyyy-MM-dd} "
                    + "changes the maintenance interval only.");
            }

            if (!errors.Any && regimen == patient.Enrolment.Regimen)
            {
                errors.Add("maintenanceIntervalDays", "This is the regimen already in force.");
            }

            return errors.Any
                ? Decision.Reject(errors.ToProblem())
                : Decision.Accept(
                    [new RegimenChanged(regimen, changedOn!.Value, reason!)], version => new PatientAmended(patient.Id, version));
        });

    [WolverinePost("/api/patients/{patientId}/medication-stops", OperationId = "stopMedication")]
    [EndpointSummary("Record that a concomitant medication stopped.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<PatientAmended>(StatusCodes.Status201Created)]
    public static Task<IResult> Stop(
        Guid patientId, StopMedication request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, today) =>
        {
            var errors = new ValidationErrors();
            var reason = errors.Required("reason", request.Reason, "Say why it stopped, e.g. remission, or an adverse event.", MaxReason);
            if (request.EntryId is not { } entryId || !patient.Entries.TryGetValue(entryId, out var entry)
                || entry.Kind != EntryKind.Conmed || entry.Voided)
            {
                errors.Add("entryId", "Give the id of one of this patient's medications in force.");
                return Decision.Reject(errors.ToProblem());
            }

            var medication = entry.Read<ConmedData>();
            if (medication.StoppedOn is { } already)
            {
                errors.Add("entryId", $"This medication already stopped on {already:yyyy-MM-dd}; correct the entry to change that date.");
            }

            var stoppedOn = Dated(
                errors, "stoppedOn", request.StoppedOn, "the stop", medication.StartedOn?.First ?? DateOnly.MinValue, today);
            return errors.Any
                ? Decision.Reject(errors.ToProblem())
                : Decision.Accept(
                    [new MedicationStopped(entryId, stoppedOn!.Value, reason!)], version => new PatientAmended(patient.Id, version));
        });

    [WolverinePost("/api/patients/{patientId}/transfer", OperationId = "transferPatient")]
    [EndpointSummary("Move a patient to another site with that site's subject code: the old site loses access, the history stays.")]
    [Authorize(Policy = Policies.Transfers)]
    [ProducesResponseType<PatientAmended>(StatusCodes.Status201Created)]
    public static Task<IResult> Transfer(
        Guid patientId, TransferPatient request, IDocumentSession session, HttpContext http, TimeProvider time, PatientSites known)
    {
        Site? to = null;
        SubjectCodeClaim? taken = null;
        var toSiteId = request.ToSiteId?.Trim();
        var subjectCode = request.SubjectCode?.Trim();

        async Task<ProblemDetails?> LoadAsync(CancellationToken ct)
        {
            to = string.IsNullOrEmpty(toSiteId) || toSiteId.Length > 64 ? null : await session.LoadAsync<Site>(toSiteId, ct);
            taken = to is null || string.IsNullOrEmpty(subjectCode)
                ? null
                : await session.LoadAsync<SubjectCodeClaim>(SubjectCodeClaim.KeyFor(to.Id, subjectCode), ct);
            return null;
        }

        return PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, _) =>
        {
            var errors = new ValidationErrors();
            if (errors.Required("toSiteId", request.ToSiteId, "Give the id of the site the patient moves to.") is not null)
            {
                if (to is null)
                {
                    errors.Add("toSiteId", $"There is no site '{Printable(toSiteId)}' in the registry.");
                }
                else if (to.Id == patient.SiteId)
                {
                    errors.Add("toSiteId", $"The patient is already at {to.Id}.");
                }
            }

            var code = errors.Required("subjectCode", request.SubjectCode, "Give the patient's subject code at the new site.");
            if (code is { Length: > EnrolEndpoint.MaxSubjectCodeLength })
            {
                errors.Add("subjectCode", $"A subject code has at most {EnrolEndpoint.MaxSubjectCodeLength} characters.");
            }
            else if (taken is not null && taken.PatientId != patient.Id)
            {
                errors.Add("subjectCode", $"Subject code {code} is already used at {to!.Id}.");
            }

            var today = to is null ? DateOnly.MaxValue : SiteClock.Today(time, to.TimeZone);
            var on = Dated(errors, "transferredOn", request.TransferredOn, "the transfer", patient.EnrolledOn, today);
            var reason = errors.Required("reason", request.Reason, "Say why the patient moves, e.g. moved to Lyon.", MaxReason);
            if (errors.Any)
            {
                return Decision.Reject(errors.ToProblem());
            }

            // A patient coming back to a site keeps the code it had there (its claim is still the patient's).
            if (taken is null)
            {
                session.Insert(new SubjectCodeClaim { Id = SubjectCodeClaim.KeyFor(to!.Id, code!), PatientId = patient.Id });
            }

            known.Remember(patient.Id, to!.Id);
            return Decision.Accept([new PatientTransferred(patient.SiteId, to.Id, code!, on!.Value, reason!)],
                version => new PatientAmended(patient.Id, version));
        }, check: LoadAsync, lostClaim: (_, _) => Task.FromResult<ProblemDetails?>(
            ValidationErrors.Single("subjectCode", $"Subject code {Printable(subjectCode)} was just taken at {Printable(toSiteId)}.")));
    }

    private static string Printable(string? text) => text is null ? "" : new string([.. text.Where(c => !char.IsControl(c)).Take(64)]);

    /// <summary>A required date: not before <paramref name="from"/>, not after the site's today.</summary>
    private static DateOnly? Dated(ValidationErrors errors, string path, DateOnly? date, string what, DateOnly from, DateOnly today)
    {
        switch (date)
        {
            case null:
                errors.Add(path, $"Give the date of {what} (yyyy-MM-dd).");
                return null;
            case { } d when d > today:
                errors.Add(path, $"The date of {what} ({d:yyyy-MM-dd}) is after the site's today ({today:yyyy-MM-dd}).");
                return null;
            case { } d when d < from:
                errors.Add(path, $"The date of {what} ({d:yyyy-MM-dd}) is before {from:yyyy-MM-dd}.");
                return null;
            default:
                return date;
        }
    }

    private static T Parse<T>(string? text) where T : struct, Enum => Kebab.TryParse<T>(text, out var value) ? value : default;

    /// <summary>The enrolment with one changed field, or an error naming the field when it is not one, or not of its type.</summary>
    private static EnrolPatient Overlay(ValidationErrors errors, EnrolPatient merged, string name, JsonNode? value)
    {
        var path = "changes." + name;
        string? Text()
        {
            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                return v.GetValue<string>();
            }

            errors.Add(path, "Give this field as text.");
            return null;
        }

        switch (name)
        {
            case "diseaseCode":
                return merged with { DiseaseCode = Text() };
            case "sex":
                return merged with { Sex = Text() };
            case "consentVersion":
                return merged with { ConsentVersion = Text() };
            case "therapyLine":
                return merged with { TherapyLine = Text() };
            case "setting":
                return merged with { Setting = Text() };
            case "birthYear":
                if (value is JsonValue y && y.GetValueKind() == JsonValueKind.Number && y.TryGetValue<int>(out var year))
                {
                    return merged with { BirthYear = year };
                }

                errors.Add(path, "Give the year of birth as a whole number, e.g. 1978.");
                return merged;
            case "enrolledOn":
                if (Text() is { } text)
                {
                    if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var on))
                    {
                        return merged with { EnrolledOn = on };
                    }

                    errors.Add(path, "Give the enrolment date as yyyy-MM-dd.");
                }

                return merged;
            case "siteId":
                errors.Add(path, "A patient changes site by a transfer (a monitor's or an admin's), not by a correction.");
                return merged;
            case "regimen":
                errors.Add(path, "A regimen changes from a date, as its own event: POST …/regimen.");
                return merged;
            default:
                errors.Add(path, $"This is not an enrolment field a correction changes: use {string.Join(", ", Correctable)}.");
                return merged;
        }
    }

    private static JsonObject Normalised(JsonObject changes) => (JsonObject)changes.DeepClone();
}
