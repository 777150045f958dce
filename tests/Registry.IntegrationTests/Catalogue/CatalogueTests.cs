using System.Text.Json.Nodes;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Catalogue;

public sealed class CatalogueTests(RegistryApp app) : ApiTest(app)
{
    [Fact]
    public async Task serves_every_disease_of_the_seed_with_its_instruments_and_cgi()
    {
        var catalogue = await App.As("researcher").GetJsonAsync("/api/catalogue");
        var diseases = catalogue["diseases"]!.AsArray().Select(d => d!.AsObject()).ToList();

        Assert.Equal(
            ["aih", "as", "behcet", "crohn", "gpa", "gvhd", "myositis", "psc", "psoriasis", "ra", "sjogren", "sle", "t1d", "takayasu", "uc"],
            diseases.Select(d => d["code"]!.GetValue<string>()).Order());
        Assert.All(diseases, d =>
        {
            var codes = d["instruments"]!.AsArray().Select(i => i!["code"]!.GetValue<string>()).ToList();
            Assert.Contains("cgi-s", codes);
            Assert.Contains("cgi-i", codes);
        });

        var sle = diseases.Single(d => d["code"]!.GetValue<string>() == "sle");
        var sledai = sle["instruments"]!.AsArray().Single(i => i!["code"]!.GetValue<string>() == "sledai-2k")!;
        Assert.Equal(0, sledai["min"]!.GetValue<decimal>());
        Assert.Equal(105, sledai["max"]!.GetValue<decimal>());
        Assert.True(sledai["integer"]!.GetValue<bool>());
        Assert.True(sledai["higherIsWorse"]!.GetValue<bool>());
        Assert.Contains("SRI-4", sledai["primaryRule"]!.GetValue<string>());

        var myositis = diseases.Single(d => d["code"]!.GetValue<string>() == "myositis");
        var mmt8 = myositis["instruments"]!.AsArray().Single(i => i!["code"]!.GetValue<string>() == "mmt8")!;
        Assert.False(mmt8["higherIsWorse"]!.GetValue<bool>());
    }
}
