using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Registry.Access;
using Registry.Identity;

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
        app.MapGet("/dashboard", (HttpContext http, IAntiforgery antiforgery) => WithForms(Text("dashboard.html"), http, antiforgery))
            .RequireAuthorization(Policies.Safety).ExcludeFromDescription();

        // Site data entry. The pages are shells: their data comes from the API with the caller's own
        // rights, so a patient of another site is the API's 404 on the page.
        app.MapGet("/site", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "Worklist", "worklist"))
            .RequireAuthorization(Policies.SiteStaff).ExcludeFromDescription();
        app.MapGet("/site/enrol", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "Enrol a patient", "enrol"))
            .RequireAuthorization(Policies.SiteStaff)
            .ExcludeFromDescription();
        app.MapGet("/site/patients/{patientId:guid}", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "Patient", "patient"))
            .RequireAuthorization(Policies.ReadPatients)
            .ExcludeFromDescription();
        app.MapGet("/site/patients/{patientId:guid}/visit", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "New visit", "visit"))
            .RequireAuthorization(Policies.SiteStaff)
            .ExcludeFromDescription();
        app.MapGet("/monitor", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "Queries and verification", "monitor"))
            .RequireAuthorization(Policies.Monitoring)
            .ExcludeFromDescription();
        app.MapGet("/cohorts", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "Cohorts", "cohorts"))
            .RequireAuthorization(Policies.Cohorts)
            .ExcludeFromDescription();

        // One disease's cohort (lower-case catalogue codes only; [[ ]] escapes the brackets in a route template).
        app.MapGet("/cohorts/{diseaseCode}", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "Cohort", "cohort"))
            .RequireAuthorization(Policies.Cohorts)
            .ExcludeFromDescription();
        app.MapGet("/exports", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "Exports", "exports"))
            .RequireAuthorization(Policies.Researcher)
            .ExcludeFromDescription();
        app.MapGet("/safety/cases/{adverseEventId:guid}", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "SAE case", "case"))
            .RequireAuthorization(Policies.Safety)
            .ExcludeFromDescription();
        app.MapGet("/admin/users", (HttpContext http, IAntiforgery antiforgery) =>
                SitePage(http, antiforgery, "Users", "users"))
            .RequireAuthorization(Policies.Admin)
            .ExcludeFromDescription();
        app.MapGet("/ui/{file}", (string file) => Asset(file)).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>A site page: the shared layout (head, header, navigation) around the page's own body, with its script.</summary>
    private static IResult SitePage(HttpContext http, IAntiforgery antiforgery, string title, string name) =>
        WithForms(ComposedPages.GetOrAdd(name, _ => Text("SitePages.layout.html")
            .Replace("{{title}}", title, StringComparison.Ordinal)
            .Replace("{{script}}", name + ".js", StringComparison.Ordinal)
            .Replace("{{body}}", Text($"SitePages.{name}.html"), StringComparison.Ordinal)), http, antiforgery);

    /// <summary>A page with its forms' antiforgery field (the sign-out form): made for each answer.</summary>
    private static IResult WithForms(string page, HttpContext http, IAntiforgery antiforgery) =>
        Results.Content(
            page.Replace("{{antiforgery}}", SignInPages.Field(http, antiforgery), StringComparison.Ordinal), "text/html; charset=utf-8");

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
