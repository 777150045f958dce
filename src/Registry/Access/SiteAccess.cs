using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Registry.Access;

public static class SiteAccess
{
    /// <summary>A site user naming a site outside its <c>sites</c> claim (API.md): 403.</summary>
    public static ProblemDetails NotYourSite(string siteId) => new()
    {
        Status = StatusCodes.Status403Forbidden,
        Title = "You do not work for this site.",
        Detail = $"Your account is not granted site {siteId}.",
    };
}
