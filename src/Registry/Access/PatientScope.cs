using System.Security.Claims;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Registry.Patients.Timeline;
using Wolverine.Http;

namespace Registry.Access;

/// <summary>
/// Site isolation, in one place. Every endpoint whose route names a <c>{patientId}</c> gets this
/// check before it runs (see <see cref="AppliesTo"/>): a patient that does not exist, or
/// that belongs to a site the caller does not work for, is 404, so a site never learns that another
/// site's patient exists. Lists go through <see cref="VisibleTo"/>.
/// </summary>
public static class PatientScope
{
    public const string RouteParameter = "patientId";

    public static async Task<IResult> BeforeAsync(HttpContext context, ClaimsPrincipal user, IQuerySession session)
    {
        if (!Guid.TryParse(context.GetRouteValue(RouteParameter) as string, out var patientId))
        {
            return NotFound();
        }

        var site = await session.Query<PatientRecord>()
            .Where(p => p.Id == patientId)
            .Select(p => p.SiteId)
            .FirstOrDefaultAsync(context.RequestAborted);
        return site is not null && Caller.From(user).MaySee(site) ? WolverineContinue.Result() : NotFound();
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
