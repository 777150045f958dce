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
            .RequireAuthorization(Policies.AnyRole).ExcludeFromDescription();
        app.MapGet("/dashboard", () => Asset("dashboard.html")).RequireAuthorization(Policies.Safety).ExcludeFromDescription();

        // Site data entry. The pages are shells: their data comes from the API with the caller's own
        // rights, so a patient of another site is the API's 404 on the page.
        app.MapGet("/site", () => SitePage("Worklist", "worklist")).RequireAuthorization(Policies.SiteStaff).ExcludeFromDescription();
        app.MapGet("/site/enrol", () => SitePage("Enrol a patient", "enrol")).RequireAuthorization(Policies.SiteStaff)
            .ExcludeFromDescription();
        app.MapGet("/site/patients/{patientId:guid}", () => SitePage("Patient", "patient")).RequireAuthorization(Policies.ReadPatients)
            .ExcludeFromDescription();
        app.MapGet("/site/patients/{patientId:guid}/visit", () => SitePage("New visit", "visit")).RequireAuthorization(Policies.SiteStaff)
            .ExcludeFromDescription();
        app.MapGet("/ui/{file}", (string file) => Asset(file)).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>A site page: the shared layout (head, header, navigation) around the page's own body, with its script.</summary>
    private static IResult SitePage(string title, string name) =>
        Results.Content(ComposedPages.GetOrAdd(name, _ => Text("SitePages.layout.html")
            .Replace("{{title}}", title, StringComparison.Ordinal)
            .Replace("{{script}}", name + ".js", StringComparison.Ordinal)
            .Replace("{{body}}", Text($"SitePages.{name}.html"), StringComparison.Ordinal)), "text/html; charset=utf-8");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ComposedPages = new();

    private static string Text(string resource)
    {
        using var stream = typeof(Pages).Assembly.GetManifestResourceStream($"Registry.Web.{resource}")
            ?? throw new InvalidOperationException($"The page resource {resource} is not in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static IResult Asset(string file)
    {
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file));
        var stream = type is null ? null : typeof(Pages).Assembly.GetManifestResourceStream($"Registry.Web.{file}");
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
