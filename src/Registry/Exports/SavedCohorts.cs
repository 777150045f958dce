using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Writing;
using Wolverine.Http;

namespace Registry.Exports;

/// <summary>A version of a named cohort definition, saved by a researcher (version 1 creates it).</summary>
public sealed record CohortDefinitionSaved(Guid DefinitionId, string Name, int Version, CohortDefinition Cohort, string? Note);

/// <summary>Which saved definition, and which of its versions, an export's cohort is (its manifest says so).</summary>
public sealed record SavedCohortRef(Guid DefinitionId, string Name, int Version);

public sealed record SavedCohortVersion(
    int Version, CohortDefinition Cohort, string? Note, string SavedBy, DateTimeOffset SavedAt, long Sequence);

/// <summary>A named cohort definition with every version, shared among researchers (folded inline from its own stream).</summary>
public sealed class SavedCohort
{
    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    public List<SavedCohortVersion> Versions { get; set; } = [];
}

public sealed class SavedCohortProjection : SingleStreamProjection<SavedCohort, Guid>
{
    public SavedCohortProjection() => IncludeType<CohortDefinitionSaved>();

    public override SavedCohort? Evolve(SavedCohort? snapshot, Guid id, IEvent e)
    {
        if (e.Data is CohortDefinitionSaved saved)
        {
            snapshot ??= new SavedCohort { Id = id, Name = saved.Name };
            snapshot.Versions.Add(
                new SavedCohortVersion(saved.Version, saved.Cohort, saved.Note, e.UserName ?? "", e.Timestamp, e.Sequence));
        }

        return snapshot;
    }
}

public sealed record SaveCohortDefinition(string? Name, CohortRequest? Cohort, string? Note);

public sealed record SaveCohortVersion(CohortRequest? Cohort, string? Note);

public sealed record CohortDefinitionSavedAnswer(Guid DefinitionId, string Name, int Version);

public sealed record SavedCohortSummary(Guid DefinitionId, string Name, int LatestVersion, string SavedBy, DateTimeOffset SavedAt);

public sealed record SavedCohortDetail(Guid DefinitionId, string Name, IReadOnlyList<SavedCohortVersion> Versions);

/// <summary>
/// Saved cohort definitions: named (unique, ignoring case), versioned as events on their own stream, shared among researchers.
/// A new version never changes an earlier one, so an export that names a version can be taken again the same way.
/// </summary>
public static class SavedCohorts
{
    public const int MaxName = 120;

