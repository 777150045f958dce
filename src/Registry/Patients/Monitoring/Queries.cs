using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients.Correcting;
using Wolverine.Http;

namespace Registry.Patients.Monitoring;

public sealed record OpenQuery(Guid? EntryId, string? Field, string? Text);

/// <summary>The site's answer; with <c>correction</c>, the entry is corrected in the same step (one write, two events).</summary>
public sealed record AnswerQuery(string? Text, QueryCorrection? Correction);

public sealed record QueryCorrection(JsonObject? Changes, string? ReasonCode, string? Reason);

public sealed record QueryStepText(string? Text);

public sealed record QueryChanged(Guid PatientId, long Version, Guid QueryId, QueryStatus Status);

/// <summary>
/// Data queries: a monitor asks about one field of an entry; the site answers (with or without a correction in the same
/// step); the monitor closes the query or re-opens it. Each step is an event on the patient's stream. A query waits on
/// the site while <c>open</c>, on the monitor while <c>answered</c>.
/// </summary>
public static partial class QueryEndpoints
{
    public const int MaxText = 2_000;

    /// <summary>A JSON path to one of an entry's fields: <c>$.field</c> (or <c>field</c>); every entry's fields are top-level.</summary>
    [GeneratedRegex(@"^(\$\.)?[A-Za-z][A-Za-z0-9]{0,63}$")]
    private static partial Regex FieldPattern();

