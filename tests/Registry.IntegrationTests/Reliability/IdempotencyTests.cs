using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Reliability;

/// <summary>
/// Every POST honours <c>Idempotency-Key</c> through the one write path (API.md): the same request sent
/// again, even by 32 clients at once, gets the first answer and writes nothing more; the key sent with
/// another request is a 409 that writes nothing.
/// </summary>
public sealed class IdempotencyTests(RegistryApp app) : ApiTest(app)
{
    private const int Clients = 32;

    private sealed record Answer(int Status, string Body, string? Location, bool Replayed);

    [Fact]
    public async Task every_post_answers_a_retry_with_its_first_answer_and_a_reused_key_with_409()
    {
        var targets = await WriteTargets.SetUpAsync(App);
        Assert.Equal(WriteTargets.AllRoutes(Host.Services), targets.All.Select(t => t.Route).Order().ToList());

        // Withdrawal and completion both end a patient's participation: completion goes to a second patient.
        var second = await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment("FR01", "FR01-0101"));
        var mark = await DatabaseMark.CreateAsync(App.Database.ConnectionString);
        var submissions = targets.All.Single(t => t.Route.EndsWith("/submissions", StringComparison.Ordinal));
        foreach (var listed in targets.All.Where(t => t.Idempotent))
        {
            var target = listed.Route.EndsWith("/completion", StringComparison.Ordinal)
                ? listed with { Url = listed.Url.Replace(targets.Patient.ToString(), second.ToString(), StringComparison.Ordinal) }
                : listed;
            using var client = Client(target.Role, target.Sites, target.User);
            var key = Guid.NewGuid().ToString();
            var body = target.ValidBody().ToJsonString();

            // 32 clients send the same request under the same key at once: one is written, the others get its answer.
            var answers = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => SendAsync(client, target.Url, body, key)));
            var first = Assert.Single(answers, a => !a.Replayed);
            Assert.True(first.Status is 200 or 201 or 202, $"{target.Route}: {first.Status} {first.Body}");
            Assert.All(answers, again => Assert.Equal((first.Status, first.Body, first.Location), (again.Status, again.Body, again.Location)));
            await App.WaitForProjectionsAsync();
            var written = await mark.ReadAsync();

            var retry = await SendAsync(client, target.Url, body, key);
            Assert.Equal((first.Status, first.Body, first.Location, true), (retry.Status, retry.Body, retry.Location, retry.Replayed));

            // Another request under the same key (another body, or for a body-less write another route).
            var (otherUrl, otherBody) = body == "{}" ? (submissions.Url, "{}") : (target.Url, "{}");
            var reused = await SendAsync(client, otherUrl, otherBody, key);
            Assert.True(reused.Status == 409, $"{target.Route}: the key reused for another request answered {reused.Status} {reused.Body}");
            Assert.Contains("Idempotency-Key", reused.Body);
            Assert.Equal(written, await mark.ReadAsync());
        }

        // The invitation's answer holds a secret (its code), so it is never kept: a retry makes a new code, which
        // replaces the first (only the latest invitation works).
        var invitation = Assert.Single(targets.All, t => !t.Idempotent);
        using (var admin = Client(invitation.Role, invitation.Sites))
        {
            var key = Guid.NewGuid().ToString();
            var once = await SendAsync(admin, invitation.Url, invitation.ValidBody().ToJsonString(), key);
            var again = await SendAsync(admin, invitation.Url, invitation.ValidBody().ToJsonString(), key);
            Assert.Equal((201, false, 201, false), (once.Status, once.Replayed, again.Status, again.Replayed));
            Assert.NotEqual(once.Body, again.Body);
        }
    }

    private HttpClient Client(string role, string[] sites, string? user = null)
    {
        var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", App.Tokens.Issue(user ?? $"{role}-retry", role, sites));
        return client;
    }

    private static async Task<Answer> SendAsync(HttpClient client, string url, string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        return new Answer(
            (int)response.StatusCode,
            await response.Content.ReadAsStringAsync(),
            response.Headers.Location?.ToString(),
            response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Contains("true"));
    }
}
