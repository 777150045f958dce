using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Access;

/// <summary>
/// The user directory decides what a person may do, whatever their token says, from their very next request: an
/// admin grants, changes and withdraws access, each change an event with who, when and why.
/// </summary>
public sealed class UserDirectoryTests(RegistryApp app) : ApiTest(app)
{
    private static JsonObject User(string username, string role, params string[] sites) => new()
    {
        ["username"] = username,
        ["displayName"] = "Anne Martin",
        ["role"] = role,
        ["sites"] = new JsonArray(sites.Select(s => (JsonNode)s).ToArray()),
        ["reason"] = "new study nurse",
    };

    private async Task<Guid> PatientAsync(string site, string subject)
    {
        await App.Admin.RegisterSiteAsync(site);
        return await App.As(Roles.Site, site).EnrolAsync(Requests.Enrolment(site, subject));
    }

    [Fact]
    public async Task the_directory_s_role_and_sites_replace_the_token_s_and_a_deactivated_user_is_refused_on_the_next_request()
    {
        var own = await PatientAsync("FR01", "FR01-0001");
        var other = await PatientAsync("DE01", "DE01-0001");
        await App.Admin.PostAsync("/api/users", User("A.Martin", Roles.Site, "FR01"), 201);

        // A token claiming admin and every site, for a person the directory knows as a nurse of FR01.
        var token = App.AsUser("a.martin", Roles.Admin);
        await token.GetAsync("/api/users", 403);
        await token.GetAsync($"/api/patients/{own}");
        await token.GetAsync($"/api/patients/{other}", 404);

        await App.Admin.PostAsync("/api/users/a.martin/access",
            new JsonObject { ["role"] = Roles.Site, ["sites"] = new JsonArray("DE01"), ["reason"] = "moved to Berlin" }, 200);
        await token.GetAsync($"/api/patients/{own}", 404);
        await token.GetAsync($"/api/patients/{other}");

        await App.Admin.PostAsync("/api/users/a.martin/deactivation", new JsonObject { ["reason"] = "left the study" }, 200);
        await token.GetAsync($"/api/patients/{other}", 401);
        await token.PostAsync($"/api/patients/{other}/visits", new JsonObject(), 401);

        await App.Admin.PostAsync("/api/users/a.martin/reactivation", new JsonObject { ["reason"] = "back from leave" }, 200);
        await token.GetAsync($"/api/patients/{other}");

        var user = await App.Admin.GetJsonAsync("/api/users/A.MARTIN");
        Assert.Equal("a.martin", user["username"]!.GetValue<string>());
        var history = user["history"]!.AsArray();
        Assert.Equal(["created", "access-changed", "deactivated", "reactivated"], history.Select(h => h!["change"]!.GetValue<string>()));
        Assert.All(history, h => Assert.Equal("admin-user", h!["by"]!.GetValue<string>()));
        Assert.Equal("left the study", history[2]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task bad_users_get_a_400_naming_each_field_and_nothing_is_written()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        var cases = new (JsonObject Body, string Field)[]
        {
            (User("x", Roles.Site, "FR01"), "username"),
            (User("a b", Roles.Site, "FR01"), "username"),
            (User("<script>", Roles.Site, "FR01"), "username"),
            (User("ok.name", "superuser"), "role"),
            (User("ok.name", Roles.Site), "sites"),
            (User("ok.name", Roles.Monitor, "FR01"), "sites"),
            (User("ok.name", Roles.Site, "ZZ99"), "sites[0]"),
            (new JsonObject { ["username"] = "ok.name", ["displayName"] = "A", ["role"] = Roles.Pv }, "reason"),
            (new JsonObject { ["username"] = "ok.name", ["role"] = Roles.Pv, ["reason"] = "r" }, "displayName"),
            (new JsonObject { ["username"] = "ok.name", ["displayName"] = new string('a', 101), ["role"] = Roles.Pv, ["reason"] = "r" }, "displayName"),
            (new JsonObject { ["username"] = "ok.name", ["displayName"] = "A", ["role"] = Roles.Pv, ["reason"] = new string('r', 501) }, "reason"),
            (new JsonObject { ["username"] = "ok.name", ["displayName"] = "A", ["role"] = Roles.Pv, ["reason"] = "r", ["externalIssuer"] = "javascript:alert(1)", ["externalSubject"] = "s" }, "externalIssuer"),
            (new JsonObject { ["username"] = "ok.name", ["displayName"] = "A", ["role"] = Roles.Pv, ["reason"] = "r", ["externalIssuer"] = "https://idp.example.org" }, "externalSubject"),
        };
        foreach (var (body, field) in cases)
        {
            var errors = await (await App.Admin.PostAsync("/api/users", body, 400)).ValidationErrorsAsync();
            Assert.True(errors.ContainsKey(field), $"{body.ToJsonString()} did not name {field}: {string.Join(", ", errors.Keys)}");
        }

        await App.Admin.PostRawAsync("/api/users", """{"username": 42, "role": ["site"]}""", 400);
        Assert.Empty(await App.Admin.GetJsonArrayAsync("/api/users"));
    }

    [Fact]
    public async Task a_username_is_taken_whatever_its_case_and_an_external_subject_names_one_user()
    {
        await App.Admin.PostAsync("/api/users", User("pv.one", Roles.Pv), 201);
        await App.Admin.PostAsync("/api/users", User("PV.One", Roles.Pv), 409);

        var linked = User("pv.two", Roles.Pv);
        linked["externalIssuer"] = "https://idp.example.org/realms/h/";
        linked["externalSubject"] = "f3a1";
        await App.Admin.PostAsync("/api/users", linked, 201);
        await App.Admin.PostAsync("/api/users/pv.one/link",
            new JsonObject { ["externalIssuer"] = "https://idp.example.org/realms/h", ["externalSubject"] = "f3a1", ["reason"] = "SSO" }, 409);
        await App.Admin.PostAsync("/api/users/nobody/deactivation", new JsonObject { ["reason"] = "r" }, 404);
    }

    [Fact]
    public async Task an_admin_cannot_lock_themselves_out()
    {
        await App.Admin.PostAsync("/api/users", User("root", Roles.Admin), 201);
        var root = App.AsUser("root", Roles.Admin);
        await root.PostAsync("/api/users/root/deactivation", new JsonObject { ["reason"] = "oops" }, 400);
        await root.PostAsync("/api/users/root/access", new JsonObject { ["role"] = Roles.Monitor, ["reason"] = "oops" }, 400);
        Assert.True((await root.GetJsonAsync("/api/users/root"))["active"]!.GetValue<bool>());
    }

    [Fact]
    public async Task thirty_two_admins_changing_one_user_at_once_each_leave_one_event()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        await App.Admin.RegisterSiteAsync("DE01");
        await App.Admin.PostAsync("/api/users", User("busy", Roles.Site, "FR01"), 201);
        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => App.AsUser($"admin{i}", Roles.Admin).PostAsync("/api/users/busy/access",
            new JsonObject { ["role"] = Roles.Site, ["sites"] = new JsonArray(i % 2 == 0 ? "FR01" : "DE01"), ["reason"] = $"change {i}" }, 200)));
        var user = await App.Admin.GetJsonAsync("/api/users/busy");
        Assert.Equal(33, user["history"]!.AsArray().Count);
        Assert.Equal(33, user["version"]!.GetValue<long>());
    }
}
