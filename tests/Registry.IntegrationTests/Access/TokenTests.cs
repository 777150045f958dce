using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Access;

public sealed class TokenTests(RegistryApp app) : ApiTest(app)
{
    private static string Token(string issuer = "registry", string audience = "registry", string? key = null,
        DateTimeOffset? notBefore = null, DateTimeOffset? expires = null, object? role = null, string[]? sites = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = "u1", ["role"] = role ?? Roles.Monitor, ["sites"] = sites ?? [] },
            IssuedAt = RegistryApp.Now.UtcDateTime.AddHours(-1),
            NotBefore = (notBefore ?? RegistryApp.Now.AddHours(-1)).UtcDateTime,
            Expires = (expires ?? RegistryApp.Now.AddHours(1)).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key ?? RegistryApp.SigningKey)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public static TheoryData<string, string?> BadTokens() => new()
    {
        { "missing", null },
        { "not a token", "not-a-token" },
        { "expired", Token(expires: RegistryApp.Now.AddMinutes(-5)) },
        { "not yet valid", Token(notBefore: RegistryApp.Now.AddMinutes(5)) },
        { "wrongly signed", Token(key: "another-key-that-is-long-enough-0123456789") },
        { "wrongly issued", Token(issuer: "someone-else") },
        { "for another audience", Token(audience: "another-api") },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task a_bad_token_is_401_and_says_nothing_that_helps_an_attacker(string why, string? token)
    {
        var result = await new ApiClient(Host, token).GetAsync("/api/catalogue", 401);

        var challenge = result.Context.Response.Headers.WWWAuthenticate.ToString();
        Assert.True(challenge == "Bearer", $"{why}: the challenge says '{challenge}', more than 'Bearer'");
        var body = await result.ReadAsTextAsync();
        Assert.DoesNotContain("expired", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("signature", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("issuer", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("audience", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task a_valid_token_is_accepted_and_a_role_outside_the_five_is_refused()
    {
        await new ApiClient(Host, Token()).GetAsync("/api/catalogue", 200);
        await new ApiClient(Host, Token(role: "superuser")).GetAsync("/api/catalogue", 401);
    }

    /// <summary>
    /// The attack: a token naming two roles, <c>["monitor","site"]</c>, passed the site-staff policy by its "site" role
    /// and was then treated as a monitor (cross-site), so it could write to any site's patients. A token carries
    /// exactly one role: this one opens nothing, reads or writes, API or pages.
    /// </summary>
    [Fact]
    public async Task a_token_with_two_roles_opens_nothing()
    {
        await App.Admin.RegisterSiteAsync("FR01", "UTC");
        await App.Admin.RegisterSiteAsync("DE01", "UTC");
        var other = await App.AsUser("nurse-de", Roles.Site, "DE01").EnrolAsync(Requests.Enrolment("DE01", "DE01-0001"));
        var both = new ApiClient(Host, Token(role: new[] { Roles.Monitor, Roles.Site }, sites: ["FR01"]));
        var visit = new System.Text.Json.Nodes.JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-29",
            ["notDone"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["item"] = "dose",
                ["dueOn"] = "2026-11-29",
                ["reason"] = "held",
            }),
        };

        await both.PostAsync($"/api/patients/{other}/visits", visit, 401);
        await both.GetAsync($"/api/patients/{other}", 401);
        await both.GetAsync("/api/cohorts", 401);
        await new ApiClient(Host, Token(role: new[] { Roles.Site, Roles.Site }, sites: ["FR01"])).GetAsync("/api/worklist", 401);
        // The sign-in form refuses it twice over: no antiforgery field, and no pasted tokens in Production.
        var page = await App.Anonymous.SendAsync(HttpMethod.Post, "/signin", null, 400, s =>
            s.Body.WriteFormData(new Dictionary<string, string> { ["token"] = Token(role: new[] { Roles.Monitor, Roles.Site }) }));
        Assert.DoesNotContain("registry.session", page.Context.Response.Headers.SetCookie.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_token_expires_with_the_registrys_clock()
    {
        var token = Token(expires: RegistryApp.Now.AddMinutes(10));
        await new ApiClient(Host, token).GetAsync("/api/catalogue", 200);

        App.Clock.Advance(TimeSpan.FromMinutes(11));

        await new ApiClient(Host, token).GetAsync("/api/catalogue", 401);
    }

    [Fact]
    public void the_token_issuer_mints_what_the_registry_accepts()
    {
        var issuer = new TokenIssuer(Options.Create(new AuthOptions { SigningKey = RegistryApp.SigningKey }), new FakeTimeProvider(RegistryApp.Now));
        var token = new JsonWebToken(issuer.Issue("nurse1", Roles.Site, ["FR01", "FR02"]));

        Assert.Equal("nurse1", token.Subject);
        Assert.Equal("site", token.GetClaim("role").Value);
        Assert.Equal(["FR01", "FR02"], token.Claims.Where(c => c.Type == "sites").Select(c => c.Value));
        Assert.Equal(RegistryApp.Now.AddHours(8).UtcDateTime, token.ValidTo);
    }
}
