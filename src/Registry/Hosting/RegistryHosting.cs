using System.Reflection;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Identity;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Patients.Enrolling;
using Registry.Patients.Timeline;
using Registry.Safety;
using Registry.Sites;
using Registry.Writing;
using Weasel.Core;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace Registry.Hosting;

/// <summary>The registry's composition: the store, the messaging runtime, JSON, health. The host only calls this.</summary>
public static class RegistryHosting
{
    public const string ConnectionStringName = "Registry";

    /// <summary>
    /// The async daemon's polling interval once caught up (setting <c>Projections:IdlePollingMilliseconds</c>).
    /// Measured (docs/performance.md): 250 ms brings a new SAE to the clocks in 0.25 s instead of 1 s,
    /// but costs about 10 % of visit throughput on a 2-core machine, so the default stays at Marten's 1 s.
    /// </summary>
    public const int DefaultIdlePollingMilliseconds = 1000;
    public const string SchemaName = RegistrySchema.Name;

    /// <param name="applicationAssembly">The host's assembly: Wolverine's pre-generated code lives there.</param>
    public static WebApplicationBuilder AddRegistry(this WebApplicationBuilder builder, Assembly applicationAssembly)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(DiseaseCatalogue.LoadSeed());
        services.AddOptions<ResponseOptions>().Bind(configuration.GetSection(ResponseOptions.Section));
        services.AddSingleton(sp => new Response(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ResponseOptions>>().Value));
        services.AddOptions<Worklist.WorklistOptions>().Bind(configuration.GetSection(Worklist.WorklistOptions.Section))
            .Validate(o => o.AeFollowUpDays >= 1 && o.SeriousAeFollowUpDays >= 1, "Worklist: the follow-up intervals are at least 1 day.")
            .ValidateOnStart();
        services.AddOptions<Safety.Reports.SafetyReportOptions>().Bind(configuration.GetSection(Safety.Reports.SafetyReportOptions.Section))
            .Validate(
                o => o.CountryCode is { Length: 2 } c && c.All(char.IsAsciiLetter) && !string.IsNullOrWhiteSpace(o.SenderOrganisation),
                "Safety:Reports: CountryCode is an ISO 3166-1 alpha-2 code and SenderOrganisation is named.")
            .ValidateOnStart();
        services.AddSingleton<CohortFigures>();
        services.AddSingleton<FiguresCache>();
        services.AddSingleton<Safety.SaeClockQuery>();
        services.AddSingleton<Safety.SafetyFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<Safety.SafetyFeed>());
        services.AddSingleton<Freshness>();
        services.AddSingleton<ProjectionStatus>();
        services.AddSingleton<PatientSites>();
        services.AddOptions<Exports.ExportOptions>().Bind(configuration.GetSection(Exports.ExportOptions.Section)).ValidateOnStart();
        services.AddSingleton(sp =>
            new Pseudonyms(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Exports.ExportOptions>>().Value.PseudonymSecret
                is { Length: >= 32 } secret ? System.Text.Encoding.UTF8.GetBytes(secret) : null));
        // The pseudonym secret: required outside Development (in Development, checked when set).
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Exports.ExportOptions>>(sp =>
        {
            var environment = sp.GetRequiredService<IHostEnvironment>();
            return new SecretValidation<Exports.ExportOptions>(environment, $"{Exports.ExportOptions.Section}:PseudonymSecret",
                o => o.PseudonymSecret, required: !environment.IsDevelopment());
        });

        services.ConfigureHttpJsonOptions(o => RegistryJson.Configure(o.SerializerOptions));
        services.AddOptions<RequestLimits>().Bind(configuration.GetSection(RequestLimits.Section));
        // Kestrel refuses any body beyond the write limit too (the body check answers 413 first for JSON).
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k =>
            k.Limits.MaxRequestBodySize =
                configuration.GetValue(RequestLimits.Section + ":MaxBodyBytes", new RequestLimits().MaxBodyBytes));
        services.AddProblemDetails();
        services.AddRegistryAccess(configuration);
        services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor;
            foreach (var network in configuration.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [])
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.AddRegistryDataProtection();
        services.AddRegistryTelemetry(configuration);
        services.AddHostedService<MetricsPoll>();
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.Section));
        services.AddSingleton<AuditChain>();
        services.AddHostedService<AuditSealer>();
        services.AddExceptionHandler<ProblemExceptionHandler>();

        // Development creates what it needs; Production only uses the schema built from migrations/
        // and only the code generated ahead of time (Internal/Generated in the host).
        services.CritterStackDefaults(x =>
        {
            x.Development.GeneratedCodeMode = TypeLoadMode.Dynamic;
            x.Development.ResourceAutoCreate = AutoCreate.CreateOrUpdate;
            x.Production.GeneratedCodeMode = TypeLoadMode.Static;
            x.Production.ResourceAutoCreate = AutoCreate.None;
            x.Production.SourceCodeWritingEnabled = false;
            x.Production.AssertAllPreGeneratedTypesExist = true;
        });

        // Several nodes on one database: Marten's HotCold daemon elects the node that runs the projections
        // (advisory lock; another takes over when it dies) and Wolverine balances the durable messages.
        var cluster = configuration["Cluster:Mode"]?.ToLowerInvariant() switch
        {
            null or "" or "solo" => false,
            "cluster" => true,
            var other => throw new InvalidOperationException($"Cluster:Mode is '{other}': use solo (one node) or cluster (several)."),
        };
        services.AddMarten(sp =>
            {
                var opts = new StoreOptions();
                opts.Connection(WithAutoPrepare(ConnectionString(configuration)));
                opts.DatabaseSchemaName = SchemaName;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

                opts.Events.StreamIdentity = StreamIdentity.AsGuid;
                opts.Events.AddEventType<DataAccessed>();

                // Every event's recording time comes from the registry's clock (TimeProvider), not the
                // database server's: the SAE clocks, the site clock and "recordedAt" are computed from it,
                // and the tests move that clock (so the suite passes on any date).
                opts.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
                opts.Events.TimeProvider = sp.GetRequiredService<TimeProvider>();
                opts.Events.MetadataConfig.UserNameEnabled = true;

                opts.Schema.For<Site>();
                // The user directory: a user is loaded by id (named after the username); a person signed in through
                // an external identity provider is found by that issuer's subject, which names one user at most.
                opts.Schema.For<Identity.UserAccount>().UniqueIndex(x => x.ExternalKey!);
                opts.Projections.Add(new Identity.UserAccountProjection(), ProjectionLifecycle.Inline);
                // Sign-in: built-in credentials (never events), page sessions, the built-in issuer's keys.
                opts.Schema.For<Identity.UserCredential>();
                opts.Schema.For<Identity.BrowserSession>();
                opts.Schema.For<Identity.IssuerKey>();
                opts.Schema.For<Identity.RedeemedCode>();
                opts.Schema.For<SubjectCodeClaim>();
                // The worklist pages a site's records by what is due first (real columns, so the page is found
                // without reading the documents) and lists the SAEs of only the records that have one.
                opts.Schema.For<PatientRecord>()
                    .Index(x => x.SiteId)
                    .Index(x => x.DiseaseCode)
                    .Duplicate(x => x.NextDueOn!, pgType: "date")
                    .Duplicate(x => x.SubjectCode)
                    .Duplicate(x => x.HasSeriousEvents, pgType: "boolean")
                    .Duplicate(x => x.OpenQueries, pgType: "integer")
                    .Duplicate(x => x.CurrentEntries, pgType: "integer")
                    .Duplicate(x => x.VerifiedEntries, pgType: "integer")
                    .Duplicate(x => x.SignatureDue, pgType: "boolean")
                    .Duplicate(x => x.Voided, pgType: "boolean")
                    .Duplicate(x => x.UnresolvedNewsOn!, pgType: "date");
                opts.Schema.For<IdempotencyRecord>();
                opts.Schema.For<DataProtectionKey>();
                // The audit pages newest first by (at, id) and filters by patient or user: real columns.
                opts.Schema.For<AuditRecord>()
                    .Duplicate(x => x.At, pgType: "timestamp with time zone")
                    .Duplicate(x => x.PatientId!, pgType: "uuid")
                    .Duplicate(x => x.UserId);
                var response = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ResponseOptions>>().Value;
                opts.Projections.Add(new PatientRecordProjection(Worklist.DueItems.Plan(response)), ProjectionLifecycle.Inline);
                opts.Projections.Add<PatientStateProjection>(ProjectionLifecycle.Live);
                // The facts carry each patient's figure rows (the response rules): PostgreSQL aggregates them.
                var figureRows = new PatientFigureRows(sp.GetRequiredService<Response>(), sp.GetRequiredService<DiseaseCatalogue>());
                var serializer = opts.Serializer();
                var facts = new PatientFactsProjection(rows => serializer.ToJson(rows), figureRows, new Safety.SafetyRows());
                opts.Projections.Add(facts, ProjectionLifecycle.Async);
                opts.Projections.Add<SaeCaseProjection>(ProjectionLifecycle.Inline);
                opts.Projections.Add(new AdverseEventOwnerProjection(), ProjectionLifecycle.Inline);
                opts.Schema.For<Exports.ExportRecord>().Index(x => x.RequestedBy);
                // Saved cohort definitions: each a stream of versions, folded as it is written.
                opts.Projections.Add(new Exports.SavedCohortProjection(), ProjectionLifecycle.Inline);

                // A projection that cannot apply an event stops, loudly, rather than skip it.
                opts.Projections.Errors.SkipApplyErrors = false;
                opts.Projections.Errors.SkipSerializationErrors = false;
                opts.Projections.Errors.SkipUnknownEvents = false;
                opts.Schema.For<PatientFacts>().Index(x => x.DiseaseCode).Index(x => x.SiteId);

                // How often the daemon looks for new events once it has caught up: the delay before a
                // new SAE reaches the clocks and the live dashboard (Marten's default is one second).
                // How often a standby node tries the daemon's advisory lock (HotCold's election): the takeover delay.
                opts.Projections.LeadershipPollingTime = 2_000;
                opts.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(
                    configuration.GetValue("Projections:IdlePollingMilliseconds", DefaultIdlePollingMilliseconds));
                return opts;
            })
            .UseLightweightSessions()
            .AddAsyncDaemon(cluster ? JasperFx.Events.Daemon.DaemonMode.HotCold : JasperFx.Events.Daemon.DaemonMode.Solo)
            .IntegrateWithWolverine();

        builder.Host.UseWolverine(opts =>
        {
            opts.ApplicationAssembly = applicationAssembly;
            opts.Discovery.IncludeAssembly(typeof(RegistryHosting).Assembly);
            opts.Policies.UseDurableLocalQueues();
            // One node (as the daemon's Solo mode): at start it takes over every message a previous run left,
            // so an export whose host was killed resumes at once. Several nodes (Cluster:Mode=cluster): Balanced,
            // the nodes share the durable inbox in PostgreSQL and the leader hands a dead node's messages on.
            opts.Durability.Mode = cluster ? DurabilityMode.Balanced : DurabilityMode.Solo;
        });
        services.AddWolverineHttp();

        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<ProjectionHealthCheck>("projections", tags: ["ready"]);

        return builder;
    }

    /// <summary>
    /// Npgsql prepares the statements a connection runs often (the write path runs the same few on
    /// every visit), unless the connection string names an Auto Prepare setting itself. PostgreSQL
    /// then still plans each execution for its parameters (<c>plan_cache_mode=force_custom_plan</c>):
    /// with its default, prepared statements switch to a generic plan after five runs, and the
    /// timeline rebuild's paging queries became 3.5 times slower (docs/benchmarks.md, notes).
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
            builder.Options = string.IsNullOrWhiteSpace(builder.Options)
                ? "-c plan_cache_mode=force_custom_plan"
                : builder.Options + " -c plan_cache_mode=force_custom_plan";
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Before the host starts: waits until the database answers, saying so in the log every few seconds,
    /// instead of failing for good when the registry starts before its database (a reboot, a container
    /// started first). Gives up only when the process is stopped.
    /// </summary>
    public static Task WaitForDatabaseAsync(this WebApplication app, CancellationToken ct = default) =>
        WaitForDatabaseAsync(ConnectionString(app.Configuration),
            app.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("Registry.Startup"), ct);

    /// <inheritdoc cref="WaitForDatabaseAsync(WebApplication, CancellationToken)"/>
    public static async Task WaitForDatabaseAsync(
        string connectionString, Microsoft.Extensions.Logging.ILogger logger, CancellationToken ct = default)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Timeout = 5, Pooling = false };
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new Npgsql.NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(ct);
                if (attempt > 1)
                {
                    Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(logger,
                        "The database at {Host}:{Port} answers; starting.", builder.Host, builder.Port);
                }

                return;
            }
            // Only what passes with time (refused, reset, "the database system is starting up"); a wrong
            // password or a missing database fails at once with the reason, rather than wait for ever.
            catch (Exception e) when (e is Npgsql.NpgsqlException { IsTransient: true }
                or System.Net.Sockets.SocketException or TimeoutException)
            {
                Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger,
                    "Waiting for the database at {Host}:{Port} (attempt {Attempt}, next in {Delay} s): {Reason}",
                    builder.Host, builder.Port, attempt, delay.TotalSeconds, e.Message);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            }
        }
    }

    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName)
        ?? throw new InvalidOperationException(
            $"No connection string: set ConnectionStrings:{ConnectionStringName} " +
            $"(the environment variable ConnectionStrings__{ConnectionStringName}), or start the registry with ops/run.");
}