    [WolverinePost("/api/patients/{patientId}/queries", OperationId = "openQuery")]
    [EndpointSummary("Open a data query on a field of an entry.")]
    [Authorize(Policy = Policies.Monitoring)]
    [ProducesResponseType<QueryChanged>(StatusCodes.Status201Created)]
    public static Task<IResult> Open(Guid patientId, OpenQuery request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, _) =>
        {
            var errors = new ValidationErrors();
            var text = Text(errors, "text", request.Text, "Say what is in question, e.g. the dose is ten times the usual one.");
            var entry = CorrectEntryEndpoint.Existing(request.EntryId, patient, errors);
            var field = entry is null ? null : Field(errors, request.Field, entry);
            if (errors.Any)
            {
                return Decision.Reject(errors.ToProblem());
            }

            var id = Guid.CreateVersion7();
            return Decision.Accept(
                [new QueryOpened(id, request.EntryId!.Value, entry!.Kind, field!, text!)],
                version => new QueryChanged(patient.Id, version, id, QueryStatus.Open));
        }, evenWhenLocked: true);

    [WolverinePost("/api/patients/{patientId}/queries/{queryId}/answers", OperationId = "answerQuery")]
    [EndpointSummary("Answer a data query, with or without a correction of the entry.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<QueryChanged>(StatusCodes.Status201Created)]
    public static Task<IResult> Answer(
        Guid patientId, Guid queryId, AnswerQuery request, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue,
        TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, today) =>
        {
            var errors = new ValidationErrors();
            var text = Text(errors, "text", request.Text, "Say what you found, e.g. checked against the chart: 1 MIU, corrected.");
            if (MonitoringFold.Find(patient, queryId) is not { } query)
            {
                return Decision.Reject(NoSuchQuery);
            }

            if (query.Status != QueryStatus.Open)
            {
                return Decision.Reject(WrongStep(query, "answered", "it is not waiting for the site's answer"));
            }

            if (errors.Any)
            {
                return Decision.Reject(errors.ToProblem());
            }

            // A lock freezes the data, not the conversation: an answer goes through it; a correction does not.
            if (request.Correction is not null && patient.Lock is { } locked)
            {
                return Decision.Reject(PatientWrites.Locked(locked));
            }

            if (request.Correction is not { } correction)
            {
                return Decision.Accept(
                    [new QueryAnswered(queryId, text!, false)],
                    version => new QueryChanged(patient.Id, version, queryId, QueryStatus.Answered));
            }

            var corrected = CorrectEntryEndpoint.Decide(
                new CorrectEntry(query.EntryId, correction.Changes, correction.ReasonCode, correction.Reason), patient, today, catalogue);
            if (corrected.Problem is { } problem)
            {
                return Decision.Reject(Prefixed(problem, "correction"));
            }

            return Decision.Accept(
                [.. corrected.Events, new QueryAnswered(queryId, text!, true)],
                version => new QueryChanged(patient.Id, version, queryId, QueryStatus.Answered));
        }, evenWhenLocked: true);

    [WolverinePost("/api/patients/{patientId}/queries/{queryId}/closure", OperationId = "closeQuery")]
    [EndpointSummary("Close a data query.")]
    [Authorize(Policy = Policies.Monitoring)]
    [ProducesResponseType<QueryChanged>(StatusCodes.Status201Created)]
    public static Task<IResult> Close(
        Guid patientId, Guid queryId, QueryStepText request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, _) =>
        {
            var errors = new ValidationErrors();
            var text = request.Text is null ? null : Text(errors, "text", request.Text, "Leave the text out, or say why it is closed.");
            return MonitorStep(
                patient, queryId, errors, QueryStatus.Closed, "closed", "it is closed already", new QueryClosed(queryId, text));
        }, evenWhenLocked: true);

    [WolverinePost("/api/patients/{patientId}/queries/{queryId}/reopening", OperationId = "reopenQuery")]
    [EndpointSummary("Re-open an answered or closed data query, saying what is still in question.")]
    [Authorize(Policy = Policies.Monitoring)]
    [ProducesResponseType<QueryChanged>(StatusCodes.Status201Created)]
    public static Task<IResult> Reopen(
        Guid patientId, Guid queryId, QueryStepText request, IDocumentSession session, HttpContext http, TimeProvider time) =>
        PatientWrites.ExecuteAsync(session, http, patientId, request, [], time, (patient, _) =>
        {
            var errors = new ValidationErrors();
            var text = Text(errors, "text", request.Text, "Say what is still in question.");
            return MonitorStep(patient, queryId, errors, QueryStatus.Open, "re-opened", "it is open: waiting for the site's answer",
                new QueryReopened(queryId, text ?? ""));
        }, evenWhenLocked: true);

    /// <summary>
    /// A monitor's step on a query: refused when the query is not there (404), is already in the state the step leads to
    /// (409), or the request has errors (400); otherwise its event.
    /// </summary>
    private static Decision MonitorStep(
        PatientState patient, Guid queryId, ValidationErrors errors, QueryStatus after, string step, string why, object change)
    {
        if (MonitoringFold.Find(patient, queryId) is not { } query)
        {
            return Decision.Reject(NoSuchQuery);
        }

        if (query.Status == after)
        {
            return Decision.Reject(WrongStep(query, step, why));
        }

        return errors.Any
            ? Decision.Reject(errors.ToProblem())
            : Decision.Accept([change], version => new QueryChanged(patient.Id, version, queryId, after));
    }

    // A new problem each time: the answer's writer adds the request's trace id to it.
    private static ProblemDetails NoSuchQuery =>
        new() { Status = StatusCodes.Status404NotFound, Title = "No such query on this patient." };

    private static ProblemDetails WrongStep(DataQuery query, string step, string why) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = $"This query cannot be {step}: {why}.",
        Detail = $"The query is {Kebab.Name(query.Status)}.",
    };

    private static string? Text(ValidationErrors errors, string path, string? given, string message) =>
        errors.Required(path, given, message, MaxText);

    /// <summary>The field as <c>$.path</c>, when the entry's kind has it (a query may ask about a value left empty).</summary>
    private static string? Field(ValidationErrors errors, string? given, StateEntry entry)
    {
        var fields = EntryKinds.Of(entry.Kind).CorrectableFields;
        if (string.IsNullOrWhiteSpace(given) || !FieldPattern().IsMatch(given.Trim()))
        {
            errors.Add("field", $"Give the field in question as a JSON path, e.g. $.{fields.Order(StringComparer.Ordinal).First()}.");
            return null;
        }

        var path = given.Trim().StartsWith("$.", StringComparison.Ordinal) ? given.Trim() : "$." + given.Trim();
        var top = path[2..];
        if (!fields.Contains(top) && entry.Data[top] is null)
        {
            errors.Add("field", $"A {EntryKinds.Of(entry.Kind).Name} entry has no field '{top}': it has "
                + $"{string.Join(", ", fields.Order(StringComparer.Ordinal))}.");
            return null;
        }

        return path;
    }

    /// <summary>The correction's problems under <c>correction.</c>, as the request names them.</summary>
    private static ProblemDetails Prefixed(ProblemDetails problem, string prefix)
    {
        if (problem is not HttpValidationProblemDetails validation)
        {
            return problem;
        }

        var errors = new ValidationErrors();
        foreach (var (path, messages) in validation.Errors)
        {
            foreach (var message in messages)
            {
                errors.Add($"{prefix}.{path}", message);
            }
        }

        return errors.ToProblem();
    }
}
