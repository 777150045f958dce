using System.Security.Claims;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Patients;

/// <summary>
/// Site isolation, in one place. Every endpoint whose route names a <c>{patientId}</c> gets this
/// check before it runs (see <see cref="AppliesTo"/>): a patient that does not exist, or
/// that belongs to a site the caller does not work for, is 404, so a site never learns that another
/// site's patient exists. Lists go through <see cref="VisibleTo"/>.
/// </summary>
public static class PatientScope
{
    public const string RouteParameter = "patientId";

    public static async Task<IResult> BeforeAsync(HttpContext context, ClaimsPrincipal user, IQuerySession session, PatientSites known)
    {
        if (!Guid.TryParse(context.GetRouteValue(RouteParameter) as string, out var patientId))
        {
            return NotFound();
        }

        // A site user's access is decided on the site the record names now (a transfer moves a patient, on whichever
        // node): read from its column, never from a cache. The cross-site roles only need the patient to exist.
        var caller = Caller.From(user);
        if (caller.IsSiteBound || !known.TryGet(patientId, out var site))
        {
            site = await session.Query<PatientRecord>()
                .Where(p => p.Id == patientId)
                .Select(p => p.SiteId)
                .FirstOrDefaultAsync(context.RequestAborted);
            if (site is not null)
            {
                known.Remember(patientId, site);
            }
        }

        return site is not null && caller.MaySee(site) ? WolverineContinue.Result() : NotFound();
    }

    /// <summary>The patients a caller may see: a site user's own sites, everyone's for the cross-site roles.</summary>
    public static IQueryable<PatientRecord> VisibleTo(this IQueryable<PatientRecord> patients, Caller caller)
    {
        if (!caller.IsSiteBound)
        {
            return patients;
        }

        var sites = caller.Sites.ToArray();
        return patients.Where(p => p.SiteId.IsOneOf(sites));
    }

    /// <summary>The endpoints the check applies to: every route with a <c>{patientId}</c>.</summary>
    public static bool AppliesTo(HttpChain chain) =>
        chain.RoutePattern?.Parameters.Any(p => p.Name == RouteParameter) == true;

    public static IResult NotFound() => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such patient.");
}

/// <summary>
/// The patients this process has seen exist (with the site they were at then): the cross-site roles' check needs only
/// that. A transfer can make the site stale, so a site user's check never reads it from here.
/// </summary>
public sealed class PatientSites : IDisposable
{
    private readonly Microsoft.Extensions.Caching.Memory.MemoryCache _sites =
        new(new Microsoft.Extensions.Caching.Memory.MemoryCacheOptions { SizeLimit = 200_000 });

    public bool TryGet(Guid patientId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? siteId)
    {
        siteId = _sites.TryGetValue(patientId, out var value) ? value as string : null;
        return siteId is not null;
    }

    public void Remember(Guid patientId, string siteId) =>
        Microsoft.Extensions.Caching.Memory.CacheExtensions.Set(
            _sites, patientId, siteId, new Microsoft.Extensions.Caching.Memory.MemoryCacheEntryOptions { Size = 1 });

    public void Dispose() => _sites.Dispose();
}
