using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Alba;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Platform;

/// <summary>
/// <c>GET /openapi/v1.json</c> read back with the OpenAPI reader and held to the rules Redocly's
/// <c>recommended</c> set reports as errors, and to the contract's own (API.md). One rule per test; a
/// failure names every operation (or component) that breaks it.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed partial class ApiDescriptionTests(RegistryApp app)
{
    private const string Bearer = "bearer";
    private const string ProblemJson = "application/problem+json";

    [Fact]
    public async Task the_reader_finds_no_error_in_the_document()
    {
        var (_, diagnostic) = await ReadAsync();

        NoneOf("struct, no-unresolved-refs (the reader's errors)", (diagnostic.Errors ?? []).Select(e => $"{e.Pointer}: {e.Message}"));
    }

    [Fact]
    public async Task every_schema_reference_names_a_component()
    {
        var (document, _) = await ReadAsync();
        var components = document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>();

        NoneOf("no-unresolved-refs", Schemas(document)
            .Where(s => s.Schema is OpenApiSchemaReference reference
                && (reference.Reference.Id is not { } id || !components.ContainsKey(id)))
            .Select(s => $"{s.Where}: $ref {((OpenApiSchemaReference)s.Schema).Reference.Id}"));
    }

    [Fact]
    public async Task every_operation_has_a_summary()
    {
        var (document, _) = await ReadAsync();

        NoneOf("operation-summary", Operations(document)
            .Where(o => string.IsNullOrWhiteSpace(o.Value.Summary))
            .Select(o => $"{o} ({o.Value.OperationId})"));
    }

    [Fact]
    public async Task every_operation_has_its_own_operation_id()
    {
        var (document, _) = await ReadAsync();
        var operations = Operations(document);

        NoneOf("operation-operationId-unique", operations
            .Where(o => string.IsNullOrEmpty(o.Value.OperationId))
            .Select(o => $"{o}: no operationId")
            .Concat(operations
                .Where(o => !string.IsNullOrEmpty(o.Value.OperationId))
                .GroupBy(o => o.Value.OperationId, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .Select(g => $"{g.Key}: {string.Join(", ", g)}")));
    }

    [Fact]
    public async Task operation_ids_are_url_safe()
    {
        var (document, _) = await ReadAsync();

        NoneOf("operation-operationId-url-safe", Operations(document)
            .Where(o => o.Value.OperationId is { } id && !UrlSafe().IsMatch(id))
            .Select(o => $"{o}: {o.Value.OperationId}"));
    }

    [Fact]
    public async Task every_operation_names_security_schemes_the_document_defines()
    {
        var (document, _) = await ReadAsync();
        var schemes = document.Components?.SecuritySchemes ?? new Dictionary<string, IOpenApiSecurityScheme>();
        var offenders = new List<string>();
        foreach (var operation in Operations(document))
        {
            var security = operation.Value.Security ?? document.Security;
            if (security is null)
            {
                offenders.Add($"{operation}: no security, and the document has none");
                continue;
            }

            foreach (var scheme in security.SelectMany(requirement => requirement.Keys))
            {
                if (scheme.Reference.Id is not { } name || !schemes.ContainsKey(name))
                {
                    offenders.Add($"{operation}: security scheme '{scheme.Reference.Id}' is not in components.securitySchemes");
                }
            }
        }

        NoneOf("security-defined", offenders);
    }

    [Fact]
    public async Task every_api_operation_requires_a_bearer_token()
    {
        var (document, _) = await ReadAsync();

        // API.md: every endpoint has a role; a requirement with no scheme ({}) would make the token optional.
        NoneOf("a bearer token required", Operations(document)
            .Where(o => !(Security(document, o) is { Count: > 0 } security
                && security.All(requirement => requirement.Count > 0)
                && security.Any(requirement => requirement.Keys.Any(k => k.Reference.Id == Bearer))))
            .Select(o => o.ToString()));
    }

    [Fact]
    public async Task the_document_says_what_the_registry_is_and_how_to_get_a_token()
    {
        var (document, _) = await ReadAsync();
        var schemes = document.Components?.SecuritySchemes;

        Assert.False(string.IsNullOrWhiteSpace(document.Info.Title));
        Assert.False(string.IsNullOrWhiteSpace(document.Info.Version));
        Assert.False(string.IsNullOrWhiteSpace(document.Info.Description));
        Assert.NotNull(schemes);
        Assert.True(schemes.TryGetValue(Bearer, out var scheme), "components.securitySchemes has no 'bearer'");
        Assert.Equal(SecuritySchemeType.Http, scheme.Type);
        Assert.Equal("bearer", scheme.Scheme);
        Assert.Equal("JWT", scheme.BearerFormat);
        Assert.Contains("token", scheme.Description);
    }

    [Fact]
    public async Task every_path_parameter_is_declared_and_every_declared_one_is_in_the_path()
    {
        var (document, _) = await ReadAsync();
        var offenders = new List<string>();
        foreach (var operation in Operations(document))
        {
            var inPath = TemplateParameter().Matches(operation.Path).Select(m => m.Groups[1].Value).ToList();
            var declared = Parameters(operation).Where(p => p.In == ParameterLocation.Path).Select(p => p.Name ?? "").ToList();
            offenders.AddRange(inPath.Except(declared).Select(name => $"{operation}: {{{name}}} is not declared as a path parameter"));
            offenders.AddRange(declared.Except(inPath).Select(name => $"{operation}: path parameter '{name}' is not in the path"));
            offenders.AddRange(inPath.GroupBy(name => name).Where(g => g.Count() > 1).Select(g => $"{operation}: {{{g.Key}}} twice"));
        }

        NoneOf("path-parameters-defined", offenders);
    }

    [Fact]
    public async Task no_path_ends_with_a_slash()
    {
        var (document, _) = await ReadAsync();

        NoneOf("no-path-trailing-slash", document.Paths.Keys.Where(path => path.Length > 1 && path.EndsWith('/')));
    }

    [Fact]
    public async Task no_path_holds_a_query()
    {
        var (document, _) = await ReadAsync();

        NoneOf("path-not-include-query", document.Paths.Keys.Where(path => path.Contains('?')));
    }

    [Fact]
    public async Task no_two_paths_differ_only_in_their_parameter_names()
    {
        var (document, _) = await ReadAsync();

        NoneOf("no-identical-paths", document.Paths.Keys
            .GroupBy(path => TemplateParameter().Replace(path, "{}"), StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => string.Join(" = ", g)));
    }

    [Fact]
    public async Task no_operation_declares_a_parameter_twice()
    {
        var (document, _) = await ReadAsync();
        var offenders = new List<string>();
        foreach (var operation in Operations(document))
        {
            offenders.AddRange((operation.Value.Parameters ?? [])
                .GroupBy(p => (p.Name, p.In))
                .Where(g => g.Count() > 1)
                .Select(g => $"{operation}: '{g.Key.Name}' in {g.Key.In} {g.Count()} times"));
        }

        NoneOf("operation-parameters-unique", offenders);
    }

    [Fact]
    public async Task every_enumeration_value_has_its_schemas_type()
    {
        var (document, _) = await ReadAsync();
        var offenders = new List<string>();
        foreach (var (where, schema) in Schemas(document))
        {
            if (schema is OpenApiSchemaReference || schema.Type is not { } type || schema.Enum is not { Count: > 0 } values)
            {
                continue;
            }

            foreach (JsonNode? value in values)
            {
                if (!HasType(type, value))
                {
                    offenders.Add($"{where}: {value?.ToJsonString() ?? "null"} is not of type {type}");
                }
            }
        }

        NoneOf("no-enum-type-mismatch", offenders);
    }

    [Fact]
    public async Task servers_are_listed_without_a_trailing_slash()
    {
        var (document, _) = await ReadAsync();
        var servers = document.Servers ?? [];
        var offenders = new List<string>();
        if (servers.Count == 0)
        {
            offenders.Add("no servers (no-empty-servers)");
        }

        foreach (var server in servers)
        {
            if (string.IsNullOrEmpty(server.Url))
            {
                offenders.Add("a server without a url");
            }
            else if (server.Url.Length > 1 && server.Url.EndsWith('/'))
            {
                offenders.Add($"{server.Url} ends with a slash (no-server-trailing-slash)");
            }
        }

        NoneOf("no-empty-servers, no-server-trailing-slash", offenders);
    }

    [Fact]
    public async Task component_names_are_url_safe()
    {
        var (document, _) = await ReadAsync();
        var components = document.Components;
        var maps = new List<(string Map, IEnumerable<string> Names)>
        {
            ("schemas", components?.Schemas?.Keys ?? []),
            ("responses", components?.Responses?.Keys ?? []),
            ("parameters", components?.Parameters?.Keys ?? []),
            ("examples", components?.Examples?.Keys ?? []),
            ("requestBodies", components?.RequestBodies?.Keys ?? []),
            ("headers", components?.Headers?.Keys ?? []),
            ("securitySchemes", components?.SecuritySchemes?.Keys ?? []),
            ("links", components?.Links?.Keys ?? []),
            ("callbacks", components?.Callbacks?.Keys ?? []),
        };

        NoneOf("spec-components-invalid-map-name", maps
            .SelectMany(map => map.Names.Where(name => !ComponentName().IsMatch(name)).Select(name => $"components.{map.Map}.{name}")));
    }

    [Fact]
    public async Task every_operation_describes_a_success_and_a_client_error()
    {
        var (document, _) = await ReadAsync();
        var offenders = new List<string>();
        foreach (var operation in Operations(document))
        {
            var codes = StatusCodes(operation);
            if (!codes.Any(code => code.StartsWith('2')))
            {
                offenders.Add($"{operation}: no 2xx answer");
            }

            if (!codes.Any(code => code.StartsWith('4')))
            {
                offenders.Add($"{operation}: no 4xx answer");
            }
        }

        NoneOf("operation-2xx-response, operation-4xx-response", offenders);
    }

    [Fact]
    public async Task operations_that_need_a_token_describe_401_and_403()
    {
        var (document, _) = await ReadAsync();
        var offenders = new List<string>();
        foreach (var operation in Operations(document).Where(o => Security(document, o)?.Any(requirement => requirement.Count > 0) == true))
        {
            var codes = StatusCodes(operation);
            offenders.AddRange(new[] { "401", "403" }.Except(codes).Select(code => $"{operation}: no {code}"));
        }

        NoneOf("401 and 403 where a token is required", offenders);
    }

    [Fact]
    public async Task every_error_answer_is_a_problem_document()
    {
        var (document, _) = await ReadAsync();
        var offenders = new List<string>();
        foreach (var operation in Operations(document))
        {
            foreach (var (code, response) in operation.Value.Responses ?? new OpenApiResponses())
            {
                if (!code.StartsWith('4') && !code.StartsWith('5'))
                {
                    continue;
                }

                if (string.IsNullOrWhiteSpace(response.Description))
                {
                    offenders.Add($"{operation} {code}: no description");
                }

                if (response.Content is null || !response.Content.TryGetValue(ProblemJson, out var problem) || problem.Schema is null)
                {
                    offenders.Add($"{operation} {code}: not described as {ProblemJson} with a schema");
                }

                if (code == "503" && response.Headers?.ContainsKey("Retry-After") != true)
                {
                    offenders.Add($"{operation} {code}: no Retry-After header");
                }
            }
        }

        NoneOf("error answers as problem details", offenders);
    }

    [Fact]
    public async Task requesting_an_export_is_described_as_accepted_and_never_as_200_or_404()
    {
        var (document, _) = await ReadAsync();
        var request = Operations(document).SingleOrDefault(o => o.Path == "/api/exports" && o.Method == HttpMethod.Post);

        Assert.NotNull(request);
        var codes = StatusCodes(request);
        Assert.Contains("202", codes);
        Assert.DoesNotContain("200", codes);
        Assert.DoesNotContain("404", codes);
    }

    [Fact]
    public async Task only_the_api_is_described_not_the_pages_nor_the_sign_in()
    {
        var (document, _) = await ReadAsync();

        NoneOf("paths outside /api/", document.Paths.Keys.Where(path => !path.StartsWith("/api/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task the_document_is_the_same_on_every_request()
    {
        var first = await JsonAsync();
        var second = await JsonAsync();

        Assert.Equal(first, second);
    }

    private sealed record DescribedOperation(string Path, HttpMethod Method, IOpenApiPathItem PathItem, OpenApiOperation Value)
    {
        public override string ToString() => $"{Method.Method} {Path}";
    }

    private async Task<string> JsonAsync() => await (await app.Anonymous.GetAsync("/openapi/v1.json")).ReadAsTextAsync();

    private async Task<(OpenApiDocument Document, OpenApiDiagnostic Diagnostic)> ReadAsync()
    {
        var result = OpenApiDocument.Parse(await JsonAsync(), "json");
        var document = result.Document;
        var diagnostic = result.Diagnostic;
        Assert.NotNull(document);
        Assert.NotNull(diagnostic);
        return (document, diagnostic);
    }

    private static List<DescribedOperation> Operations(OpenApiDocument document)
    {
        var operations = new List<DescribedOperation>();
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? new Dictionary<HttpMethod, OpenApiOperation>())
            {
                operations.Add(new DescribedOperation(path, method, item, operation));
            }
        }

        return operations;
    }

    /// <summary>The operation's own security, or the document's when it has none.</summary>
    private static IList<OpenApiSecurityRequirement>? Security(OpenApiDocument document, DescribedOperation operation) =>
        operation.Value.Security ?? document.Security;

    private static List<string> StatusCodes(DescribedOperation operation) =>
        operation.Value.Responses?.Keys.ToList() ?? [];

    private static IEnumerable<IOpenApiParameter> Parameters(DescribedOperation operation) =>
        (operation.PathItem.Parameters ?? []).Concat(operation.Value.Parameters ?? []);

    /// <summary>Every schema of the document (components, parameters, bodies, answers, headers) and the ones inside them.</summary>
    private static List<(string Where, IOpenApiSchema Schema)> Schemas(OpenApiDocument document)
    {
        var roots = new List<(string Where, IOpenApiSchema? Schema)>();
        foreach (var (name, schema) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            roots.Add(($"#/components/schemas/{name}", schema));
        }

        foreach (var operation in Operations(document))
        {
            foreach (var parameter in Parameters(operation))
            {
                roots.Add(($"{operation} parameter {parameter.Name}", parameter.Schema));
            }

            foreach (var (type, media) in operation.Value.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>())
            {
                roots.Add(($"{operation} body {type}", media.Schema));
            }

            foreach (var (code, response) in operation.Value.Responses ?? new OpenApiResponses())
            {
                foreach (var (type, media) in response.Content ?? new Dictionary<string, OpenApiMediaType>())
                {
                    roots.Add(($"{operation} {code} {type}", media.Schema));
                }

                foreach (var (name, header) in response.Headers ?? new Dictionary<string, IOpenApiHeader>())
                {
                    roots.Add(($"{operation} {code} header {name}", header.Schema));
                }
            }
        }

        var found = new List<(string Where, IOpenApiSchema Schema)>();
        var seen = new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance);
        foreach (var (where, schema) in roots)
        {
            Walk(where, schema, seen, found);
        }

        return found;
    }

    /// <summary>A schema and those it holds; a reference is listed but not followed (its target is a component).</summary>
    private static void Walk(
        string where, IOpenApiSchema? schema, HashSet<IOpenApiSchema> seen, List<(string Where, IOpenApiSchema Schema)> found)
    {
        if (schema is null || !seen.Add(schema))
        {
            return;
        }

        found.Add((where, schema));
        if (schema is OpenApiSchemaReference)
        {
            return;
        }

        foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            Walk($"{where}.{name}", property, seen, found);
        }

        Walk($"{where}.items", schema.Items, seen, found);
        Walk($"{where}.additionalProperties", schema.AdditionalProperties, seen, found);
        Walk($"{where}.not", schema.Not, seen, found);
        foreach (var (list, members) in new[] { ("allOf", schema.AllOf), ("oneOf", schema.OneOf), ("anyOf", schema.AnyOf) })
        {
            for (var i = 0; i < (members?.Count ?? 0); i++)
            {
                Walk($"{where}.{list}[{i}]", members![i], seen, found);
            }
        }
    }

    /// <summary>Whether a JSON value is of one of the schema's types (an integer may be written 3, never 3.5).</summary>
    private static bool HasType(JsonSchemaType type, JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => type.HasFlag(JsonSchemaType.Null),
        JsonValueKind.String => type.HasFlag(JsonSchemaType.String),
        JsonValueKind.True or JsonValueKind.False => type.HasFlag(JsonSchemaType.Boolean),
        JsonValueKind.Number => type.HasFlag(JsonSchemaType.Number) || (type.HasFlag(JsonSchemaType.Integer) && IsWhole(value)),
        JsonValueKind.Array => type.HasFlag(JsonSchemaType.Array),
        JsonValueKind.Object => type.HasFlag(JsonSchemaType.Object),
        _ => false,
    };

    private static bool IsWhole(JsonNode? value) =>
        value?.ToJsonString() is { } text && text.IndexOfAny(['.', 'e', 'E']) < 0;

    private static void NoneOf(string rule, IEnumerable<string> offenders)
    {
        var found = offenders.ToList();
        if (found.Count > 0)
        {
            Assert.Fail($"{rule}: {found.Count} found:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", found)}");
        }
    }

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex TemplateParameter();

    [GeneratedRegex(@"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*$")]
    private static partial Regex UrlSafe();

    [GeneratedRegex(@"^[a-zA-Z0-9\.\-_]+$")]
    private static partial Regex ComponentName();
}
