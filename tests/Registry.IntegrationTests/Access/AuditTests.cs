using System.Text.Json.Nodes;
using Marten;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Access;

public sealed class AuditTests(RegistryApp app) : ApiTest(app)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01");
    }

    [Fact]
    public async Task who_acted_comes_from_the_token_even_when_the_body_names_someone_else()
    {
        var nurse = App.AsUser("nurse-7f3a", Roles.Site, "FR01");
        var request = Requests.Enrolment();
        request["recordedBy"] = "mallory";
        request["userId"] = "mallory";

        // A body that names who acted is refused, field by field: the registry takes that only from the token.
        var refused = await (await nurse.PostAsync("/api/patients", request, 400)).ValidationErrorsAsync();
        Assert.Contains("recordedBy", refused.Keys);
        Assert.Contains("userId", refused.Keys);

        var patientId = await nurse.EnrolAsync(Requests.Enrolment());

        await using var session = App.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(patientId);
        Assert.All(events, e => Assert.Equal("nurse-7f3a", e.UserName));
        Assert.DoesNotContain("mallory", System.Text.Json.JsonSerializer.Serialize(events.Select(e => e.Data)));
    }

    [Fact]
    public async Task every_read_of_a_patients_record_is_on_record_and_the_admin_can_filter_it()
    {
        var patientId = await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment());
        await App.AsUser("monitor-1", Roles.Monitor).GetAsync($"/api/patients/{patientId}");
        App.Clock.Advance(TimeSpan.FromHours(2));
        await App.AsUser("pv-1", Roles.Pv).GetAsync($"/api/patients/{patientId}");
        await App.AsUser("pv-1", Roles.Pv).GetAsync("/api/patients");

        // Newest first.
        var forPatient = await App.Admin.GetJsonArrayAsync($"/api/audit?patientId={patientId}");
        Assert.Equal(["pv-1", "monitor-1"], forPatient.Select(e => e!["userId"]!.GetValue<string>()));
        var first = forPatient[1]!.AsObject();
        Assert.Equal("monitor", first["role"]!.GetValue<string>());
        Assert.Equal("read-patient", first["action"]!.GetValue<string>());
        Assert.Equal(RegistryApp.Now, first["at"]!.GetValue<DateTimeOffset>());

        var byUser = await App.Admin.GetJsonArrayAsync("/api/audit?userId=pv-1");
        Assert.Equal(["list-patients", "read-patient"], byUser.Select(e => e!["action"]!.GetValue<string>()));

        var from = Uri.EscapeDataString(RegistryApp.Now.AddHours(1).ToString("O"));
        var later = await App.Admin.GetJsonArrayAsync($"/api/audit?from={from}");
        Assert.All(later, e => Assert.Equal("pv-1", e!["userId"]!.GetValue<string>()));
        Assert.Equal(2, later.Count);

        // The same instant written in another zone's offset.
        var fromParis = Uri.EscapeDataString(RegistryApp.Now.AddHours(1).ToOffset(TimeSpan.FromHours(2)).ToString("O"));
        Assert.Equal(2, (await App.Admin.GetJsonArrayAsync($"/api/audit?from={fromParis}")).Count);
    }

    [Fact]
    public async Task a_read_that_is_refused_is_not_a_read()
    {
        await App.Admin.RegisterSiteAsync("DE01");
        var patientId = await App.As(Roles.Site, "DE01").EnrolAsync(Requests.Enrolment("DE01", "DE01-0001"));

        await App.As(Roles.Site, "FR01").GetAsync($"/api/patients/{patientId}", 404);

        Assert.Empty(await App.Admin.GetJsonArrayAsync($"/api/audit?patientId={patientId}"));
    }

    [Fact]
    public async Task a_malformed_filter_is_a_400()
    {
        await App.Admin.GetAsync("/api/audit?from=yesterday", 400);
        await App.Admin.GetAsync("/api/audit?limit=0", 400);
        await App.Admin.GetAsync("/api/audit?limit=10001", 400);
        await App.Admin.GetAsync("/api/audit?before=not-a-cursor", 400);
    }

    [Fact]
    public async Task three_hundred_reads_of_one_patient_32_at_a_time_all_answer_and_each_is_on_record_once()
    {
        var patientId = await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment());
        var token = App.Tokens.Issue("monitor-load", Roles.Monitor, []);
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var gate = new SemaphoreSlim(32);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 300).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await client.GetAsync($"/api/patients/{patientId}");
                return (int)response.StatusCode;
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.All(statuses, s => Assert.Equal(200, s));
        var entries = await App.Admin.GetJsonArrayAsync($"/api/audit?patientId={patientId}&limit=10000");
        Assert.Equal(300, entries.Count);
    }

    [Fact]
    public async Task the_audit_comes_a_page_at_a_time_newest_first_and_the_pages_join_without_gaps_or_repeats()
    {
        var patientId = await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment());
        var monitor = App.AsUser("monitor-1", Roles.Monitor);
        for (var i = 0; i < 7; i++)
        {
            await monitor.GetAsync($"/api/patients/{patientId}");
            App.Clock.Advance(TimeSpan.FromMinutes(i % 2)); // some entries share an instant
        }

        var seen = new List<DateTimeOffset>();
        var url = $"/api/audit?patientId={patientId}&limit=3";
        var pages = 0;
        while (url is not null)
        {
            var result = await App.Admin.GetAsync(url);
            var page = JsonNode.Parse(await result.ReadAsTextAsync())!.AsArray();
            seen.AddRange(page.Select(e => e!["at"]!.GetValue<DateTimeOffset>()));
            pages++;
            var link = result.Context.Response.Headers.Link.ToString();
            url = link.Length == 0 ? null : link[1..link.IndexOf('>')];
        }

        Assert.Equal(3, pages);
        Assert.Equal(7, seen.Count);
        Assert.Equal(seen.OrderByDescending(x => x), seen);
    }
}
