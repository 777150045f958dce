using System.Text.Json.Nodes;
using Alba;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Registry.Hosting;
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
    public async Task readiness_fails_when_the_projections_fall_further_behind_than_allowed()
    {
        var store = Host.Services.GetRequiredService<Marten.IDocumentStore>();
        var strict = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Health:MaxProjectionLag"] = "-1" }).Build();
        var lenient = new ConfigurationBuilder().Build();

        var failing = await new ProjectionHealthCheck(store, strict, Host.Services.GetRequiredService<Registry.Cohorts.ProjectionStatus>()).CheckHealthAsync(new HealthCheckContext());
        var passing = await new ProjectionHealthCheck(store, lenient, Host.Services.GetRequiredService<Registry.Cohorts.ProjectionStatus>()).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, failing.Status);
        Assert.Equal(HealthStatus.Healthy, passing.Status);
    }

    [Fact]
    public async Task the_metrics_are_not_served_to_callers_beyond_the_machine()
    {
        // The test server's caller has no loopback address, as a caller from the network would not.
        await Host.Scenario(s =>
        {
            s.Get.Url("/metrics");
            s.StatusCodeShouldBe(404);
        });
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
