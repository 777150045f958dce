using Microsoft.AspNetCore.Http;

namespace Registry.Infrastructure;

/// <summary>
/// The headers every answer carries: a content security policy that allows only the registry's own scripts,
/// styles and connections (no inline script, no framing), <c>nosniff</c>, no referrer, and
/// <c>Cache-Control: no-store</c> on everything but the pages' own assets (<c>/ui/…</c>), so no answer carrying
/// patient data is kept by a browser or a proxy. HSTS is added by <c>UseHsts</c> on HTTPS requests outside
/// Development (the scheme as the trusted proxy forwarded it).
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
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
