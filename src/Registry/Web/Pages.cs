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
        app.MapGet("/", () => Results.Redirect("/dashboard")).AllowAnonymous();
        app.MapGet("/dashboard", () => Asset("dashboard.html")).RequireAuthorization(Policies.Safety);
        app.MapGet("/ui/{file}", (string file) => Asset(file)).AllowAnonymous();
    }

    private static IResult Asset(string file)
    {
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file));
        var stream = type is null ? null : typeof(Pages).Assembly.GetManifestResourceStream($"Registry.Web.{file}");
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
