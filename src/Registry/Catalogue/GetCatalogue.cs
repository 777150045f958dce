using Microsoft.AspNetCore.Authorization;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Catalogue;

public sealed record CatalogueResponse(IReadOnlyList<Disease> Diseases);

public static class GetCatalogueEndpoint
{
    [WolverineGet("/api/catalogue", OperationId = "getCatalogue")]
    [Authorize(Policy = Policies.AnyRole)]
    public static CatalogueResponse Get(DiseaseCatalogue catalogue) => new(catalogue.Diseases);
}
