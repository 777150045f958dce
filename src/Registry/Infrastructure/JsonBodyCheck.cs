using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Registry.Infrastructure;

/// <summary>
/// Reads a request body once before the endpoint does, into the endpoint's own request type, so a
/// body that is not JSON, or a value of the wrong type (<c>"birthYear": "abc"</c>), becomes the same
/// 400 problem as any validation error, keyed by the JSON path of the value, in words a person can act on.
/// </summary>
public sealed partial class JsonBodyCheck(RequestDelegate next, IOptions<JsonOptions> json)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var requestType = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        if (requestType is null || context.Request.ContentLength == 0 || HttpMethods.IsGet(context.Request.Method))
        {
            await next(context);
            return;
        }

        context.Request.EnableBuffering();
        try
        {
            await JsonSerializer.DeserializeAsync(context.Request.Body, requestType, json.Value.SerializerOptions, context.RequestAborted);
        }
        catch (JsonException e)
        {
            var (path, message) = Describe(e);
            var problem = ValidationErrors.Problem(new Dictionary<string, List<string>> { [path] = [message] });
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json");
            return;
        }
        finally
        {
            context.Request.Body.Position = 0;
        }

        await next(context);
    }

    /// <summary>The request's JSON path of the failure ("$" for the body as a whole) and a message.</summary>
    public static (string Path, string Message) Describe(JsonException e)
    {
        var path = e.Path is null or "$" ? "$" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        var target = ConvertedTo().Match(e.Message);
        if (!target.Success)
        {
            return (path, $"The request body is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}).");
        }

        var expected = target.Groups["type"].Value switch
        {
            var t when t.Contains("DateOnly", StringComparison.Ordinal) => "a date written yyyy-MM-dd",
            var t when t.Contains("DateTimeOffset", StringComparison.Ordinal) => "a date and time in ISO 8601 with its offset",
            var t when t.Contains("Int", StringComparison.Ordinal) => "a whole number",
            var t when t.Contains("Decimal", StringComparison.Ordinal) || t.Contains("Double", StringComparison.Ordinal) => "a number",
            var t when t.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            var t when t.Contains("Guid", StringComparison.Ordinal) => "an id (a UUID)",
            var t when t.Contains("String", StringComparison.Ordinal) => "text in quotes",
            var t when t.Contains("List", StringComparison.Ordinal) || t.Contains("[]", StringComparison.Ordinal) => "a list in [ ]",
            _ => "an object in { }",
        };
        return (path, $"This value cannot be read: it must be {expected}.");
    }

    [GeneratedRegex("could not be converted to (?<type>[^.]+(\\.[^ .]+)*)")]
    private static partial Regex ConvertedTo();
}
