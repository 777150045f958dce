using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Registry.Infrastructure;

/// <summary>
/// What <c>GET /openapi/v1.json</c> says beyond what the endpoints' metadata gives ASP.NET Core: the bearer
/// scheme and who needs it, a summary for every operation, and every operation's answers, each declared
/// once, here, from the endpoint's metadata (its route, its body, its query, its authorization) and the
/// contract (API.md). Checked against Redocly's recommended rules by <c>ApiDescriptionTests</c>.
/// </summary>
public static class ApiDescriptionTransformers
{
    /// <summary>The security scheme every <c>/api</c> operation requires.</summary>
    public const string BearerScheme = "bearer";

    private const string ProblemSchema = "ProblemDetails";
    private const string ValidationProblemSchema = "HttpValidationProblemDetails";
    private const string ProblemJson = "application/problem+json";

    /// <summary>
    /// Operations that never reach the database, so never answer 503: the catalogue and the entry kinds
    /// are in memory, and the live stream has answered 200 before its first query.
    /// </summary>
    private static readonly HashSet<string> WithoutDatabase = new(StringComparer.Ordinal)
    {
        "getCatalogue",
        "getEntryKinds",
        "getSafetyLive",
    };

    private const string TokenDescription =
        "A JWT signed with the registry's key (HMAC-SHA256, issuer and audience from `Auth:Issuer` and `Auth:Audience`), "
        + "carrying `sub` (an opaque user id), `role` (`site`, `monitor`, `pv`, `researcher` or `admin`) and, for site "
        + "users, `sites`. The identity provider issues it; outside Production the host mints one "
        + "(`dotnet run --project src/Registry.Api -- token --role site --sites FR01 --user nurse1`, or `ops/token.sh`), "
        + "and a signed-in page gets a 15-minute one from `GET /signin/token` with its sign-in cookie. "
        + "Send it as `Authorization: Bearer <token>`.";

    private const string DocumentDescription =
        "The registry of patients treated with low-dose interleukin-2: sites enrol patients and record their visits, "
        + "adverse events, corrections, withdrawal and completion; monitors and pharmacovigilance follow the cohorts, "
        + "the safety figures and the serious adverse events' clocks; researchers take de-identified exports. "
        + "JSON in camelCase, enumerations as lower-case kebab strings, dates `yyyy-MM-dd`, errors as RFC 9457 problem "
        + "details. Every call needs a bearer token (the `bearer` security scheme says how to get one).";

    /// <summary>Registers the registry's document and operation transformers.</summary>
    public static OpenApiOptions DescribeRegistryApi(this OpenApiOptions options)
    {
        options.AddOperationTransformer(DescribeOperation);
        options.AddDocumentTransformer(DescribeDocumentAsync);
        return options;
    }

