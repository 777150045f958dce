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
    private static string Token(string issuer = "registry", string audience = "registry", string key = RegistryApp.SigningKey,
        DateTimeOffset? notBefore = null, DateTimeOffset? expires = null, string role = Roles.Monitor)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = "u1", ["role"] = role, ["sites"] = Array.Empty<string>() },
            IssuedAt = RegistryApp.Now.UtcDateTime.AddHours(-1),
            NotBefore = (notBefore ?? RegistryApp.Now.AddHours(-1)).UtcDateTime,
            Expires = (expires ?? RegistryApp.Now.AddHours(1)).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
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
    public async Task a_valid_token_is_accepted_and_a_role_outside_the_five_is_403()
    {
        await new ApiClient(Host, Token()).GetAsync("/api/catalogue", 200);
        await new ApiClient(Host, Token(role: "superuser")).GetAsync("/api/catalogue", 403);
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
