using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Registry.Infrastructure;

/// <summary>
/// OpenTelemetry: traces and metrics of ASP.NET Core, Npgsql, Marten and Wolverine, and the registry's own
/// (<see cref="RegistryMetrics"/>); scraped in Prometheus format at <c>/metrics</c> (loopback callers only: a
/// balancer in front must not pass it on), and exported over OTLP when <c>OpenTelemetry:OtlpEndpoint</c> is set.
/// Metrics name no patient: routes are templates. Traces carry request paths, whose patient ids are random GUIDs (no
/// identifier), and SQL statements without their values.
/// </summary>
public static class Observability
{
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddRegistryTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("registry", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql", "Marten", "Wolverine", RegistryMetrics.MeterName)
                .AddPrometheusExporter())
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != MetricsPath)
                .AddNpgsql()
                .AddSource("Marten", "Wolverine"));
        if (configuration["OpenTelemetry:OtlpEndpoint"] is { Length: > 0 } endpoint)
        {
            telemetry.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, new Uri(endpoint));
        }

        services.AddSingleton<RegistryMetrics>();
        return services;
    }

    /// <summary>
    /// The Prometheus scrape endpoint, for a scraper on the node's own machine only: a loopback caller that no proxy
    /// forwarded (a balancer on the same machine connects from loopback too, and says whom for). 404 to anyone else,
    /// checked inside the endpoint, so every spelling of the path that reaches it is checked.
    /// </summary>
    public static WebApplication MapRegistryMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(
            (http, next) => MayScrape(http) ? next(http) : Refuse(http)), optionsName: null);
        return app;
    }

    public static bool MayScrape(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)
        && !http.Request.Headers.ContainsKey("X-Forwarded-For") && !http.Request.Headers.ContainsKey("Forwarded")
        && !http.Request.Headers.ContainsKey("X-Original-For"); // what the forwarded-headers step leaves of a proxy's X-Forwarded-For

    private static Task Refuse(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}

/// <summary>
/// The registry's own instruments (requests, their latency by route and status, and the database's and engines' own
/// come from the instrumentations): each projection's lag behind the log as this node reads it, and the SAE clocks
/// open and overdue. A poll on every node (<c>Hosting/MetricsPoll</c>) keeps the values the gauges report.
/// </summary>
public sealed class RegistryMetrics : IDisposable
{
    public const string MeterName = "Registry";

    private readonly Meter _meter = new(MeterName);
    private readonly Dictionary<string, long> _lag = [];
    private int _open;
    private int _overdue;

    public RegistryMetrics()
    {
        _meter.CreateObservableGauge("registry.projection.lag", ObserveLag, "{event}",
            "Events committed to the log that a projection has not applied yet (as this node reads the progress)");
        _meter.CreateObservableGauge("registry.sae.open", () => Volatile.Read(ref _open), "{sae}",
            "Serious adverse events whose reporting is not closed or submitted");
        _meter.CreateObservableGauge("registry.sae.overdue", () => Volatile.Read(ref _overdue), "{sae}",
            "Serious adverse events past a regulatory or complete-report due date");
    }

    public void Lag(string projection, long events)
    {
        lock (_lag)
        {
            _lag[projection] = events;
        }
    }

    public void Clocks(int open, int overdue)
    {
        Volatile.Write(ref _open, open);
        Volatile.Write(ref _overdue, overdue);
    }

    private List<Measurement<long>> ObserveLag()
    {
        lock (_lag)
        {
            return _lag.Select(l => new Measurement<long>(l.Value, new KeyValuePair<string, object?>("projection", l.Key))).ToList();
        }
    }

    public void Dispose() => _meter.Dispose();
}
