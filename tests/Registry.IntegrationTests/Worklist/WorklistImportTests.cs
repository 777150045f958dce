using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Registry.Access;
using Registry.Catalogue;
using Registry.Demo;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Worklist;

/// <summary>The worklist of patients brought in by the bulk import (the demo data, the benchmark's registry).</summary>
public sealed class WorklistImportTests(RegistryApp app) : ApiTest(app)
{
    [Fact]
    public async Task imported_patients_are_on_their_sites_worklist_a_page_at_a_time()
    {
        var catalogue = Host.Services.GetRequiredService<DiseaseCatalogue>();
        var import = new BulkImport(App.Store, catalogue, App.Clock);
        await import.ImportAsync(
            new BasketGenerator(catalogue, 5, DateOnly.FromDateTime(RegistryApp.Now.UtcDateTime)).Patients(60, 2), 30, null, CancellationToken.None);
        await import.RebuildInlineProjectionsAsync(CancellationToken.None);

        var nurse = App.AsUser("nurse-s001", Roles.Site, "S001");
        var first = await nurse.GetAsync("/api/worklist?siteId=S001&limit=10");
        var body = JsonNode.Parse(await first.ReadAsTextAsync())!.AsObject();

        Assert.Equal(10, body["patients"]!.AsArray().Count);
        Assert.NotEmpty(first.Context.Response.Headers["X-Next-Page"].ToString());
    }
}
