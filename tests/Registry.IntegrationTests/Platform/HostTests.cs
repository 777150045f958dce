using System.Text.Json.Nodes;
using Alba;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Platform;

public sealed class HostTests(RegistryApp app) : ApiTest(app)
{
    [Fact]
    public async Task live_and_ready_answer_when_the_database_does()
    {
        await Host.Scenario(s => s.Get.Url("/health/live"));
        var ready = await Host.Scenario(s => s.Get.Url("/health/ready"));
        Assert.Equal("Healthy", await ready.ReadAsTextAsync());
    }

    [Fact]
    public async Task the_openapi_document_describes_every_endpoint_with_its_schemas()
    {
        var document = await App.Anonymous.GetJsonAsync("/openapi/v1.json");
        var paths = document["paths"]!.AsObject();

        Assert.Contains("/api/sites", paths.Select(p => p.Key));
        Assert.Contains("/api/catalogue", paths.Select(p => p.Key));
        Assert.Contains("/api/patients", paths.Select(p => p.Key));
        Assert.Contains("/api/patients/{patientId}", paths.Select(p => p.Key));
        Assert.NotNull(paths["/api/patients"]!["post"]!["requestBody"]);
        Assert.NotNull(paths["/api/patients"]!["get"]!["responses"]!["200"]);
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.Contains("EnrolPatient", schemas.Select(s => s.Key));
        Assert.Contains("PatientDetail", schemas.Select(s => s.Key));
    }
}
