using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Reference;

/// <summary>One entry kind as the pages build its form: its kind module's form, its visit list.</summary>
public sealed record EntryKindForm(string Kind, string? List, string Title, string One, string? Add, IReadOnlyList<EntryField> Fields);

/// <summary>The entry kinds' forms and the vocabulary of their choices: what the pages' scripts no longer copy.</summary>
public sealed record EntryKindsResponse(
    IReadOnlyList<EntryKindForm> Kinds,
    IReadOnlyDictionary<string, IReadOnlyList<string[]>> Vocabulary);

public static class GetEntryKindsEndpoint
{

    [WolverineGet("/api/entry-kinds", OperationId = "getEntryKinds")]
    [EndpointSummary("Get the entry kinds' forms and their choices.")]
    [Authorize(Policy = Policies.AnyRole)]
    public static EntryKindsResponse Get() => new(EntryKinds.All.Select(Of).ToList(), Vocabulary.Lists);

    private static EntryKindForm Of(EntryKindModule module)
    {
        var form = module.Form;
        return new EntryKindForm(module.Name, module.VisitList, form.Title, form.One, form.Add, form.Fields);
    }
}