    /// <summary>The stream of a name: the same for the same name in any case, so two researchers saving one name at once collide.</summary>
    public static Guid StreamFor(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("saved-cohort\n" + Normalised(name)!.ToUpperInvariant()));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);   // version 8 (custom), RFC 9562
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    [WolverinePost("/api/cohort-definitions", OperationId = "saveCohortDefinition")]
    [EndpointSummary("Save a named cohort definition (version 1), shared with every researcher.")]
    [Authorize(Policy = Policies.Researcher)]
    [ProducesResponseType<CohortDefinitionSavedAnswer>(StatusCodes.Status201Created)]
    public static Task<IResult> Create(
        SaveCohortDefinition request, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue, TimeProvider time) =>
        WritePath.ExecuteAsync(http, session, time, request, [],
            _ => Task.FromResult(WriteTarget.New),
            async ct =>
            {
                var errors = new ValidationErrors();
                var name = Normalised(
                    errors.Required("name", request.Name, "Name the definition (e.g. SLE add-on, enrolled in 2026).", MaxName));
                if (name is not null && name.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format))
                {
                    errors.Add("name", "A name is one line of text, without control or invisible formatting characters.");
                }

                var cohort = RequestExportEndpoint.CheckCohort(request.Cohort, "cohort", catalogue, errors);
                if (errors.Any)
                {
                    return WriteOutcome.Reject(errors.ToProblem());
                }

                var id = StreamFor(name!);
                if (await session.LoadAsync<SavedCohort>(id, ct) is not null)
                {
                    return WriteOutcome.Reject(NameTaken(name!));
                }

                session.Events.StartStream<SavedCohort>(id, new CohortDefinitionSaved(id, name!, 1, cohort, Note(request.Note)));
                return Saved(id, name!, 1);
            },
            (_, _) => Task.FromResult<ProblemDetails?>(NameTaken(Normalised(request.Name) ?? "")));

    [WolverinePost("/api/cohort-definitions/{definitionId}/versions", OperationId = "saveCohortDefinitionVersion")]
    [EndpointSummary("Save a new version of a cohort definition (the earlier versions stay as they were).")]
    [Authorize(Policy = Policies.Researcher)]
    [ProducesResponseType<CohortDefinitionSavedAnswer>(StatusCodes.Status201Created)]
    public static Task<IResult> NewVersion(
        Guid definitionId, SaveCohortVersion request, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue,
        TimeProvider time)
    {
        SavedCohort? saved = null;
        return WritePath.ExecuteAsync(http, session, time, request, [],
            async ct =>
            {
                saved = await session.LoadAsync<SavedCohort>(definitionId, ct);
                return saved is null ? new WriteTarget(null, NotFound) : new WriteTarget(saved.Versions.Count);
            },
            ct =>
            {
                var errors = new ValidationErrors();
                var cohort = RequestExportEndpoint.CheckCohort(request.Cohort, "cohort", catalogue, errors);
                if (errors.Any)
                {
                    return Task.FromResult(WriteOutcome.Reject(errors.ToProblem()));
                }

                var version = saved!.Versions.Count + 1;
                session.Events.Append(
                    definitionId, version, new CohortDefinitionSaved(definitionId, saved.Name, version, cohort, Note(request.Note)));
                return Task.FromResult(Saved(definitionId, saved.Name, version));
            },
            (_, _) => Task.FromResult<ProblemDetails?>(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Another version was saved at the same moment.",
                Detail = "Reload the definition, check its latest version, and save yours again.",
            }));
    }

    [WolverineGet("/api/cohort-definitions", OperationId = "listCohortDefinitions")]
    [EndpointSummary("List the saved cohort definitions, each with its latest version.")]
    [Authorize(Policy = Policies.Researcher)]
    public static async Task<IReadOnlyList<SavedCohortSummary>> List(IQuerySession session, CancellationToken ct) =>
        [.. (await session.Query<SavedCohort>().ToListAsync(ct))
            .OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)
            .Select(s => new SavedCohortSummary(s.Id, s.Name, s.Versions.Count, s.Versions[^1].SavedBy, s.Versions[^1].SavedAt))];

    [WolverineGet("/api/cohort-definitions/{definitionId}", OperationId = "getCohortDefinition")]
    [EndpointSummary("Get a saved cohort definition with every version.")]
    [Authorize(Policy = Policies.Researcher)]
    public static async Task<IResult> Get(Guid definitionId, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<SavedCohort>(definitionId, ct) is { } saved
            ? Results.Ok(new SavedCohortDetail(saved.Id, saved.Name, saved.Versions))
            : Results.Problem(NotFound);

    /// <summary>A definition's version for an export (the latest when none is named), or the error naming the field.</summary>
    public static async Task<(SavedCohortRef? Ref, CohortDefinition? Cohort)> ResolveAsync(
        IQuerySession session, Guid definitionId, int? version, ValidationErrors errors, CancellationToken ct)
    {
        var saved = await session.LoadAsync<SavedCohort>(definitionId, ct);
        if (saved is null)
        {
            errors.Add("cohortDefinition.definitionId", "No saved cohort definition has this id.");
            return (null, null);
        }

        var wanted = version ?? saved.Versions.Count;
        if (wanted < 1 || wanted > saved.Versions.Count)
        {
            errors.Add("cohortDefinition.version", $"'{saved.Name}' has versions 1 to {saved.Versions.Count}.");
            return (null, null);
        }

        return (new SavedCohortRef(saved.Id, saved.Name, wanted), saved.Versions[wanted - 1].Cohort);
    }

    /// <summary>A name as kept and compared: Unicode NFKC, runs of white space as one space, trimmed.</summary>
    public static string? Normalised(string? name) =>
        name is null ? null : Regex.Replace(name.Normalize(NormalizationForm.FormKC), @"\s+", " ").Trim();

    private static string? Note(string? note) => string.IsNullOrWhiteSpace(note) ? null : note.Trim();

    private static WriteOutcome Saved(Guid id, string name, int version) =>
        WriteOutcome.Accept(new WriteAnswer(StatusCodes.Status201Created, new CohortDefinitionSavedAnswer(id, name, version),
            $"/api/cohort-definitions/{id}"));

    private static ProblemDetails NameTaken(string name) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "A cohort definition has this name.",
        Detail = $"'{name}' is taken (names are compared ignoring case and spacing): save a new version of it, or choose another name.",
    };

    private static ProblemDetails NotFound => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No such cohort definition.",
    };
}
