using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Registry.Access;

namespace Registry.Web;

/// <summary>The browser pages and their assets, shipped inside the registry (no CDN, nothing fetched at run time).</summary>
public static class Pages
{
    private static readonly Dictionary<string, string> ContentTypes = new()
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
    };

    public static void MapPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (System.Security.Claims.ClaimsPrincipal user) => Results.Redirect(BrowserSignIn.HomeOf(Caller.From(user))))
            .RequireAuthorization(Policies.AnyRole);
        app.MapGet("/dashboard", () => Asset("dashboard.html")).RequireAuthorization(Policies.Safety);

        // Site data entry. The pages are shells: their data comes from the API with the caller's own
        // rights, so a patient of another site is the API's 404 on the page.
        app.MapGet("/site", () => Asset("worklist.html")).RequireAuthorization(Policies.SiteStaff);
        app.MapGet("/site/enrol", () => Asset("enrol.html")).RequireAuthorization(Policies.SiteStaff);
        app.MapGet("/site/patients/{patientId:guid}", () => Asset("patient.html")).RequireAuthorization(Policies.ReadPatients);
        app.MapGet("/site/patients/{patientId:guid}/visit", () => Asset("visit.html")).RequireAuthorization(Policies.SiteStaff);
        app.MapGet("/ui/{file}", (string file) => Asset(file)).AllowAnonymous();
    }

    private static IResult Asset(string file)
    {
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file));
        var stream = type is null ? null : typeof(Pages).Assembly.GetManifestResourceStream($"Registry.Web.{file}");
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
