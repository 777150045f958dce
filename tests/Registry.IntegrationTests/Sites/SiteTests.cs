using System.Text.Json.Nodes;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Sites;

public sealed class SiteTests(RegistryApp app) : ApiTest(app)
{
    [Fact]
    public async Task registers_a_site()
    {
        var result = await App.Admin.PostAsync("/api/sites", Requests.Site("FR01", "Europe/Paris"), 201);

        var body = JsonNode.Parse(await result.ReadAsTextAsync())!;
        Assert.Equal("FR01", body["siteId"]!.GetValue<string>());
        Assert.Equal("Europe/Paris", body["timeZone"]!.GetValue<string>());
    }

    [Fact]
    public async Task the_time_zone_defaults_to_utc()
    {
        var request = Requests.Site("FR01");
        request.Remove("timeZone");

        var result = await App.Admin.PostAsync("/api/sites", request, 201);

        Assert.Equal("UTC", JsonNode.Parse(await result.ReadAsTextAsync())!["timeZone"]!.GetValue<string>());
    }

    public static TheoryData<Action<JsonObject>, string> InvalidSites() => new()
    {
        { r => r.Remove("siteId"), "siteId" },
        { r => r["siteId"] = "FR 01", "siteId" },
        { r => r["name"] = " ", "name" },
        { r => r["country"] = "France", "country" },
        { r => r["timeZone"] = "Paris", "timeZone" },
    };

    [Theory]
    [MemberData(nameof(InvalidSites))]
    public async Task rejects_an_invalid_site(Action<JsonObject> spoil, string path)
    {
        var request = Requests.Site();
        spoil(request);

        var errors = await (await App.Admin.PostAsync("/api/sites", request, 400)).ValidationErrorsAsync();

        Assert.Contains(path, errors.Keys);
    }

    [Fact]
    public async Task a_site_id_already_registered_is_a_conflict()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.PostAsync("/api/sites", Requests.Site("FR01"), 409);
    }
}
