using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Safety;

/// <summary>SAE clocks, pv actions, the line listing and the live stream, through the API. Today is 2026-11-29.</summary>
public sealed class SaeApiTests(RegistryApp app) : ApiTest(app)
{
    private ApiClient Nurse => App.AsUser("nurse1", Roles.Site, "FR01");

    private ApiClient Pv => App.AsUser("pv1", Roles.Pv);

    private Guid _patientId;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01", "Europe/Paris");
        _patientId = await Nurse.EnrolAsync(Requests.Enrolment());
    }

    private async Task<Guid> RecordSaeAsync(bool expected = false, string awareOn = "2026-11-28", string? term = null)
    {
        var aeId = Guid.NewGuid();
        var sae = Requests.AdverseEvent(aeId, "2026-11-27", awareOn);
        if (term is not null)
        {
            sae["term"] = term;
        }

        sae["seriousCriteria"] = new JsonArray("hospitalisation");
        sae["grade"] = 3;
        sae["expected"] = expected;
        sae["causality"] = "possible";
        await Nurse.PostAsync($"/api/patients/{_patientId}/visits", new JsonObject { ["visitId"] = Guid.NewGuid(), ["visitDate"] = "2026-11-28", ["adverseEvents"] = new JsonArray(sae) }, 201);
        return aeId;
    }

    private async Task<JsonObject> ClockAsync(Guid aeId)
    {
        await App.WaitForProjectionsAsync();
        return (await Pv.GetJsonArrayAsync("/api/safety/sae-clocks?status=all")).Single(c => c!["adverseEventId"]!.GetValue<Guid>() == aeId)!.AsObject();
    }

    [Fact]
    public async Task a_susar_goes_from_acknowledgement_to_submission_and_the_pv_case_never_moves_the_patients_version()
    {
        var aeId = await RecordSaeAsync();
        var clock = await ClockAsync(aeId);
        Assert.Equal("awaiting-acknowledgement", clock["status"]!.GetValue<string>());
        Assert.True(clock["susar"]!.GetValue<bool>());
        Assert.Equal("2026-12-14", clock["regulatoryDueOn"]!.GetValue<string>());
        Assert.Equal("2026-11-29T23:59:59+01:00", clock["siteDueAt"]!.GetValue<DateTimeOffset>().ToString("yyyy-MM-ddTHH:mm:sszzz"));
        Assert.False(clock["siteLate"]!.GetValue<bool>());
        var version = (await Nurse.GetJsonAsync($"/api/patients/{_patientId}"))["version"]!.GetValue<long>();

        await Pv.PostAsync($"/api/safety/sae/{aeId}/acknowledgement", new JsonObject(), 201);
        await Pv.PostAsync($"/api/safety/sae/{aeId}/acknowledgement", new JsonObject(), 409);
        Assert.Equal("awaiting-submission", (await ClockAsync(aeId))["status"]!.GetValue<string>());

        var bad = await (await Pv.PostAsync($"/api/safety/sae/{aeId}/submissions", new JsonObject { ["submittedOn"] = "2026-12-01" }, 400)).ValidationErrorsAsync();
        Assert.Contains("submittedOn", bad.Keys);
        Assert.Contains("authority", bad.Keys);
        await Pv.PostAsync($"/api/safety/sae/{aeId}/submissions", new JsonObject { ["submittedOn"] = "2026-11-29", ["authority"] = "ANSM", ["reference"] = "FR-2026-0042" }, 201);

        var submitted = await ClockAsync(aeId);
        Assert.Equal("submitted", submitted["status"]!.GetValue<string>());
        Assert.Equal("2026-11-29", submitted["submittedOn"]!.GetValue<string>());
        Assert.Equal(version, (await Nurse.GetJsonAsync($"/api/patients/{_patientId}"))["version"]!.GetValue<long>());
        await Nurse.PostAsync($"/api/patients/{_patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-29",
            ["notDone"] = new JsonArray(new JsonObject { ["item"] = "score", ["dueOn"] = "2026-11-29", ["reason"] = "in hospital" }),
        }, 201, s => s.WithRequestHeader("If-Match", $"\"{version}\""));
    }

    [Fact]
    public async Task an_expected_sae_closes_on_acknowledgement_and_the_open_filter_leaves_it_out()
    {
        var aeId = await RecordSaeAsync(expected: true);
        await App.WaitForProjectionsAsync();
        Assert.Single(await Pv.GetJsonArrayAsync("/api/safety/sae-clocks"));

        await Pv.PostAsync($"/api/safety/sae/{aeId}/acknowledgement", new JsonObject(), 201);

        Assert.Equal("closed", (await ClockAsync(aeId))["status"]!.GetValue<string>());
        Assert.Empty(await Pv.GetJsonArrayAsync("/api/safety/sae-clocks?status=open"));
        await Pv.PostAsync($"/api/safety/sae/{aeId}/submissions", new JsonObject { ["submittedOn"] = "2026-11-29", ["authority"] = "ANSM", ["reference"] = "X" }, 409);
    }

    [Fact]
    public async Task a_term_a_spreadsheet_would_run_as_a_formula_goes_out_as_text_in_the_csv_line_listing()
    {
        await RecordSaeAsync(term: "=HYPERLINK(\"http://evil.example\",\"click\")");
        await RecordSaeAsync(term: "-2+3");
        await App.WaitForProjectionsAsync();

        var csv = await (await Pv.GetAsync("/api/safety/line-listing?format=csv")).ReadAsTextAsync();
        Assert.Contains("'=HYPERLINK(", csv, StringComparison.Ordinal);
        Assert.Contains(",'-2+3,", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",=HYPERLINK", csv, StringComparison.Ordinal);
        // Numbers stay numbers: the grades are not touched.
        Assert.Contains(",3,3,hospitalisation,", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_clock_turns_overdue_as_time_passes_without_any_new_event()
    {
        var aeId = await RecordSaeAsync();
        Assert.False((await ClockAsync(aeId))["overdue"]!.GetValue<bool>());

        App.Clock.Advance(TimeSpan.FromDays(16));

        Assert.True((await ClockAsync(aeId))["overdue"]!.GetValue<bool>());
        Assert.Single(await Pv.GetJsonArrayAsync("/api/safety/sae-clocks?status=overdue"));
    }

    [Fact]
    public async Task the_line_listing_has_one_row_per_sae_in_csv_and_json()
    {
        await RecordSaeAsync();
        await RecordSaeAsync(expected: true);
        await App.WaitForProjectionsAsync();

        var csv = await (await App.As(Roles.Monitor).GetAsync("/api/safety/line-listing?format=csv")).ReadAsTextAsync();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("subjectCode,siteId,diseaseCode,adverseEventId,term", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("FR01-0007,FR01,sle,", l));
        Assert.Equal(2, (await App.As(Roles.Monitor).GetJsonArrayAsync("/api/safety/line-listing?format=json")).Count);
        await App.As(Roles.Monitor).GetAsync("/api/safety/line-listing?format=xml", 400);
    }

    [Fact]
    public async Task the_live_stream_sends_a_new_sae_and_then_its_acknowledgement_each_with_its_sequence_as_the_event_id()
    {
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", App.Tokens.Issue("pv1", Roles.Pv, []));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.GetAsync("/api/safety/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var aeId = await RecordSaeAsync();

        var (id, clock) = await NextSaeAsync(reader, timeout.Token);
        Assert.Equal(aeId, clock["adverseEventId"]!.GetValue<Guid>());
        Assert.Equal("awaiting-acknowledgement", clock["status"]!.GetValue<string>());
        Assert.True(id > 0);

        // Another pv officer acknowledges it: the case's new step reaches this dashboard, under a later id.
        await Pv.PostAsync($"/api/safety/sae/{aeId}/acknowledgement", new JsonObject(), 201);
        var (after, acknowledged) = await NextSaeAsync(reader, timeout.Token);
        Assert.Equal(aeId, acknowledged["adverseEventId"]!.GetValue<Guid>());
        Assert.Equal("awaiting-submission", acknowledged["status"]!.GetValue<string>());
        Assert.True(after > id, $"the acknowledgement's id {after} is not after the report's {id}");
    }

    [Fact]
    public async Task the_live_stream_of_a_user_deactivated_meanwhile_ends()
    {
        await App.Admin.PostAsync("/api/users", new JsonObject
        {
            ["username"] = "pv.leaving",
            ["displayName"] = "PV",
            ["role"] = Roles.Pv,
            ["sites"] = new JsonArray(),
            ["reason"] = "joins",
        }, 201);
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", App.Tokens.Issue("pv.leaving", Roles.Pv, []));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.GetAsync("/api/safety/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        await RecordSaeAsync();
        await NextSaeAsync(reader, timeout.Token);

        await App.Admin.PostAsync("/api/users/pv.leaving/deactivation", new JsonObject { ["reason"] = "left" }, 200);
        App.Clock.Advance(TimeSpan.FromSeconds(16));
        await RecordSaeAsync();

        string? line;
        var ended = false;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null)
        {
            ended |= line == "event: ended";
        }

        Assert.True(ended, "the stream did not say it ended");
    }

    /// <summary>The stream's next <c>sae</c> event (it also sends <c>progress</c> events when the figures moved).</summary>
    private static async Task<(long Id, JsonNode Clock)> NextSaeAsync(StreamReader reader, CancellationToken ct)
    {
        string? id = null;
        string? data = null;
        string? name = null;
        while (data is null)
        {
            var line = await reader.ReadLineAsync(ct) ?? throw new InvalidOperationException("The stream ended.");
            if (line.Length == 0)
            {
                (id, name) = (null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "sae")
            {
                data = line[6..];
            }
        }

        return (long.Parse(id!, System.Globalization.CultureInfo.InvariantCulture), JsonNode.Parse(data)!);
    }

    [Fact]
    public async Task a_client_resuming_with_last_event_id_gets_what_it_missed()
    {
        var first = await RecordSaeAsync();
        var firstClock = await ClockAsync(first);
        var second = await RecordSaeAsync();
        await App.WaitForProjectionsAsync();

        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", App.Tokens.Issue("pv1", Roles.Pv, []));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/safety/live");
        request.Headers.Add("Last-Event-ID", firstClock["changeSequence"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("data: ", StringComparison.Ordinal))
        {
        }

        Assert.Equal(second, JsonNode.Parse(line![6..])!["adverseEventId"]!.GetValue<Guid>());
    }
}
