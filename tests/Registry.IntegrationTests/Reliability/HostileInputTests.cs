using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Reliability;

/// <summary>
/// Every write endpoint × every kind of bad body a client (or an attacker) sends: always a 4xx that
/// names the problem, never a 5xx, and nothing written. A new POST endpoint fails the first test until
/// it is listed in <see cref="WriteTargets"/>.
/// </summary>
public sealed class HostileInputTests(RegistryApp app) : ApiTest(app)
{
    private WriteTargets _targets = null!;
    private DatabaseMark _mark = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _targets = await WriteTargets.SetUpAsync(App);
        await App.WaitForProjectionsAsync();
        _mark = await DatabaseMark.CreateAsync(App.Database.ConnectionString);
    }

    public static TheoryData<string> Bodies() =>
    [
        "null", "[]", "[{}]", "\"text\"", "42", "true", "{", "{\"a\":1}}", "", "   ",
        new string('[', 200) + new string(']', 200),
        "{\"x\":" + new string('[', 40) + new string(']', 40) + "}",
    ];

    [Fact]
    public void every_post_endpoint_is_listed_for_these_tests()
    {
        var listed = _targets.All.Select(t => t.Route).Order().ToList();
        Assert.Equal(WriteTargets.AllRoutes(Host.Services), listed);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task a_body_that_is_not_a_json_object_is_a_400_on_every_write_and_writes_nothing(string body)
    {
        foreach (var target in _targets.All)
        {
            var (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(body));
            if (target.Route.EndsWith("acknowledgement", StringComparison.Ordinal) && body.Trim().Length == 0)
            {
                continue; // takes no body: an empty one is what it expects
            }

            Assert.True(status == 400, $"{target.Route} answered {status} to {Shorten(body)}: {problem}");
            Assert.Contains("\"$\"", problem);
        }
    }

    [Fact]
    public async Task control_characters_unknown_fields_old_dates_and_oversize_text_are_400s_naming_the_field()
    {
        foreach (var target in _targets.All.Where(t => t.ValidBody().Count > 0))
        {
            var valid = target.ValidBody();
            var field = valid.First(p => p.Value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String).Key;

            var withNul = target.ValidBody();
            withNul[field] = "abc\u0000def";
            await ExpectFieldErrorAsync(target, withNul, field, "control character");

            var withBell = target.ValidBody();
            withBell[field] = "abc\u0007";
            await ExpectFieldErrorAsync(target, withBell, field, "control character");

            // Not XML: the texts go into E2B reports.
            var notXml = target.ValidBody();
            notXml[field] = "abc\uFFFF";
            await ExpectFieldErrorAsync(target, notXml, field, "control character");

            var unknown = target.ValidBody();
            unknown["outcom"] = "recovered";
            await ExpectFieldErrorAsync(target, unknown, "outcom", "does not know");

            // A case narrative may be longer than other texts (LongText).
            var narrative = target.Route.EndsWith("/narratives", StringComparison.Ordinal);
            var longText = target.ValidBody();
            longText[field] = new string('x', narrative ? 20_001 : 4001);
            await ExpectFieldErrorAsync(target, longText, field, narrative ? "20,000 characters" : "4,000 characters");

            var date = valid.FirstOrDefault(p => p.Value is JsonValue v && v.ToString().StartsWith("2026-", StringComparison.Ordinal)).Key;
            if (date is not null)
            {
                var old = target.ValidBody();
                old[date] = "1899-12-31";
                await ExpectFieldErrorAsync(target, old, date, "before 1900");
            }
        }
    }

    [Fact]
    public async Task a_misspelled_field_inside_an_entry_is_named_with_its_path_and_a_suggestion()
    {
        var visit = new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-21",
            ["adverseEvents"] = new JsonArray(Requests.AdverseEvent(Guid.NewGuid())),
        };
        visit["adverseEvents"]![0]!.AsObject().Remove("outcome");
        visit["adverseEvents"]![0]!["outcom"] = "recovered";

        var errors = await (await App.As(Roles.Site, "FR01").PostAsync($"/api/patients/{_targets.Patient}/visits", visit, 400)).ValidationErrorsAsync();
        var message = Assert.Single(errors["adverseEvents[0].outcom"]);
        Assert.Contains("did you mean 'outcome'", message);
    }

    [Fact]
    public async Task a_field_given_twice_is_a_400_naming_it()
    {
        foreach (var target in _targets.All.Where(t => t.ValidBody().Count > 0))
        {
            var body = target.ValidBody();
            var field = body.First().Key;
            var text = body.ToJsonString();
            var twice = "{" + $"\"{field}\":{body[field]!.ToJsonString()}," + text[1..];
            var (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(twice));
            Assert.True(status == 400, $"{target.Route} answered {status}: {problem}");
            Assert.Contains("given twice", JsonNode.Parse(problem)!["errors"]![field]![0]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task a_correction_gets_the_same_checks_as_a_new_entry_for_the_fields_it_changes()
    {
        var target = _targets.All.First(t => t.Route.EndsWith("/corrections", StringComparison.Ordinal));
        var body = target.ValidBody();
        body["changes"] = new JsonObject { ["onsetOn"] = "1850-01-01" };
        var (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(body.ToJsonString()));
        Assert.Equal(400, status);
        Assert.Contains("before 1900", JsonNode.Parse(problem)!["errors"]!["changes.onsetOn"]![0]!.GetValue<string>());

        body["changes"] = new JsonObject { ["term"] = "rash\u0000" };
        (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(body.ToJsonString()));
        Assert.Equal(400, status);
        Assert.Contains("control character", JsonNode.Parse(problem)!["errors"]!["changes.term"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task invalid_utf8_and_a_non_json_content_type_are_refused()
    {
        var target = _targets.All.First(t => t.Route.EndsWith("/visits", StringComparison.Ordinal));
        var (status, problem) = await SendAsync(target, [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        Assert.Equal(400, status);
        Assert.Contains("UTF-8", problem);

        (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(target.ValidBody().ToJsonString()), contentType: "text/plain");
        Assert.True(status == 415, problem);
        Assert.Contains("application/json", problem);
    }

    [Fact]
    public async Task a_body_over_one_mebibyte_is_a_413_and_twenty_thousand_doses_a_short_400()
    {
        var target = _targets.All.First(t => t.Route.EndsWith("/visits", StringComparison.Ordinal));
        var huge = target.ValidBody();
        huge["doses"] = new JsonArray(Enumerable.Range(0, 30_000).Select(_ => (JsonNode)new JsonObject { ["lot"] = "0123456789012345678901234567890123456789" }).ToArray());
        var (status, _) = await SendAsync(target, Encoding.UTF8.GetBytes(huge.ToJsonString()));
        Assert.Equal(413, status);

        var many = target.ValidBody();
        many["doses"] = new JsonArray(Enumerable.Range(0, 20_000).Select(_ => (JsonNode)new JsonObject()).ToArray());
        (status, var problem) = await SendAsync(target, Encoding.UTF8.GetBytes(many.ToJsonString()));
        Assert.Equal(400, status);
        Assert.Contains("At most 100 entries", problem);
        Assert.True(problem.Length < 2_000, $"The answer should be short, was {problem.Length} characters.");
    }

    [Fact]
    public async Task the_error_list_stops_at_fifty_and_says_there_were_more()
    {
        var target = _targets.All.First(t => t.Route.EndsWith("/visits", StringComparison.Ordinal));
        var visit = target.ValidBody();
        visit["doses"] = new JsonArray(Enumerable.Range(0, 100).Select(_ => (JsonNode)new JsonObject { ["givenOn"] = "1800-01-01", ["lot"] = "\u0001" }).ToArray());
        var (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(visit.ToJsonString()));
        Assert.Equal(400, status);
        var errors = JsonNode.Parse(problem)!["errors"]!.AsObject();
        Assert.Equal(51, errors.Sum(e => e.Value!.AsArray().Count));
        Assert.Contains("more problems than the 50", errors["$"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task the_rules_own_error_list_also_stops_at_fifty_and_says_how_many_there_were()
    {
        var target = _targets.All.First(t => t.Route.EndsWith("/visits", StringComparison.Ordinal));
        var visit = target.ValidBody();
        visit["doses"] = new JsonArray(Enumerable.Range(0, 100).Select(_ => (JsonNode)new JsonObject
        {
            ["givenOn"] = "2026-11-21",
            ["doseIu"] = 1,
            ["route"] = "subcutaneous",
            ["phase"] = "induction",
        }).ToArray());
        var (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(visit.ToJsonString()));
        Assert.Equal(400, status);
        var errors = JsonNode.Parse(problem)!["errors"]!.AsObject();
        Assert.Equal(51, errors.Sum(e => e.Value!.AsArray().Count));
        Assert.Contains("the first 50 are named here", errors["$"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task an_oversize_or_non_ascii_idempotency_key_is_a_400_even_on_a_valid_write()
    {
        foreach (var key in new[] { new string('k', 8 * 1024), "key with spaces", "clé" })
        {
            var target = _targets.All.First(t => t.Route.EndsWith("/visits", StringComparison.Ordinal));
            var (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(target.ValidBody().ToJsonString()), idempotencyKey: key);
            Assert.Equal(400, status);
            Assert.Contains("Idempotency-Key", problem);
        }
    }

    private async Task ExpectFieldErrorAsync(WriteTarget target, JsonObject body, string path, string words)
    {
        var (status, problem) = await SendAsync(target, Encoding.UTF8.GetBytes(body.ToJsonString()));
        Assert.True(status == 400, $"{target.Route} answered {status} for {path}: {problem}");
        var errors = JsonNode.Parse(problem)!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(path), $"{target.Route}: expected an error at {path}, got {problem}");
        Assert.Contains(words, errors[path]![0]!.GetValue<string>());
    }

    /// <summary>Sends raw bytes; asserts the database did not move when the answer is a 4xx.</summary>
    private async Task<(int Status, string Problem)> SendAsync(
        WriteTarget target, byte[] body, string contentType = "application/json", string? idempotencyKey = null)
    {
        var before = await _mark.ReadAsync();
        using var client = Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", App.Tokens.Issue(target.UserOr("user"), target.Role, target.Sites));
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status < 500, $"{target.Route} answered {status}: {text}");
        if (status >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(before, await _mark.ReadAsync());
        }

        return (status, text);
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
