using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Access;

/// <summary>
/// API.md's role matrix, walked whole: every endpoint × every role (and no token) × a patient of the
/// caller's own site and one of another site, asserting the status and that no data the caller may not
/// see is in the body. A new endpoint must be added here (a test fails until it is).
/// </summary>
public sealed class AccessMatrixTests(RegistryApp app) : ApiTest(app)
{
    private const string OwnSubject = "FR01-0001";
    private const string OtherSubject = "DE01-0001";

    private const string None = "none";
    private static readonly string[] Callers = [None, Roles.Site, Roles.Monitor, Roles.Pv, Roles.Researcher, Roles.Admin];

    private sealed record Row(string Route, string Method, string Url, Func<JsonObject?> Body, int[] Expected);

    /// <summary>Expected status per caller, in the order of <see cref="Callers"/>: none, site (FR01), monitor, pv, researcher, admin.</summary>
    private static readonly Row[] Matrix =
    [
        new("/api/sites", "POST", "/api/sites", () => Requests.Site("IT01"), [401, 403, 403, 403, 403, 201]),
        new("/api/catalogue", "GET", "/api/catalogue", () => null, [401, 200, 200, 200, 200, 200]),
        new("/api/patients", "POST", "/api/patients", () => Requests.Enrolment("FR01", "FR01-0099"), [401, 201, 403, 403, 403, 403]),
        new("/api/patients", "POST", "/api/patients", () => Requests.Enrolment("DE01", "DE01-0099"), [401, 403, 403, 403, 403, 403]),
        new("/api/patients", "GET", "/api/patients", () => null, [401, 200, 200, 200, 403, 403]),
        new("/api/patients", "GET", "/api/patients?siteId=DE01", () => null, [401, 403, 200, 200, 403, 403]),
        new("/api/patients/{patientId}", "GET", "/api/patients/{own}", () => null, [401, 200, 200, 200, 403, 403]),
        new("/api/patients/{patientId}", "GET", "/api/patients/{other}", () => null, [401, 404, 200, 200, 403, 403]),
        new("/api/audit", "GET", "/api/audit", () => null, [401, 403, 403, 403, 403, 200]),
    ];

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        for (var row = 0; row < Matrix.Length; row++)
        {
            foreach (var caller in Callers)
            {
                data.Add(row, caller);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task each_endpoint_answers_each_role_as_the_matrix_says(int rowIndex, string caller)
    {
        var row = Matrix[rowIndex];
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.RegisterSiteAsync("DE01");
        var own = await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment("FR01", OwnSubject));
        var other = await App.As(Roles.Site, "DE01").EnrolAsync(Requests.Enrolment("DE01", OtherSubject));

        var client = caller == None ? App.Anonymous : caller == Roles.Site ? App.As(Roles.Site, "FR01") : App.As(caller);
        var url = row.Url.Replace("{own}", own.ToString()).Replace("{other}", other.ToString());
        var expected = row.Expected[Array.IndexOf(Callers, caller)];

        var result = row.Method == "GET"
            ? await client.GetAsync(url, expected)
            : await client.PostAsync(url, row.Body()!, expected);

        var body = await result.ReadAsTextAsync();
        var mayReadOtherSites = caller is Roles.Monitor or Roles.Pv;
        if (expected >= 400)
        {
            Assert.DoesNotContain(OwnSubject, body);
            Assert.DoesNotContain(OtherSubject, body);
            Assert.DoesNotContain(other.ToString(), body);
        }
        else if (!mayReadOtherSites)
        {
            Assert.DoesNotContain(OtherSubject, body);
            Assert.DoesNotContain(other.ToString(), body);
        }
    }

    [Fact]
    public async Task a_site_user_lists_only_its_own_sites_patients()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.RegisterSiteAsync("DE01");
        await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment("FR01", OwnSubject));
        await App.As(Roles.Site, "DE01").EnrolAsync(Requests.Enrolment("DE01", OtherSubject));

        var seenBySite = await App.As(Roles.Site, "FR01").GetJsonArrayAsync("/api/patients");
        var seenByMonitor = await App.As(Roles.Monitor).GetJsonArrayAsync("/api/patients");

        Assert.Equal([OwnSubject], seenBySite.Select(p => p!["subjectCode"]!.GetValue<string>()));
        Assert.Equal(2, seenByMonitor.Count);
    }

    [Fact]
    public async Task a_sites_claim_naming_a_site_that_does_not_exist_grants_nothing()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment("FR01", OwnSubject));
        var ghost = App.As(Roles.Site, "ZZ00");

        Assert.Empty(await ghost.GetJsonArrayAsync("/api/patients"));
        var errors = await (await ghost.PostAsync("/api/patients", Requests.Enrolment("ZZ00", "ZZ00-1"), 400)).ValidationErrorsAsync();
        Assert.Contains("siteId", errors.Keys);
    }

    [Fact]
    public void every_endpoint_declares_its_roles_and_is_in_the_matrix()
    {
        var endpoints = App.Host.Services.GetServices<EndpointDataSource>()
            .SelectMany(s => s.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .ToList();
        Assert.NotEmpty(endpoints);

        foreach (var endpoint in endpoints)
        {
            var route = endpoint.RoutePattern.RawText!;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            Assert.True(policies.Count > 0 && policies.All(p => p is not null && Policies.RolesOf.ContainsKey(p)),
                $"{route} declares no registry policy ([Authorize(Policy = Policies.…)])");
            Assert.Null(endpoint.Metadata.GetMetadata<IAllowAnonymous>());

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [];
            foreach (var method in methods)
            {
                Assert.True(Matrix.Any(r => r.Route == route && r.Method == method), $"{method} {route} is missing from the access matrix");
            }
        }
    }
}
