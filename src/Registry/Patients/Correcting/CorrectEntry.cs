using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Patients.Correcting;

public sealed record CorrectEntry(Guid? EntryId, JsonObject? Changes, string? ReasonCode, string? Reason);

public static class CorrectEntryEndpoint
{
    [WolverinePost("/api/patients/{patientId}/corrections", OperationId = "correctEntry")]
    [EndpointSummary("Correct an entry.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<EntryRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        Guid patientId, CorrectEntry correction, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue,
        TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, correction, [], time,
            (patient, today) => Decide(correction, patient, today, catalogue));

    /// <summary>Applies the changes to the entry's current values and checks the result as a whole, as if it were new.</summary>
    public static Decision Decide(CorrectEntry correction, PatientState patient, DateOnly today, DiseaseCatalogue catalogue)
    {
        var errors = new ValidationErrors();
        var reasonCode = errors.Enumeration<CorrectionReason>("reasonCode", correction.ReasonCode, "reason for the correction");
        var reason = errors.Required("reason", correction.Reason, "Say what was wrong and where the right value comes from.");
        var entry = Existing(correction.EntryId, patient, errors);
        if (correction.Changes is not { Count: > 0 } changes)
        {
            errors.Add("changes", "Give the fields to change and their new values, e.g. {\"doseIu\": 1000000}.");
            return Decision.Reject(errors.ToProblem());
        }

        if (entry is null)
        {
            return Decision.Reject(errors.ToProblem());
        }

        var module = EntryKinds.Of(entry.Kind);
        var requestType = module.RequestType;
        var fields = module.CorrectableFields;
        foreach (var field in changes.Select(c => c.Key).Where(f => !fields.Contains(f)))
        {
            errors.Add($"changes.{field}",
                $"A {module.Name} entry has no field '{field}' that can be corrected: " +
                $"it has {string.Join(", ", fields.Order(StringComparer.Ordinal))}.");
        }

        if (errors.Any)
        {
            return Decision.Reject(errors.ToProblem());
        }

        // The changes get the checks a new entry's body gets (dates before 1900, control characters...),
        // now that the entry's kind says what each field is.
        var bodyProblems = JsonBodyCheck.Check(
            JsonSerializer.SerializeToUtf8Bytes(changes, RegistryJson.Options), requestType, RegistryJson.Options, new RequestLimits());
        foreach (var (path, messages) in bodyProblems ?? [])
        {
            foreach (var message in messages)
            {
                errors.Add(path == "$" ? "changes" : $"changes.{path}", message);
            }
        }

        if (errors.Any)
        {
            return Decision.Reject(errors.ToProblem());
        }

        var merged = (JsonObject)entry.Data.DeepClone();
        foreach (var (field, value) in changes)
        {
            merged[field] = value?.DeepClone();
        }

        object request;
        try
        {
            request = merged.Deserialize(requestType, RegistryJson.Options)!;
        }
        catch (JsonException e)
        {
            var (path, message) = JsonBodyCheck.Describe(e, requestType);
            errors.Add(path == "$" ? "changes" : $"changes.{path}", message);
            return Decision.Reject(errors.ToProblem());
        }

        var rules = new EntryRules(patient, today, catalogue, errors);
        var id = correction.EntryId!.Value;
        var corrected = module.Check(rules, "changes", request, id, entry);
        if (corrected is null || errors.Any)
        {
            return Decision.Reject(errors.ToProblem());
        }

        var values = module.ToJson(corrected);
        if (JsonNode.DeepEquals(values, entry.Data))
        {
            return Decision.Reject(
                ValidationErrors.Single("changes", "These values are the entry's current ones: there is nothing to correct."));
        }

        return Decision.Accept(
            [new EntryCorrected(id, entry.Kind, (JsonObject)changes.DeepClone(), values, reasonCode!.Value, reason!)],
            version => new EntryRecorded(patient.Id, version, id));
    }

    /// <summary>The current (not voided) entry the body names, or an error at <c>entryId</c>.</summary>
    public static StateEntry? Existing(Guid? entryId, PatientState patient, ValidationErrors errors)
    {
        if (entryId is not { } id || id == Guid.Empty)
        {
            errors.Add("entryId", "Give the id of the entry, as the patient's timeline shows it.");
            return null;
        }

        if (!patient.Entries.TryGetValue(id, out var entry))
        {
            errors.Add("entryId", "This patient has no entry with this id.");
            return null;
        }

        if (entry.Voided)
        {
            errors.Add("entryId", "This entry was voided; it cannot be changed any more.");
            return null;
        }

        return entry;
    }
}
