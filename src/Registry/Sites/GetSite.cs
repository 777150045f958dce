using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Sites;

/// <summary>A site as the forms need it: its time zone and what "today" is there (the default date of a new entry).</summary>
public sealed record SiteView(string SiteId, string Name, string Country, string TimeZone, DateOnly Today);

public static class GetSiteEndpoint
{
    [WolverineGet("/api/sites/{siteId}", OperationId = "getSite")]
    [EndpointSummary("Get a site and its today.")]
    [Authorize(Policy = Policies.AnyRole)]
    public static async Task<IResult> Get(
        string siteId, IQuerySession session, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        if (!Caller.From(user).MaySee(siteId))
        {
            return Results.Problem(SiteAccess.NotYourSite(siteId));
        }

        var site = await session.LoadAsync<Site>(siteId, ct);
        return site is null
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such site.")
            : Results.Ok(new SiteView(site.Id, site.Name, site.Country, site.TimeZone, SiteClock.Today(time, site.TimeZone)));
    }
}
