using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OtpNet;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Access;

/// <summary>
/// The built-in issuer's sign-in, tried as a person and as an attacker would: set-up with an invitation (password and
/// second factor), sign-in, one-time codes used once, lockout, sessions that end (sign-out, idle, absolute) and refuse
/// the page's tokens with them, a deactivated user refused at once, antiforgery on every form, no token pasting in
/// Production.
/// </summary>
public sealed partial class SignInTests(RegistryApp app) : ApiTest(app)
{
    private const string Password = "correct horse battery staple";

    [GeneratedRegex("name=\"__antiforgery\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("id=\"totp-secret\">([A-Z2-7 ]+)<")]
    private static partial Regex SecretField();

    [GeneratedRegex("name=\"enrolment\" value=\"([^\"]+)\"")]
    private static partial Regex EnrolmentField();

    /// <summary>A browser-like client: keeps its cookies, does not follow redirects.</summary>
    private sealed class Browser : IDisposable
    {
        private readonly HttpClient _client;
        private readonly CookieContainer _cookies = new();

        /// <param name="address">The client's address (sign-in attempts are limited per address); a new one by default.</param>
        public Browser(RegistryApp app, IPAddress? address = null)
        {
            address ??= new IPAddress([198, 51, 100, (byte)Random.Shared.Next(1, 255)]);
            var handler = app.Host.Server.CreateHandler(http => http.Connection.RemoteIpAddress = address);
            _client = new HttpClient(new CookieHandler(_cookies) { InnerHandler = handler })
            {
                BaseAddress = new Uri("http://localhost"),
            };
        }

        public Task<HttpResponseMessage> GetAsync(string url) => _client.GetAsync(url);

        /// <summary>Posts a form the way the page would: with the antiforgery field of <paramref name="page"/>.</summary>
        public async Task<HttpResponseMessage> SubmitAsync(string page, string action, params (string Name, string Value)[] fields)
        {
            var html = await (await _client.GetAsync(page)).Content.ReadAsStringAsync();
            var token = AntiforgeryField().Match(html).Groups[1].Value;
            return await PostAsync(action, [.. fields, ("__antiforgery", WebUtility.HtmlDecode(token))]);
        }

