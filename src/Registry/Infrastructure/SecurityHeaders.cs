using Microsoft.AspNetCore.Http;

namespace Registry.Infrastructure;

/// <summary>
/// The headers every answer carries: a content security policy that allows only the registry's own scripts,
/// styles and connections (no inline script, no framing), <c>nosniff</c>, no referrer, and
/// <c>Cache-Control: no-store</c> on everything but the pages' own assets (<c>/ui/…</c>), so no answer carrying
/// patient data is kept by a browser or a proxy. HSTS is added by <c>UseHsts</c> on HTTPS requests outside
/// Development (the scheme as the trusted proxy forwarded it).
/// </summary>
/// <summary>Where a page's forms may lead besides the registry (sign-in through an issuer): set by the identity slice.</summary>
public sealed class FormTargets
{
    public List<string> Urls { get; } = [];
}

public sealed class SecurityHeaders(RequestDelegate next, Microsoft.Extensions.Options.IOptions<FormTargets> targets)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The policy with the places a sign-in form's redirects lead to besides the registry (browsers hold a form's
    /// whole redirect chain to <c>form-action</c>): the external issuer, and the built-in issuer's clients.
    /// </summary>
    private readonly string _policy = WithFormTargets(targets.Value.Urls);

    public static string WithFormTargets(IEnumerable<string?> urls)
    {
        var origins = urls
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri.GetLeftPart(UriPartial.Authority)
                : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return origins.Count == 0
            ? ContentSecurityPolicy
            : ContentSecurityPolicy.Replace(
                "form-action 'self'", "form-action 'self' " + string.Join(' ', origins), StringComparison.Ordinal);
    }

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = _policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            if (!context.Request.Path.StartsWithSegments("/ui"))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}
