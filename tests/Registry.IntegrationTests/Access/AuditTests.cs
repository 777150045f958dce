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
        var request = Requests.Enrolment();
        request["recordedBy"] = "mallory";
        request["userId"] = "mallory";

        var patientId = await App.AsUser("nurse-7f3a", Roles.Site, "FR01").EnrolAsync(request);

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

        var forPatient = await App.Admin.GetJsonArrayAsync($"/api/audit?patientId={patientId}");
        Assert.Equal(["monitor-1", "pv-1"], forPatient.Select(e => e!["userId"]!.GetValue<string>()));
        var first = forPatient[0]!.AsObject();
        Assert.Equal("monitor", first["role"]!.GetValue<string>());
        Assert.Equal("read-patient", first["action"]!.GetValue<string>());
        Assert.Equal(RegistryApp.Now, first["at"]!.GetValue<DateTimeOffset>());

        var byUser = await App.Admin.GetJsonArrayAsync("/api/audit?userId=pv-1");
        Assert.Equal(["read-patient", "list-patients"], byUser.Select(e => e!["action"]!.GetValue<string>()));

        var from = Uri.EscapeDataString(RegistryApp.Now.AddHours(1).ToString("O"));
        var later = await App.Admin.GetJsonArrayAsync($"/api/audit?from={from}");
        Assert.All(later, e => Assert.Equal("pv-1", e!["userId"]!.GetValue<string>()));
        Assert.Equal(2, later.Count);
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
    }
}
