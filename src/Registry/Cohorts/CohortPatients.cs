using Marten;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Cohorts;

/// <summary>
/// What the cohort list and one cohort's figures share: whose patients they cover, the checks of their
/// filters.
/// </summary>
public static class CohortPatients
{
    /// <summary>Whose patients the caller's figures cover: part of every cache key.</summary>
    public static string Visibility(Caller caller) =>
        caller.IsSiteBound ? "sites:" + string.Join(',', caller.Sites.Order(StringComparer.Ordinal)) : "all";

    internal static IResult? Check(Caller caller, string? therapyLine, string? siteId)
    {
        if (!string.IsNullOrEmpty(siteId) && !caller.MaySee(siteId))
        {
            return Results.Problem(SiteAccess.NotYourSite(siteId));
        }

        return !string.IsNullOrEmpty(therapyLine) && !Kebab.TryParse<TherapyLine>(therapyLine, out _)
            ? Results.Problem(ValidationErrors.Single("therapyLine", $"'{therapyLine}' is not a therapy line: use standalone or addon."))
            : null;
    }
}
