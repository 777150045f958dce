using System.Net.Http.Headers;
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

    private sealed record Row(string Route, string Method, string Url, Func<Ids, JsonObject?> Body, int[] Expected);

    private sealed record Ids(Guid Own, Guid Other, Guid OwnAe, Guid OtherAe);

    private const string Visits = "/api/patients/{patientId}/visits";
    private const string FollowUps = "/api/patients/{patientId}/adverse-events/{adverseEventId}/follow-ups";
    private const string Corrections = "/api/patients/{patientId}/corrections";
    private const string Voids = "/api/patients/{patientId}/voids";
    private const string Withdrawal = "/api/patients/{patientId}/withdrawal";
    private const string Completion = "/api/patients/{patientId}/completion";
    private const string History = "/api/patients/{patientId}/entries/{entryId}/history";
    private const string Live = "/api/safety/live";

    private static JsonObject Score() => new()
    {
        ["visitId"] = Guid.NewGuid(),
        ["visitDate"] = "2026-11-20",
        ["scores"] = new JsonArray(new JsonObject { ["assessedOn"] = "2026-11-20", ["instrument"] = "cgi-s", ["value"] = 4 }),
    };

    private static JsonObject EnrolmentCorrection() => new()
    {
        ["changes"] = new JsonObject { ["birthYear"] = 1985 },
        ["reasonCode"] = "transcription-error",
        ["reason"] = "ID card",
    };

    private static JsonObject Regimen() => new()
    {
        ["inductionDays"] = 5,
        ["maintenanceIntervalDays"] = 21,
        ["changedOn"] = "2026-11-21",
        ["reason"] = "remission",
    };

    private static JsonObject Query(Guid entryId) => new() { ["entryId"] = entryId, ["field"] = "$.term", ["text"] = "Which term?" };

    private static readonly int[] SiteWrite = [401, 201, 403, 403, 403, 403];
    private static readonly int[] OtherSiteWrite = [401, 404, 403, 403, 403, 403];

    /// <summary>Expected status per caller, in the order of <see cref="Callers"/>: none, site (FR01), monitor, pv, researcher, admin.</summary>
    private static readonly Row[] Matrix =
    [
        new("/api/sites", "POST", "/api/sites", _ => Requests.Site("IT01"), [401, 403, 403, 403, 403, 201]),
        new("/api/catalogue", "GET", "/api/catalogue", _ => null, [401, 200, 200, 200, 200, 200]),
        new("/api/entry-kinds", "GET", "/api/entry-kinds", _ => null, [401, 200, 200, 200, 200, 200]),
        new("/api/patients", "POST", "/api/patients", _ => Requests.Enrolment("FR01", "FR01-0099"), [401, 201, 403, 403, 403, 403]),
        new("/api/patients", "POST", "/api/patients", _ => Requests.Enrolment("DE01", "DE01-0099"), [401, 403, 403, 403, 403, 403]),
        new("/api/patients", "GET", "/api/patients", _ => null, [401, 200, 200, 200, 403, 403]),
        new("/api/patients", "GET", "/api/patients?siteId=DE01", _ => null, [401, 403, 200, 200, 403, 403]),
        new("/api/patients/{patientId}", "GET", "/api/patients/{own}", _ => null, [401, 200, 200, 200, 403, 403]),
        new("/api/patients/{patientId}", "GET", "/api/patients/{other}", _ => null, [401, 404, 200, 200, 403, 403]),
        new(History, "GET", "/api/patients/{own}/entries/{ownAe}/history", _ => null, [401, 200, 200, 200, 403, 403]),
        new(History, "GET", "/api/patients/{other}/entries/{otherAe}/history", _ => null, [401, 404, 200, 200, 403, 403]),
        new(Visits, "POST", "/api/patients/{own}/visits", _ => Score(), SiteWrite),
        new(Visits, "POST", "/api/patients/{other}/visits", _ => Score(), OtherSiteWrite),
        new(FollowUps, "POST", "/api/patients/{own}/adverse-events/{ownAe}/follow-ups", _ => new JsonObject { ["reportedOn"] = "2026-11-21", ["grade"] = 2 }, SiteWrite),
        new(FollowUps, "POST", "/api/patients/{other}/adverse-events/{otherAe}/follow-ups", _ => new JsonObject { ["reportedOn"] = "2026-11-21", ["grade"] = 2 }, OtherSiteWrite),
        new(Corrections, "POST", "/api/patients/{own}/corrections", ids => Correction(ids.OwnAe), SiteWrite),
        new(Corrections, "POST", "/api/patients/{other}/corrections", ids => Correction(ids.OtherAe), OtherSiteWrite),
        new(Voids, "POST", "/api/patients/{own}/voids", ids => new JsonObject { ["entryId"] = ids.OwnAe, ["reason"] = "wrong patient" }, SiteWrite),
        new(Voids, "POST", "/api/patients/{other}/voids", ids => new JsonObject { ["entryId"] = ids.OtherAe, ["reason"] = "wrong patient" }, OtherSiteWrite),
        new(Withdrawal, "POST", "/api/patients/{own}/withdrawal", _ => new JsonObject { ["withdrawnOn"] = "2026-11-25", ["reasonCode"] = "patient-decision" }, SiteWrite),
        new(Withdrawal, "POST", "/api/patients/{other}/withdrawal", _ => new JsonObject { ["withdrawnOn"] = "2026-11-25", ["reasonCode"] = "patient-decision" }, OtherSiteWrite),
        new(Completion, "POST", "/api/patients/{own}/completion", _ => new JsonObject { ["completedOn"] = "2026-11-25" }, SiteWrite),
        new(Completion, "POST", "/api/patients/{other}/completion", _ => new JsonObject { ["completedOn"] = "2026-11-25" }, OtherSiteWrite),
        new("/api/patients/{patientId}/queries", "POST", "/api/patients/{own}/queries", ids => Query(ids.OwnAe), [401, 403, 201, 403, 403, 403]),
        new("/api/patients/{patientId}/queries", "POST", "/api/patients/{other}/queries", ids => Query(ids.OtherAe), [401, 403, 201, 403, 403, 403]),
        // An unknown query: each role that may take the step reaches it and finds none.
        new("/api/patients/{patientId}/queries/{queryId}/answers", "POST", $"/api/patients/{{own}}/queries/{Guid.Empty}/answers",
            _ => new JsonObject { ["text"] = "checked" }, [401, 404, 403, 403, 403, 403]),
        new("/api/patients/{patientId}/queries/{queryId}/closure", "POST", $"/api/patients/{{own}}/queries/{Guid.Empty}/closure",
            _ => new JsonObject(), [401, 403, 404, 403, 403, 403]),
        new("/api/patients/{patientId}/queries/{queryId}/reopening", "POST", $"/api/patients/{{own}}/queries/{Guid.Empty}/reopening",
            _ => new JsonObject { ["text"] = "still?" }, [401, 403, 404, 403, 403, 403]),
        new("/api/patients/{patientId}/verifications", "POST", "/api/patients/{own}/verifications",
            ids => new JsonObject { ["entryId"] = ids.OwnAe, ["revision"] = 1 }, [401, 403, 201, 403, 403, 403]),
        new("/api/patients/{patientId}/enrolment/corrections", "POST", "/api/patients/{own}/enrolment/corrections",
            _ => EnrolmentCorrection(), SiteWrite),
        new("/api/patients/{patientId}/enrolment/corrections", "POST", "/api/patients/{other}/enrolment/corrections",
            _ => EnrolmentCorrection(), OtherSiteWrite),
        // The matrix has one patient a site: the site reaches the endpoint and is told a patient is no duplicate of itself.
        new("/api/patients/{patientId}/enrolment/void", "POST", "/api/patients/{own}/enrolment/void",
            ids => new JsonObject { ["duplicateOf"] = ids.Own, ["reason"] = "enrolled twice" }, [401, 400, 403, 403, 403, 403]),
        new("/api/patients/{patientId}/enrolment/void", "POST", "/api/patients/{other}/enrolment/void",
            ids => new JsonObject { ["duplicateOf"] = ids.Other, ["reason"] = "enrolled twice" }, OtherSiteWrite),
        new("/api/patients/{patientId}/regimen", "POST", "/api/patients/{own}/regimen", _ => Regimen(), SiteWrite),
        new("/api/patients/{patientId}/regimen", "POST", "/api/patients/{other}/regimen", _ => Regimen(), OtherSiteWrite),
        // The matrix's patients take no medication: the site reaches the endpoint and is told so (400).
        new("/api/patients/{patientId}/medication-stops", "POST", "/api/patients/{own}/medication-stops",
            ids => new JsonObject { ["entryId"] = ids.OwnAe, ["stoppedOn"] = "2026-11-21", ["reason"] = "remission" },
            [401, 400, 403, 403, 403, 403]),
        new("/api/patients/{patientId}/medication-stops", "POST", "/api/patients/{other}/medication-stops",
            ids => new JsonObject { ["entryId"] = ids.OtherAe, ["stoppedOn"] = "2026-11-21", ["reason"] = "remission" }, OtherSiteWrite),
        new("/api/patients/{patientId}/transfer", "POST", "/api/patients/{own}/transfer",
            _ => new JsonObject { ["toSiteId"] = "DE01", ["subjectCode"] = "DE01-0500", ["transferredOn"] = "2026-11-21", ["reason"] = "moved" },
            [401, 403, 201, 403, 403, 201]),
        // A token-only site user is no investigator (403); the directory's investigator is tested in SignatureTests.
        new("/api/patients/{patientId}/signatures", "POST", "/api/patients/{own}/signatures",
            _ => new JsonObject { ["meaning"] = "review", ["password"] = "a password" }, [401, 403, 403, 403, 403, 403]),
        new("/api/patients/{patientId}/lock", "POST", "/api/patients/{own}/lock",
            _ => new JsonObject { ["reason"] = "analysis" }, [401, 403, 201, 403, 403, 201]),
        new("/api/patients/{patientId}/unlock", "POST", "/api/patients/{own}/unlock",
            _ => new JsonObject { ["reason"] = "late result" }, [401, 403, 409, 403, 403, 409]),
        new("/api/cohort-locks", "POST", "/api/cohort-locks", _ => new JsonObject
        {
            ["diseaseCode"] = "sle", ["enrolledTo"] = "2026-11-29", ["reason"] = "interim analysis",
        }, [401, 403, 201, 403, 403, 201]),
        new("/api/queries", "GET", "/api/queries", _ => null, [401, 200, 200, 403, 403, 403]),
        new("/api/queries", "GET", "/api/queries?siteId=DE01", _ => null, [401, 403, 200, 403, 403, 403]),
        new("/api/verification", "GET", "/api/verification", _ => null, [401, 403, 200, 403, 403, 403]),
        new("/api/cohorts", "GET", "/api/cohorts", _ => null, [401, 200, 200, 200, 200, 403]),
        new("/api/cohorts", "GET", "/api/cohorts?siteId=DE01", _ => null, [401, 403, 200, 200, 200, 403]),
        new("/api/cohorts/{diseaseCode}", "GET", "/api/cohorts/sle", _ => null, [401, 200, 200, 200, 200, 403]),
        new("/api/cohorts/{diseaseCode}/comparison", "GET", "/api/cohorts/sle/comparison", _ => null, [401, 200, 200, 200, 200, 403]),
        new("/api/cohorts/{diseaseCode}/contributors", "GET", "/api/cohorts/sle/contributors?figure=enrolled", _ => null,
            [401, 200, 200, 200, 200, 403]),
        new("/api/cohorts/{diseaseCode}/contributors", "GET", "/api/cohorts/sle/contributors?figure=enrolled&siteId=DE01", _ => null,
            [401, 403, 200, 200, 200, 403]),
        new("/api/cohorts/{diseaseCode}/treg-course", "GET", "/api/cohorts/sle/treg-course", _ => null, [401, 200, 200, 200, 200, 403]),
        new("/api/safety/profile", "GET", "/api/safety/profile", _ => null, [401, 403, 200, 200, 403, 403]),
        new("/api/safety/signals", "GET", "/api/safety/signals", _ => null, [401, 403, 200, 200, 403, 403]),
        new("/api/safety/sae-clocks", "GET", "/api/safety/sae-clocks?status=all", _ => null, [401, 403, 200, 200, 403, 403]),
        new("/api/safety/line-listing", "GET", "/api/safety/line-listing?format=csv", _ => null, [401, 403, 200, 200, 403, 403]),
        // The live stream never ends for the roles that may open it: its status and headers, then the request is cancelled.
        new(Live, "GET", Live, _ => null, [401, 403, 200, 200, 403, 403]),
        // The matrix's adverse events are not serious: pv reaches the endpoint and finds no SAE.
        new("/api/safety/sae/{adverseEventId}/acknowledgement", "POST", "/api/safety/sae/{ownAe}/acknowledgement", _ => new JsonObject(), [401, 403, 403, 404, 403, 403]),
        new("/api/safety/sae/{adverseEventId}/submissions", "POST", "/api/safety/sae/{ownAe}/submissions",
            _ => new JsonObject { ["submittedOn"] = "2026-11-25", ["authority"] = "ANSM", ["reference"] = "R-1" }, [401, 403, 403, 404, 403, 403]),
        new("/api/safety/sae/{adverseEventId}", "GET", "/api/safety/sae/{ownAe}", _ => null, [401, 403, 404, 404, 403, 403]),
        new("/api/safety/sae/{adverseEventId}/e2b", "GET", "/api/safety/sae/{ownAe}/e2b", _ => null, [401, 403, 403, 404, 403, 403]),
        new("/api/safety/sae/{adverseEventId}/cioms", "GET", "/api/safety/sae/{ownAe}/cioms", _ => null, [401, 403, 403, 404, 403, 403]),
        new("/api/safety/sae/{adverseEventId}/follow-up-reports", "POST", "/api/safety/sae/{ownAe}/follow-up-reports",
            _ => new JsonObject { ["receivedOn"] = "2026-11-25", ["submittedOn"] = "2026-11-25", ["authority"] = "ANSM", ["reference"] = "R-2" },
            [401, 403, 403, 404, 403, 403]),
        new("/api/safety/sae/{adverseEventId}/nullifications", "POST", "/api/safety/sae/{ownAe}/nullifications",
            _ => new JsonObject { ["submittedOn"] = "2026-11-25", ["authority"] = "ANSM", ["reference"] = "R-3", ["reason"] = "downgraded" },
            [401, 403, 403, 404, 403, 403]),
        new("/api/safety/sae/{adverseEventId}/amendments", "POST", "/api/safety/sae/{ownAe}/amendments",
            _ => new JsonObject { ["submittedOn"] = "2026-11-25", ["authority"] = "ANSM", ["reference"] = "R-4", ["reason"] = "recoded" },
            [401, 403, 403, 404, 403, 403]),
        new("/api/safety/sae/{adverseEventId}/narratives", "POST", "/api/safety/sae/{ownAe}/narratives",
            _ => new JsonObject { ["text"] = "A narrative." }, [401, 403, 403, 404, 403, 403]),
        new("/api/safety/tabulations/serious-reactions", "GET", "/api/safety/tabulations/serious-reactions?to=2026-11-28", _ => null,
            [401, 403, 403, 200, 403, 403]),
        new("/api/safety/tabulations/susars", "GET", "/api/safety/tabulations/susars?from=2026-01-01&to=2026-11-28&format=pdf", _ => null,
            [401, 403, 403, 200, 403, 403]),
        new("/api/exports", "POST", "/api/exports", _ => new JsonObject { ["format"] = "xlsx" }, [401, 403, 403, 403, 400, 403]),
        new("/api/exports/{exportId}", "GET", $"/api/exports/{Guid.Empty}", _ => null, [401, 403, 403, 403, 404, 403]),
        new("/api/exports", "GET", "/api/exports", _ => null, [401, 403, 403, 403, 200, 403]),
        new("/api/cohort-definitions", "POST", "/api/cohort-definitions", _ => new JsonObject(), [401, 403, 403, 403, 400, 403]),
        new("/api/cohort-definitions", "GET", "/api/cohort-definitions", _ => null, [401, 403, 403, 403, 200, 403]),
        new("/api/cohort-definitions/{definitionId}", "GET", $"/api/cohort-definitions/{Guid.Empty}", _ => null,
            [401, 403, 403, 403, 404, 403]),
        new("/api/cohort-definitions/{definitionId}/versions", "POST", $"/api/cohort-definitions/{Guid.Empty}/versions",
            _ => new JsonObject(), [401, 403, 403, 403, 404, 403]),
        new("/api/exports/{exportId}/files/{name}", "GET", $"/api/exports/{Guid.Empty}/files/dm.csv", _ => null, [401, 403, 403, 403, 404, 403]),
        new("/api/audit", "GET", "/api/audit", _ => null, [401, 403, 403, 403, 403, 200]),
        new("/api/worklist", "GET", "/api/worklist", _ => null, [401, 200, 403, 403, 403, 403]),
        new("/api/worklist", "GET", "/api/worklist?siteId=DE01", _ => null, [401, 403, 403, 403, 403, 403]),
        new("/api/sites/{siteId}", "GET", "/api/sites/FR01", _ => null, [401, 200, 200, 200, 200, 200]),
        new("/api/sites/{siteId}", "GET", "/api/sites/DE01", _ => null, [401, 403, 200, 200, 200, 200]),
        new("/api/users", "GET", "/api/users", _ => null, AdminOnly(200)),
        new("/api/users/{username}", "GET", "/api/users/" + Member, _ => null, AdminOnly(200)),
        new("/api/users", "POST", "/api/users", _ => NewUser("m." + Guid.NewGuid().ToString("N")[..12]), AdminOnly(201)),
        new("/api/users/{username}/access", "POST", $"/api/users/{Member}/access",
            _ => new JsonObject { ["role"] = Roles.Site, ["sites"] = new JsonArray("FR01", "DE01"), ["reason"] = "covers DE01" }, AdminOnly(200)),
        new("/api/users/{username}/link", "POST", $"/api/users/{Member}/link",
            _ => new JsonObject { ["externalIssuer"] = "https://idp.example.org", ["externalSubject"] = "abc", ["reason"] = "SSO" }, AdminOnly(200)),
        new("/api/users/{username}/deactivation", "POST", $"/api/users/{Member}/deactivation",
            _ => new JsonObject { ["reason"] = "left" }, AdminOnly(200)),
        new("/api/users/{username}/invitation", "POST", $"/api/users/{Member}/invitation",
            _ => new JsonObject { ["reason"] = "first sign-in" }, AdminOnly(201)),
        new("/api/users/{username}/reactivation", "POST", $"/api/users/{Gone}/reactivation",
            _ => new JsonObject { ["reason"] = "back" }, AdminOnly(200)),
        new("/api/users/{username}/free-text", "POST", $"/api/users/{Reader}/free-text",
            _ => new JsonObject { ["allowed"] = true, ["reason"] = "ethics approval" }, AdminOnly(200)),
        new("/api/users/{username}/investigator", "POST", $"/api/users/{Member}/investigator",
            _ => new JsonObject { ["allowed"] = true, ["reason"] = "principal investigator" }, AdminOnly(200)),
        // Free text in an export: a researcher no admin allowed it is refused, as is every other role.
        new("/api/exports", "POST", "/api/exports", _ => new JsonObject { ["format"] = "csv", ["includeFreeText"] = true },
            [401, 403, 403, 403, 403, 403]),
    ];

    /// <summary>A user of the directory every case finds (a nurse of FR01), and one already deactivated.</summary>
    private const string Member = "matrix.nurse";
    private const string Gone = "matrix.gone";
    private const string Reader = "matrix.reader";

    private static int[] AdminOnly(int status) => [401, 403, 403, 403, 403, status];

    private static JsonObject NewUser(string username) => new()
    {
        ["username"] = username,
        ["displayName"] = "M. Nurse",
        ["role"] = Roles.Site,
        ["sites"] = new JsonArray("FR01"),
        ["reason"] = "joins the FR01 team",
    };

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
        var ids = new Ids(own, other, await AdverseEventAsync("FR01", own), await AdverseEventAsync("DE01", other));
        await App.Admin.PostAsync("/api/users", NewUser(Member), 201);
        await App.Admin.PostAsync("/api/users", NewUser(Gone), 201);
        await App.Admin.PostAsync($"/api/users/{Gone}/deactivation", new JsonObject { ["reason"] = "left" }, 200);
        var reader = NewUser(Reader);
        reader["role"] = Roles.Researcher;
        reader["sites"] = new JsonArray();
        await App.Admin.PostAsync("/api/users", reader, 201);

        var client = caller == None ? App.Anonymous : caller == Roles.Site ? App.As(Roles.Site, "FR01") : App.As(caller);
        var url = row.Url.Replace("{own}", own.ToString()).Replace("{other}", other.ToString())
            .Replace("{ownAe}", ids.OwnAe.ToString()).Replace("{otherAe}", ids.OtherAe.ToString());
        var expected = row.Expected[Array.IndexOf(Callers, caller)];
        string body;
        if (row.Route == Live)
        {
            body = await OpenLiveStreamAsync(caller, url, expected);
        }
        else
        {
            var result = row.Method == "GET"
                ? await client.GetAsync(url, expected)
                : await client.PostAsync(url, row.Body(ids)!, expected);
            body = await result.ReadAsTextAsync();
        }

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

    /// <summary>
    /// Opens the live stream as the caller (with the token <see cref="RegistryApp.As"/> would give it) and asserts
    /// the status. A stream that opens never ends: only its headers are read (the content type), then the request
    /// is cancelled. A refusal's body is read whole and returned, for the checks that nothing leaked.
    /// </summary>
    private async Task<string> OpenLiveStreamAsync(string caller, string url, int expected)
    {
        using var client = Host.Server.CreateClient();
        if (caller != None)
        {
            var token = caller == Roles.Site
                ? App.Tokens.Issue($"{caller}-user", caller, ["FR01"])
                : App.Tokens.Issue($"{caller}-user", caller, []);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(expected, (int)response.StatusCode);
        if (expected != 200)
        {
            return await response.Content.ReadAsStringAsync(timeout.Token);
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await timeout.CancelAsync();
        return "";
    }

    private static JsonObject Correction(Guid entryId) => new()
    {
        ["entryId"] = entryId,
        ["changes"] = new JsonObject { ["grade"] = 2 },
        ["reasonCode"] = "source-updated",
        ["reason"] = "lab report",
    };

    private async Task<Guid> AdverseEventAsync(string site, Guid patientId)
    {
        var aeId = Guid.NewGuid();
        await App.As(Roles.Site, site).PostAsync($"/api/patients/{patientId}/visits", new JsonObject
        {
            ["visitId"] = Guid.NewGuid(),
            ["visitDate"] = "2026-11-20",
            ["adverseEvents"] = new JsonArray(Requests.AdverseEvent(aeId)),
        }, 201);
        return aeId;
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