    private static async Task DescribeDocumentAsync(
        OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info ??= new OpenApiInfo();
        document.Info.Title = "Registry API";
        document.Info.Version = "1";
        document.Info.Description = DocumentDescription;

        // AddComponent also registers the scheme in the document's workspace, so the requirement's
        // reference resolves when the document is written (an unresolved one is written as {}).
        _ = document.AddComponent(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = TokenDescription,
        });
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];

        // Without servers a client assumes "/" (the specification's default); say so, and no trailing slash otherwise.
        if (document.Servers is not { Count: > 0 })
        {
            document.Servers = [new OpenApiServer { Url = "/" }];
        }
        else
        {
            foreach (var server in document.Servers)
            {
                if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
                {
                    server.Url = url.TrimEnd('/');
                }
            }
        }

        // The error answers refer to these by name; ASP.NET Core adds them only when an endpoint's metadata names them.
        await AddSchemaAsync(document, context, typeof(ProblemDetails), ProblemSchema, cancellationToken);
        await AddSchemaAsync(document, context, typeof(HttpValidationProblemDetails), ValidationProblemSchema, cancellationToken);
    }

    private static async Task AddSchemaAsync(
        OpenApiDocument document, OpenApiDocumentTransformerContext context, Type type, string id, CancellationToken cancellationToken)
    {
        if (document.Components?.Schemas?.ContainsKey(id) == true)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        _ = document.AddComponent(id, schema);
    }

    private static Task DescribeOperation(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        // Each endpoint declares its summary beside its route ([EndpointSummary]); the API test fails on one without.
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;

        var authorized = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        if (!authorized)
        {
            // An empty list lifts the document's bearer requirement from this operation.
            operation.Security = [];
        }

        var responses = operation.Responses ??= new OpenApiResponses();
        DescribeSuccess(operation, responses, metadata);
        DescribeErrors(operation, context, responses, metadata, authorized);

        var ordered = responses.OrderBy(r => StatusOf(r.Key) is 0 ? int.MaxValue : StatusOf(r.Key)).ToList();
        responses.Clear();
        foreach (var (key, response) in ordered)
        {
            responses[key] = response;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Wolverine describes any endpoint that returns a value as 200 (and 404). The endpoint's own
    /// <c>[ProducesResponseType]</c> (or a line of <see cref="Success"/>) says what it answers instead;
    /// a 201 or 202 that Wolverine found (a creation response) replaces the 200 too.
    /// </summary>
    private static void DescribeSuccess(OpenApiOperation operation, OpenApiResponses responses, IList<object> metadata)
    {
        var declared = metadata.OfType<IApiResponseMetadataProvider>().Select(p => p.StatusCode).Where(IsSuccess).ToHashSet();

        var listed = responses.Keys.Where(k => IsSuccess(StatusOf(k))).ToList();
        if (declared.Count == 0)
        {
            if (listed.Count > 1 && listed.Any(k => StatusOf(k) is StatusCodes.Status201Created or StatusCodes.Status202Accepted))
            {
                responses.Remove("200");
            }

            return;
        }

        responses.TryGetValue("200", out var placeholder);
        foreach (var key in listed.Where(k => !declared.Contains(StatusOf(k))))
        {
            responses.Remove(key);
        }

        foreach (var code in declared.Order())
        {
            var key = code.ToString(CultureInfo.InvariantCulture);
            if (!responses.ContainsKey(key))
            {
                responses[key] = new OpenApiResponse
                {
                    Description = code == StatusCodes.Status202Accepted
                        ? "Accepted: the work is queued; `Location` names the resource that tells how it goes."
                        : ReasonPhrase(code),
                    Content = placeholder?.Content,
                    Headers = code is StatusCodes.Status201Created or StatusCodes.Status202Accepted
                        ? new Dictionary<string, IOpenApiHeader> { ["Location"] = LocationHeader() }
                        : null,
                };
            }
        }
    }

    /// <summary>
    /// The errors an operation can answer, each a problem document: they follow from the endpoint's metadata
    /// and the pipeline every request goes through (authorization, the body check, the exception handler).
    /// Error answers Wolverine guessed (a 404 on every endpoint that returns a value) go; ones the endpoint
    /// declares itself stay.
    /// </summary>
    private static void DescribeErrors(
        OpenApiOperation operation,
        OpenApiOperationTransformerContext context,
        OpenApiResponses responses,
        IList<object> metadata,
        bool authorized)
    {
        var document = context.Document;
        var post = HttpMethods.IsPost(context.Description.HttpMethod ?? string.Empty);
        var pathParameters = operation.Parameters?.Where(p => p.In == ParameterLocation.Path).Select(p => p.Name).ToList() ?? [];
        var query = operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true;
        var body = operation.RequestBody is not null;
        var patientWrite = post && pathParameters.Contains("patientId");

        var errors = new Dictionary<int, OpenApiResponse>();
        if (post || body || query)
        {
            errors[StatusCodes.Status400BadRequest] = Problem(document, ValidationProblemSchema,
                "The request is not valid: `errors` maps each JSON path, parameter or header to messages a person can act on. "
                + "Nothing was written.");
        }

        if (authorized)
        {
            errors[StatusCodes.Status401Unauthorized] = Problem(document, ProblemSchema,
                "No bearer token, or one that is expired, not yet valid, wrongly signed or from another issuer.");
            errors[StatusCodes.Status403Forbidden] = Problem(document, ProblemSchema,
                "The token's role may never call this endpoint, or the request names a site outside the token's `sites`.");
        }

        if (pathParameters.Count > 0)
        {
            errors[StatusCodes.Status404NotFound] = Problem(document, ProblemSchema,
                "No such resource, or one the caller may not see (a site never learns that another site's patient exists).");
        }

        if (post)
        {
            errors[StatusCodes.Status409Conflict] = Problem(document, ProblemSchema,
                "The request conflicts with what is recorded: an `Idempotency-Key` (or a `visitId`, `adverseEventId`) already "
                + "used for a different request, or a state that does not allow it. Nothing was written.");
        }

        if (patientWrite)
        {
            errors[StatusCodes.Status412PreconditionFailed] = Problem(document, ProblemSchema,
                "`If-Match` names a version the patient's record has moved past; `currentVersion` says where it is now.");
        }

        if (body)
        {
            errors[StatusCodes.Status413PayloadTooLarge] = Problem(document, ProblemSchema,
                "The body is larger than the registry accepts (`Requests:MaxBodyBytes`, 1 MiB by default).");
        }

        if (post)
        {
            errors[StatusCodes.Status415UnsupportedMediaType] = Problem(document, ProblemSchema,
                "The body is not UTF-8 JSON sent with `Content-Type: application/json`.");
        }

        if (operation.OperationId is not { } id || !WithoutDatabase.Contains(id))
        {
            var problem = Problem(document, ProblemSchema,
                "The registry's database is not reachable just now. Send the same request again after `Retry-After` "
                + "seconds, with the same ids or `Idempotency-Key`: a write that was recorded then answers as the first time.");
            problem.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before sending the request again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                },
            };
            errors[StatusCodes.Status503ServiceUnavailable] = problem;
        }

        var declared = metadata.OfType<IApiResponseMetadataProvider>().Select(p => p.StatusCode).ToHashSet();
        foreach (var key in responses.Keys.Where(k => StatusOf(k) >= 400 && !declared.Contains(StatusOf(k))).ToList())
        {
            responses.Remove(key);
        }

        foreach (var (code, response) in errors)
        {
            responses[code.ToString(CultureInfo.InvariantCulture)] = response;
        }
    }

    private static OpenApiResponse Problem(OpenApiDocument? document, string schema, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            [ProblemJson] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(schema, document) },
        },
    };

    private static OpenApiHeader LocationHeader() => new()
    {
        Description = "Where the created or accepted resource is.",
        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
    };

    private static bool IsSuccess(int status) => status is >= 200 and < 300;

    /// <summary>The status code a response key names, or 0 (<c>default</c>, <c>2XX</c>).</summary>
    private static int StatusOf(string key) =>
        int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var status) ? status : 0;

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Success";
}