        public Task<HttpResponseMessage> PostAsync(string action, params (string Name, string Value)[] fields) =>
            _client.PostAsync(action, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))));

        public void Dispose() => _client.Dispose();

        private sealed class CookieHandler(CookieContainer cookies) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
            {
                if (cookies.GetCookieHeader(request.RequestUri!) is { Length: > 0 } header)
                {
                    request.Headers.Add("Cookie", header);
                }

                var response = await base.SendAsync(request, ct);
                if (response.Headers.TryGetValues("Set-Cookie", out var set))
                {
                    foreach (var cookie in set)
                    {
                        cookies.SetCookies(request.RequestUri!, cookie);
                    }
                }

                return response;
            }
        }
    }

    private string Code(byte[] secret, int stepsAhead = 0) =>
        new Totp(secret).ComputeTotp(App.Clock.GetUtcNow().UtcDateTime.AddSeconds(30 * stepsAhead));

    /// <summary>An admin creates and invites the user; the user sets a password and a second factor. Returns the TOTP secret.</summary>
    private async Task<byte[]> SetUpAsync(string username, string role = Roles.Monitor, params string[] sites)
    {
        var user = new JsonObject
        {
            ["username"] = username,
            ["displayName"] = "Test Person",
            ["role"] = role,
            ["sites"] = new JsonArray(sites.Select(s => (JsonNode)s).ToArray()),
            ["reason"] = "joins",
        };
        await App.Admin.PostAsync("/api/users", user, 201);
        var invitation = JsonNode.Parse(await (await App.Admin.PostAsync($"/api/users/{username}/invitation",
            new JsonObject { ["reason"] = "first sign-in" }, 201)).ReadAsTextAsync())!;
        using var browser = new Browser(App);
        var step1 = await browser.SubmitAsync("/account/setup", "/account/setup",
            ("username", username), ("invitation", invitation["code"]!.GetValue<string>()), ("password", Password), ("repeat", Password));
        var html = await step1.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, step1.StatusCode);
        var secret = Base32Encoding.ToBytes(SecretField().Match(html).Groups[1].Value.Replace(" ", ""));
        var enrolment = WebUtility.HtmlDecode(EnrolmentField().Match(html).Groups[1].Value);
        var token = WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value);
        var step2 = await browser.PostAsync("/account/setup/second-factor", ("enrolment", enrolment), ("code", Code(secret)), ("__antiforgery", token));
        Assert.Contains("Your account is ready", await step2.Content.ReadAsStringAsync());
        App.Clock.Advance(TimeSpan.FromSeconds(30));
        return secret;
    }

    private async Task<HttpResponseMessage> SignInAsync(Browser browser, string username, string password, string code) =>
        await browser.SubmitAsync("/signin", "/signin", ("username", username), ("password", password), ("code", code), ("returnUrl", "/"));

    private static async Task<string> PageTokenAsync(Browser browser, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await browser.GetAsync("/signin/token");
        Assert.Equal(expected, response.StatusCode);
        return expected == HttpStatusCode.OK ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!.GetValue<string>() : "";
    }

    private async Task<HttpStatusCode> ApiAsync(string token, string url)
    {
        using var client = App.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.GetAsync(url)).StatusCode;
    }

    [Fact]
    public async Task a_person_sets_up_signs_in_with_password_and_code_and_the_code_works_once()
    {
        var secret = await SetUpAsync("m.dupont");
        using var browser = new Browser(App);

        var signedIn = await SignInAsync(browser, "M.Dupont", Password, Code(secret));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/dashboard", signedIn.Headers.Location!.ToString());
        var token = await PageTokenAsync(browser);
        Assert.Equal(HttpStatusCode.OK, await ApiAsync(token, "/api/safety/sae-clocks"));

        // The same code again, from another browser: refused (a code works once).
        using var thief = new Browser(App);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(thief, "m.dupont", Password, Code(secret))).StatusCode);
        await PageTokenAsync(thief, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task wrong_passwords_lock_the_account_for_a_while_and_every_failure_reads_the_same()
    {
        var secret = await SetUpAsync("locked.out");
        using var browser = new Browser(App);
        var messages = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            var response = await SignInAsync(browser, "locked.out", "not the password " + i, Code(secret));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            messages.Add(Regex.Match(await response.Content.ReadAsStringAsync(), "role=\"alert\" class=\"error\">([^<]+)<").Groups[1].Value);
        }

        var unknown = await SignInAsync(browser, "no.such.person", Password, "123456");
        messages.Add(Regex.Match(await unknown.Content.ReadAsStringAsync(), "role=\"alert\" class=\"error\">([^<]+)<").Groups[1].Value);
        Assert.Single(messages);

        // Locked: even the right password and code are refused until the lockout has passed.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(browser, "locked.out", Password, Code(secret))).StatusCode);
        App.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(browser, "locked.out", Password, Code(secret))).StatusCode);
    }

    [Fact]
    public async Task signing_out_ends_the_session_and_its_page_tokens_on_the_next_request()
    {
        var secret = await SetUpAsync("s.out");
        using var browser = new Browser(App);
        await SignInAsync(browser, "s.out", Password, Code(secret));
        var token = await PageTokenAsync(browser);

        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync("/signout")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SubmitAsync("/dashboard", "/signout")).StatusCode);

        await PageTokenAsync(browser, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiAsync(token, "/api/safety/sae-clocks"));
    }

    [Fact]
    public async Task a_session_ends_after_thirty_idle_minutes_and_after_eight_hours_whatever_happens()
    {
        var secret = await SetUpAsync("idle.one");
        using var browser = new Browser(App);
        await SignInAsync(browser, "idle.one", Password, Code(secret));
        App.Clock.Advance(TimeSpan.FromMinutes(29));
        await PageTokenAsync(browser);
        App.Clock.Advance(TimeSpan.FromMinutes(31));
        await PageTokenAsync(browser, HttpStatusCode.Unauthorized);

        using var busy = new Browser(App);
        await SignInAsync(busy, "idle.one", Password, Code(secret));
        for (var minutes = 0; minutes < 8 * 60 - 20; minutes += 20)
        {
            App.Clock.Advance(TimeSpan.FromMinutes(20));
            await PageTokenAsync(busy);
        }

        App.Clock.Advance(TimeSpan.FromMinutes(21));
        await PageTokenAsync(busy, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_deactivated_user_s_open_page_and_its_tokens_are_refused_on_the_next_request()
    {
        await App.Admin.RegisterSiteAsync("FR01");
        var secret = await SetUpAsync("n.gone", Roles.Site, "FR01");
        using var browser = new Browser(App);
        await SignInAsync(browser, "n.gone", Password, Code(secret));
        var token = await PageTokenAsync(browser);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/site")).StatusCode);

        await App.Admin.PostAsync("/api/users/n.gone/deactivation", new JsonObject { ["reason"] = "left" }, 200);

        Assert.Equal(HttpStatusCode.Unauthorized, await ApiAsync(token, "/api/worklist"));
        await PageTokenAsync(browser, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/site")).StatusCode);
    }

    [Fact]
    public async Task a_kept_cookie_does_not_come_back_when_the_user_is_reactivated_or_re_invited()
    {
        var secret = await SetUpAsync("kept.cookie");
        using var browser = new Browser(App);
        await SignInAsync(browser, "kept.cookie", Password, Code(secret));
        await PageTokenAsync(browser);

        await App.Admin.PostAsync("/api/users/kept.cookie/deactivation", new JsonObject { ["reason"] = "on leave" }, 200);
        await App.Admin.PostAsync("/api/users/kept.cookie/reactivation", new JsonObject { ["reason"] = "back" }, 200);
        await PageTokenAsync(browser, HttpStatusCode.Unauthorized);

        App.Clock.Advance(TimeSpan.FromSeconds(30));
        using var again = new Browser(App);
        await SignInAsync(again, "kept.cookie", Password, Code(secret));
        await PageTokenAsync(again);
        await App.Admin.PostAsync("/api/users/kept.cookie/invitation", new JsonObject { ["reason"] = "lost phone" }, 201);
        await PageTokenAsync(again, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task one_address_trying_one_password_on_many_accounts_is_stopped_and_its_neighbours_are_not()
    {
        var secret = await SetUpAsync("rate.victim");
        using var attacker = new Browser(App, IPAddress.Parse("203.0.113.7"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            statuses.Add((await SignInAsync(attacker, $"staff{i}", "Summer2026!", "123456")).StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        var refused = await SignInAsync(attacker, "rate.victim", Password, Code(secret));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString()) is > 0 and <= 60);
        Assert.Contains("Too many sign-in attempts came from your network", await refused.Content.ReadAsStringAsync());
        // The account set-up counts against the same limit.
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await attacker.SubmitAsync("/account/setup", "/account/setup", ("username", "rate.victim"), ("invitation", "x"))).StatusCode);

        // Someone at another address is not held up (the window itself runs on real time: not waited for here).
        using var colleague = new Browser(App, IPAddress.Parse("203.0.113.8"));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(colleague, "rate.victim", Password, Code(secret))).StatusCode);
    }

    [Fact]
    public async Task thirty_two_guesses_at_once_do_not_get_round_the_lockout()
    {
        var secret = await SetUpAsync("many.guesses");
        var guesses = Enumerable.Range(0, 32).Select(async i =>
        {
            using var browser = new Browser(App);
            return (await SignInAsync(browser, "many.guesses", Password, ((int.Parse(Code(secret)) + 1 + i) % 1_000_000).ToString("D6"))).StatusCode;
        });
        Assert.All(await Task.WhenAll(guesses), status => Assert.Equal(HttpStatusCode.Unauthorized, status));

        // The account is locked: the right code is refused too.
        using var late = new Browser(App);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(late, "many.guesses", Password, Code(secret))).StatusCode);
    }

    [Fact]
    public async Task forms_without_their_antiforgery_field_and_pasted_tokens_in_production_are_refused()
    {
        var secret = await SetUpAsync("f.orm");
        using var browser = new Browser(App);
        var forged = await browser.PostAsync("/signin", ("username", "f.orm"), ("password", Password), ("code", Code(secret)));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        var pasted = await browser.SubmitAsync("/signin", "/signin", ("token", App.Tokens.Issue("admin-user", Roles.Admin, [])));
        Assert.Equal(HttpStatusCode.Unauthorized, pasted.StatusCode);
        await PageTokenAsync(browser, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_set_up_finishing_while_the_admin_invites_again_never_keeps_the_replaced_invitation_s_password()
    {
        for (var round = 0; round < 5; round++)
        {
            var username = $"race.{round}";
            await App.Admin.PostAsync("/api/users", new JsonObject
            {
                ["username"] = username,
                ["displayName"] = "Race",
                ["role"] = Roles.Monitor,
                ["sites"] = new JsonArray(),
                ["reason"] = "joins",
            }, 201);
            var first = JsonNode.Parse(await (await App.Admin.PostAsync($"/api/users/{username}/invitation",
                new JsonObject { ["reason"] = "first" }, 201)).ReadAsTextAsync())!["code"]!.GetValue<string>();
            using var browser = new Browser(App);
            var step1 = await browser.SubmitAsync("/account/setup", "/account/setup",
                ("username", username), ("invitation", first), ("password", Password), ("repeat", Password));
            var html = await step1.Content.ReadAsStringAsync();
            var secret = Base32Encoding.ToBytes(SecretField().Match(html).Groups[1].Value.Replace(" ", ""));
            var enrolment = WebUtility.HtmlDecode(EnrolmentField().Match(html).Groups[1].Value);
            var token = WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value);

            // The person finishes the set-up while the admin sends a new invitation (a lost phone, say).
            var finishing = browser.PostAsync("/account/setup/second-factor", ("enrolment", enrolment), ("code", Code(secret)), ("__antiforgery", token));
            var reinviting = App.Admin.PostAsync($"/api/users/{username}/invitation", new JsonObject { ["reason"] = "lost phone" }, 201);
            await Task.WhenAll(finishing, reinviting);
            App.Clock.Advance(TimeSpan.FromSeconds(30));

            // Whichever came first, the new invitation is what counts: the old set-up's password does not sign in.
            using var later = new Browser(App);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(later, username, Password, Code(secret))).StatusCode);
        }
    }

    [Fact]
    public async Task an_invitation_sets_up_once_a_new_one_replaces_the_password_and_a_weak_password_is_refused()
    {
        var secret = await SetUpAsync("re.set");
        using var browser = new Browser(App);
        var reused = await browser.SubmitAsync("/account/setup", "/account/setup",
            ("username", "re.set"), ("invitation", "not-the-code"), ("password", Password), ("repeat", Password));
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);

        var invitation = JsonNode.Parse(await (await App.Admin.PostAsync("/api/users/re.set/invitation",
            new JsonObject { ["reason"] = "lost phone" }, 201)).ReadAsTextAsync())!["code"]!.GetValue<string>();
        // The old password and phone stop working at once.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(browser, "re.set", Password, Code(secret))).StatusCode);

        var weak = await browser.SubmitAsync("/account/setup", "/account/setup",
            ("username", "re.set"), ("invitation", invitation), ("password", "re.set12345678"), ("repeat", "re.set12345678"));
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);

        App.Clock.Advance(TimeSpan.FromHours(73));
        var late = await browser.SubmitAsync("/account/setup", "/account/setup",
            ("username", "re.set"), ("invitation", invitation), ("password", Password), ("repeat", Password));
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
    }
}
