using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Catalogue;
using Wolverine.Http;

namespace Registry.Reference;

public sealed record CatalogueResponse(IReadOnlyList<Disease> Diseases);

public static class GetCatalogueEndpoint
{
    [WolverineGet("/api/catalogue", OperationId = "getCatalogue")]
    [EndpointSummary("Get the diseases and their instruments.")]
    [Authorize(Policy = Policies.AnyRole)]
    public static CatalogueResponse Get(DiseaseCatalogue catalogue) => new(catalogue.Diseases);
}
