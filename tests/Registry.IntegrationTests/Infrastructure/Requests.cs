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

    /// <param name="enrolledOn">Tests on the real clock (the browser tests) pass a date relative to today.</param>
    public static JsonObject Enrolment(string siteId = "FR01", string subjectCode = "FR01-0007", string enrolledOn = "2026-03-02") => new()
    {
        ["subjectCode"] = subjectCode,
        ["siteId"] = siteId,
        ["diseaseCode"] = "sle",
        ["birthYear"] = 1984,
        ["sex"] = "female",
        ["enrolledOn"] = enrolledOn,
        ["consentVersion"] = "v2",
        ["therapyLine"] = "standalone",
        ["setting"] = "routine",
        ["regimen"] = new JsonObject { ["inductionDays"] = 5, ["maintenanceIntervalDays"] = 14 },
    };

    public static JsonObject AdverseEvent(Guid adverseEventId, string onsetOn = "2026-11-19", string awareOn = "2026-11-20") => new()
    {
        ["adverseEventId"] = adverseEventId,
        ["onsetOn"] = onsetOn,
        ["awareOn"] = awareOn,
        ["term"] = "injection site erythema",
        ["meddraPtCode"] = "10022061",
        ["meddraSocCode"] = "10018065",
        ["grade"] = 1,
        ["seriousCriteria"] = new JsonArray(),
        ["causality"] = "probable",
        ["expected"] = true,
        ["outcome"] = "recovering",
        ["actionTaken"] = "none",
    };

    /// <summary>The problem's <c>errors</c> object: JSON path → messages.</summary>
    public static async Task<Dictionary<string, string[]>> ValidationErrorsAsync(this IScenarioResult result)
    {
        Assert.Equal("application/problem+json", result.Context.Response.ContentType?.Split(';')[0]);
        var problem = JsonNode.Parse(await result.ReadAsTextAsync())!.AsObject();
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        return problem["errors"]!.Deserialize<Dictionary<string, string[]>>(Json)!;
    }
}

/// <summary>A caller of the API with one token (or none), as a site system or a script would be.</summary>
public sealed class ApiClient(IAlbaHost host, string? token)
{
    public async Task<IScenarioResult> SendAsync(HttpMethod method, string url, JsonNode? body, int expectedStatus, Action<Scenario>? configure = null)
    {
        return await host.Scenario(s =>
        {
            if (method == HttpMethod.Get)
            {
                s.Get.Url(url);
            }
            else
            {
                s.Post.Json(body ?? new JsonObject(), JsonStyle.MinimalApi).ToUrl(url);
            }

            if (token is not null)
            {
                s.WithRequestHeader("Authorization", $"Bearer {token}");
            }

            configure?.Invoke(s);
            if (expectedStatus != 0)
            {
                s.StatusCodeShouldBe(expectedStatus);
            }
        });
    }

    /// <summary>Posts a body exactly as given, JSON or not.</summary>
    public async Task<IScenarioResult> PostRawAsync(string url, string body, int expectedStatus)
    {
        return await host.Scenario(s =>
        {
            s.Post.Text(body).ToUrl(url);
            s.WithRequestHeader("Content-Type", "application/json");
            if (token is not null)
            {
                s.WithRequestHeader("Authorization", $"Bearer {token}");
            }

            s.StatusCodeShouldBe(expectedStatus);
        });
    }

    public Task<IScenarioResult> PostAsync(string url, JsonNode body, int expectedStatus, Action<Scenario>? configure = null) =>
        SendAsync(HttpMethod.Post, url, body, expectedStatus, configure);

    public Task<IScenarioResult> GetAsync(string url, int expectedStatus = 200, Action<Scenario>? configure = null) =>
        SendAsync(HttpMethod.Get, url, null, expectedStatus, configure);

    public async Task<JsonObject> GetJsonAsync(string url, int expectedStatus = 200) =>
        JsonNode.Parse(await (await GetAsync(url, expectedStatus)).ReadAsTextAsync())!.AsObject();

    public async Task<JsonArray> GetJsonArrayAsync(string url) =>
        JsonNode.Parse(await (await GetAsync(url)).ReadAsTextAsync())!.AsArray();

    public async Task RegisterSiteAsync(string siteId = "FR01", string timeZone = "Europe/Paris") =>
        await PostAsync("/api/sites", Requests.Site(siteId, timeZone), 201);

    public async Task<Guid> EnrolAsync(JsonObject enrolment)
    {
        var result = await PostAsync("/api/patients", enrolment, 201);
        return JsonNode.Parse(await result.ReadAsTextAsync())!["patientId"]!.GetValue<Guid>();
    }
}
