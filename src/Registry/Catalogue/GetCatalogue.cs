using Wolverine.Http;

namespace Registry.Catalogue;

public sealed record CatalogueResponse(IReadOnlyList<Disease> Diseases);

public static class GetCatalogueEndpoint
{
    [WolverineGet("/api/catalogue", OperationId = "getCatalogue")]
    public static CatalogueResponse Get(DiseaseCatalogue catalogue) => new(catalogue.Diseases);
}
