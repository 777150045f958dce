using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;

namespace Registry.IntegrationTests.Infrastructure;

/// <summary>Requests the tests make often, written as a client would send them.</summary>
public static class Requests
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static JsonObject Site(string siteId = "FR01", string timeZone = "Europe/Paris") => new()
    {
        ["siteId"] = siteId,
        ["name"] = $"Site {siteId}",
        ["country"] = "FR",
        ["timeZone"] = timeZone,
    };

    public static JsonObject Enrolment(string siteId = "FR01", string subjectCode = "FR01-0007") => new()
    {
        ["subjectCode"] = subjectCode,
        ["siteId"] = siteId,
        ["diseaseCode"] = "sle",
        ["birthYear"] = 1984,
        ["sex"] = "female",
        ["enrolledOn"] = "2026-03-02",
        ["consentVersion"] = "v2",
        ["therapyLine"] = "standalone",
        ["setting"] = "routine",
        ["regimen"] = new JsonObject { ["inductionDays"] = 5, ["maintenanceIntervalDays"] = 14 },
    };

    public static async Task<IScenarioResult> PostJsonAsync(this IAlbaHost host, string url, JsonNode body, int expectedStatus)
    {
        return await host.Scenario(s =>
        {
            s.Post.Text(body.ToJsonString()).ToUrl(url);
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(expectedStatus);
        });
    }

    public static async Task RegisterSiteAsync(this IAlbaHost host, string siteId = "FR01", string timeZone = "Europe/Paris") =>
        await host.PostJsonAsync("/api/sites", Site(siteId, timeZone), 201);

    public static async Task<Guid> EnrolAsync(this IAlbaHost host, JsonObject enrolment)
    {
        var result = await host.PostJsonAsync("/api/patients", enrolment, 201);
        return (await result.ReadAsJsonAsync<JsonObject>())!["patientId"]!.GetValue<Guid>();
    }

    public static async Task<JsonObject> GetJsonAsync(this IAlbaHost host, string url, int expectedStatus = 200)
    {
        var result = await host.Scenario(s =>
        {
            s.Get.Url(url);
            s.StatusCodeShouldBe(expectedStatus);
        });
        return JsonNode.Parse(await result.ReadAsTextAsync())!.AsObject();
    }

    public static async Task<JsonArray> GetJsonArrayAsync(this IAlbaHost host, string url)
    {
        var result = await host.Scenario(s => s.Get.Url(url));
        return JsonNode.Parse(await result.ReadAsTextAsync())!.AsArray();
    }

    /// <summary>The problem's <c>errors</c> object: JSON path → messages.</summary>
    public static async Task<Dictionary<string, string[]>> ValidationErrorsAsync(this IScenarioResult result)
    {
        Assert.Equal("application/problem+json", result.Context.Response.ContentType?.Split(';')[0]);
        var problem = JsonNode.Parse(await result.ReadAsTextAsync())!.AsObject();
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        return problem["errors"]!.Deserialize<Dictionary<string, string[]>>(Json)!;
    }
}
