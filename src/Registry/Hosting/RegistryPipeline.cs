using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Registry.Access;
using Registry.Identity;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Web;
using Wolverine.Http;

namespace Registry.Hosting;

public static class RegistryPipeline
{
    /// <summary>The request pipeline: problems for errors, body checks, health, then the endpoints.</summary>
    public static WebApplication UseRegistry(this WebApplication app)
    {
        // Behind a proxy (nginx, a load balancer on this machine or in ForwardedHeaders:KnownNetworks), the scheme the
        // client used (the cookie is Secure and HSTS is sent when that was HTTPS) and the client's address (the
        // sign-in limit counts per address). Headers from anyone else are ignored.
        app.UseForwardedHeaders();
        app.UseMiddleware<SecurityHeaders>();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<JsonBodyCheck>();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapRegistryMetrics();
        app.MapBrowserSignIn(app.Environment);
        app.MapBuiltInIssuer();
        app.MapPages();
        app.MapWolverineEndpoints(opts =>
        {
            opts.RejectUnparseableQueryValues = true;
            opts.AddMiddleware(typeof(PatientScope), PatientScope.AppliesTo);
            opts.AddMiddleware(typeof(RecordedBy));
        });
        return app;
    }
}
