using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Writing;
using Wolverine.Http;

namespace Registry.Sites;

public sealed record RegisterSite(string? SiteId, string? Name, string? Country, string? TimeZone);

public sealed record SiteRegistered(string SiteId, string Name, string Country, string TimeZone)
    : CreationResponse("/api/sites/" + SiteId);

public static partial class RegisterSiteEndpoint
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
    private static partial Regex SiteIdPattern();

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryPattern();

    /// <summary>The site's rules: an id, a name, an ISO country, an IANA zone; an id not yet registered.</summary>
    public static async Task<ProblemDetails> CheckAsync(RegisterSite command, IQuerySession session, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var siteId = errors.Required("siteId", command.SiteId, "Give the site id, e.g. FR01.");
        if (siteId is not null && !SiteIdPattern().IsMatch(siteId))
        {
            errors.Add("siteId", "A site id is 1 to 32 letters, digits, '-' or '_', starting with a letter or digit.");
        }

        errors.Required("name", command.Name, "Give the site's name.");
        var country = errors.Required("country", command.Country, "Give the site's country as a two-letter ISO code, e.g. FR.");
        if (country is not null && !CountryPattern().IsMatch(country))
        {
            errors.Add("country", $"'{country}' is not a two-letter upper-case ISO country code, e.g. FR.");
        }

        if (command.TimeZone is not null && !SiteClock.IsKnownZone(command.TimeZone))
        {
            errors.Add("timeZone", $"'{command.TimeZone}' is not an IANA time zone name, e.g. Europe/Paris.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await session.LoadAsync<Site>(siteId!, ct) is null ? WolverineContinue.NoProblems : AlreadyRegistered(siteId!);
    }

    private static ProblemDetails AlreadyRegistered(string siteId) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "This site already exists.",
        Detail = $"Site {siteId} is already registered.",
    };

    [WolverinePost("/api/sites", OperationId = "registerSite")]
    [EndpointSummary("Register a site.")]
    [Authorize(Policy = Policies.Admin)]
    [ProducesResponseType<SiteRegistered>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(RegisterSite command, IDocumentSession session, HttpContext http, TimeProvider time) =>
        WritePath.ExecuteAsync(http, session, time, command, [],
            _ => Task.FromResult(WriteTarget.New),
            async ct =>
            {
                var problem = await CheckAsync(command, session, ct);
                if (!ReferenceEquals(problem, WolverineContinue.NoProblems))
                {
                    return WriteOutcome.Reject(problem);
                }

                var site = new Site
                {
                    Id = command.SiteId!.Trim(),
                    Name = command.Name!.Trim(),
                    Country = command.Country!.Trim(),
                    TimeZone = command.TimeZone ?? "UTC",
                };
                session.Insert(site);
                var answer = new SiteRegistered(site.Id, site.Name, site.Country, site.TimeZone);
                return WriteOutcome.Accept(new WriteAnswer(StatusCodes.Status201Created, answer, answer.Url));
            },
            // Registered by someone else between the check and the commit.
            (_, _) => Task.FromResult<ProblemDetails?>(AlreadyRegistered(command.SiteId!.Trim())));
}
