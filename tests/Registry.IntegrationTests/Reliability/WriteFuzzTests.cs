using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Reliability;

/// <summary>
/// A property-based fuzzer (CsCheck): generated bodies, each a valid request with random damage (fields
/// dropped, values of every JSON kind in their place, hostile text and dates, unknown and repeated
/// fields, bodies that are not objects), sent to every write endpoint. The property: never a 5xx, and a
/// 4xx writes nothing. <c>REGISTRY_FUZZ_BODIES</c> sets the number of bodies per endpoint (default
/// 1,000, to keep CI well under its limit; ops/test.sh --long runs 100,000); the signature gets a fifth of them (each body
/// that gets that far hashes a password, on purpose slow). A failure prints the seed that reproduces it.
/// </summary>
public sealed class WriteFuzzTests(RegistryApp app) : ApiTest(app)
{
    private static readonly long BodiesPerEndpoint =
        long.TryParse(Environment.GetEnvironmentVariable("REGISTRY_FUZZ_BODIES"), out var n) && n > 0 ? n : 1_000;

    /// <summary>The bodies an endpoint gets: a signature a fifth (its password check costs a slow hash per body).</summary>
    private static long BodiesFor(string route) =>
        route.EndsWith("/signatures", StringComparison.Ordinal) ? Math.Max(1, BodiesPerEndpoint / 5) : BodiesPerEndpoint;

    private static readonly string[] RouteList =
    [
        "/api/sites", "/api/patients", "/api/patients/{patientId}/visits",
        "/api/patients/{patientId}/adverse-events/{adverseEventId}/follow-ups", "/api/patients/{patientId}/corrections",
        "/api/patients/{patientId}/voids", "/api/patients/{patientId}/withdrawal", "/api/patients/{patientId}/completion",
        "/api/safety/sae/{adverseEventId}/acknowledgement", "/api/safety/sae/{adverseEventId}/submissions", "/api/exports",
        "/api/patients/{patientId}/queries", "/api/patients/{patientId}/queries/{queryId}/answers",
        "/api/patients/{patientId}/queries/{queryId}/closure", "/api/patients/{patientId}/queries/{queryId}/reopening",
        "/api/patients/{patientId}/verifications", "/api/patients/{patientId}/signatures", "/api/patients/{patientId}/lock",
        "/api/patients/{patientId}/unlock", "/api/users", "/api/users/{username}/access", "/api/users/{username}/link",
        "/api/users/{username}/deactivation", "/api/users/{username}/reactivation", "/api/users/{username}/invitation",
        "/api/users/{username}/free-text", "/api/users/{username}/investigator", "/api/patients/{patientId}/enrolment/corrections",
        "/api/patients/{patientId}/enrolment/void", "/api/patients/{patientId}/regimen", "/api/patients/{patientId}/medication-stops",
        "/api/patients/{patientId}/transfer", "/api/cohort-locks", "/api/safety/sae/{adverseEventId}/follow-up-reports",
        "/api/safety/sae/{adverseEventId}/nullifications", "/api/safety/sae/{adverseEventId}/narratives",
        "/api/safety/sae/{adverseEventId}/amendments", "/api/cohort-definitions", "/api/cohort-definitions/{definitionId}/versions",
    ];

    private const long BodiesPerRound = 1_000;

    public static TheoryData<string> Routes() => new(RouteList);