/// <summary>
/// Ready only while the async projections run and keep up: unhealthy when one has stopped on an event
/// it cannot apply (naming it and the event), or when the cohort and safety facts are more than
/// <c>Health:MaxProjectionLag</c> events (default 10,000) behind the event store's high-water mark.
/// </summary>
public sealed class ProjectionHealthCheck(IDocumentStore store, IConfiguration configuration, ProjectionStatus status) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // A projection that cannot apply an event fails readiness at once, saying which and where.
        if (status.Failure(Cohorts.ProjectionProgress.PatientFacts) is { } failure)
        {
            return HealthCheckResult.Unhealthy(failure);
        }

        var maxLag = configuration.GetValue("Health:MaxProjectionLag", 10_000L);
        await using var session = store.QuerySession();
        var lag = await Cohorts.ProjectionProgress.LagAsync(session, Cohorts.ProjectionProgress.PatientFacts, cancellationToken);
        return lag > maxLag
            ? HealthCheckResult.Unhealthy($"The cohort and safety projections are {lag} events behind.")
            : HealthCheckResult.Healthy($"The projections are {lag} events behind.");
    }
}

public sealed class DatabaseHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var session = store.QuerySession();
            await session.QueryAsync<int>("select 1", cancellationToken);
            return HealthCheckResult.Healthy("The database answers.");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", e);
        }
    }
}