    [Fact]
    public void the_fuzzer_covers_every_write_endpoint() =>
        Assert.Equal(WriteTargets.AllRoutes(Host.Services), RouteList.Order().ToList());

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task generated_bodies_never_get_a_5xx_and_a_4xx_writes_nothing(string route)
    {
        var statuses = new Dictionary<int, int>();
        var bodies = BodiesFor(route);

        // In rounds of at most 1,000 bodies on a fresh registry: accepted writes grow the patient's stream,
        // and a stream of thousands of entries would measure the fold, not the input handling.
        for (var sent = 0L; sent < bodies; sent += BodiesPerRound)
        {
            if (sent > 0)
            {
                await App.ResetAsync();
            }

            var targets = await WriteTargets.SetUpAsync(App);
            await App.WaitForProjectionsAsync();
            var mark = await DatabaseMark.CreateAsync(App.Database.ConnectionString);
            var target = targets.All.Single(t => t.Route == route);
            var token = App.Tokens.Issue(target.UserOr("fuzz"), target.Role, target.Sites);
            using var client = Host.Server.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var last = await mark.ReadAsync(); // requests run one at a time: one request's "after" is the next one's "before"

            await Bodies(target).SampleAsync(async body =>
            {
                var before = last;
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await client.PostAsync(target.Url, content);
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (status >= 500)
                {
                    throw new InvalidOperationException($"{status}: {await response.Content.ReadAsStringAsync()}");
                }

                last = await mark.ReadAsync();
                if (status >= 400 && last != before)
                {
                    throw new InvalidOperationException($"{status} but the database moved: {await response.Content.ReadAsStringAsync()}");
                }
            }, iter: Math.Min(BodiesPerRound, bodies - sent), threads: 1, print: body => Encoding.UTF8.GetString(body));
        }

        // The bodies reached past the body check too: some were decided by the endpoint itself.
        Assert.True(statuses.Values.Sum() == bodies, string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
        Assert.True(statuses.Count > 1, $"Only one answer for every body: {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}");
    }

    /// <summary>Bodies for one endpoint: its valid body damaged at random, as UTF-8 bytes.</summary>
    private static Gen<byte[]> Bodies(WriteTarget target) => Gen.Frequency(
        (18, Damaged(target.ValidBody).Select(node => Encoding.UTF8.GetBytes(node.ToJsonString()))),
        (1, Gen.OneOf<string>("null", "[]", "\"x\"", "0", "{", "}", "", "{\"a\":1,\"a\":1}", "[" + new string('{', 30), "{\"\\u0000\":1}")
            .Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Byte.Array[0, 64]));

    private static Gen<JsonObject> Damaged(Func<JsonObject> valid) =>
        Gen.Select(Gen.Int[0, 4].Array[12], Value.Array[12], Gen.String[Gen.Char.AlphaNumeric, 1, 12], Gen.Int[0, 9], (choices, values, extra, add) =>
        {
            var body = valid();
            var i = 0;
            foreach (var key in body.Select(p => p.Key).ToList())
            {
                switch (choices[i % choices.Length])
                {
                    case 0:
                        body.Remove(key);
                        break;
                    case 1:
                        body[key] = values[i % values.Length]?.DeepClone();
                        break;
                    case 2 when body[key] is JsonArray { Count: > 0 } list && list[0] is JsonObject entry:
                        var field = entry.Select(p => p.Key).ElementAt(i % entry.Count);
                        entry[field] = values[(i + 1) % values.Length]?.DeepClone();
                        break;
                    case 3 when body[key] is JsonObject { Count: > 0 } nested: // cohort, asOf, changes, regimen
                        var inner = nested.Select(p => p.Key).ElementAt(i % nested.Count);
                        nested[inner] = values[(i + 2) % values.Length]?.DeepClone();
                        break;
                }

                i++;
            }

            if (add == 0)
            {
                body[extra] = values[0]?.DeepClone();
            }

            return body;
        });

    /// <summary>A JSON value of any kind, leaning to what breaks parsers and rules.</summary>
    private static readonly Gen<JsonNode?> Value = Gen.Frequency(
        (2, Gen.Const(() => (JsonNode?)null)),
        (2, Gen.Int.Select(x => (JsonNode?)JsonValue.Create(x))),
        (1, Gen.Long.Select(x => (JsonNode?)JsonValue.Create(x))),
        (2, Gen.Double.Select(x => (JsonNode?)(double.IsFinite(x) ? JsonValue.Create(x) : JsonValue.Create(0.0)))),
        (1, Gen.Bool.Select(x => (JsonNode?)JsonValue.Create(x))),
        (3, Gen.String.Select(x => (JsonNode?)JsonValue.Create(x))),
        (1, Gen.Char.Array[0, 8].Select(x => (JsonNode?)JsonValue.Create(new string(x)))),
        (1, Gen.Int[0, 6000].Select(x => (JsonNode?)JsonValue.Create(new string('é', x)))),
        (3, Gen.Select(Gen.Int[1, 9999], Gen.Int[0, 13], Gen.Int[0, 32],
            (y, m, d) => (JsonNode?)JsonValue.Create($"{y:0000}-{m:00}-{d:00}"))),
        (1, Gen.OneOf<string>("sle", "standalone", "induction", "cgi-s", "hospitalisation", "transcription-error", "FR01", "")
            .Select(x => (JsonNode?)JsonValue.Create(x))),
        (1, Gen.Guid.Select(x => (JsonNode?)JsonValue.Create(x))),
        (1, Gen.Select(Gen.Int[-14, 14], Gen.Int[1, 9999], (h, y) => (JsonNode?)JsonValue.Create($"{y:0000}-06-01T10:00:00{(h < 0 ? "-" : "+")}{Math.Abs(h):00}:00"))),
        (1, Gen.Int[0, 150].Select(x => (JsonNode?)new JsonArray(Enumerable.Range(0, x).Select(_ => (JsonNode?)new JsonObject()).ToArray()))),
        (1, Gen.Const(() => (JsonNode?)new JsonObject { ["nested"] = new JsonObject { ["deeper"] = new JsonArray(1, "2", null) } })));
}
