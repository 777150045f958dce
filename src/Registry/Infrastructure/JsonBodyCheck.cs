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
            var (path, message) = Describe(e, requestType);
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
    public static (string Path, string Message) Describe(JsonException e, Type requestType)
    {
        var path = e.Path is null or "$" ? "$" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        if (!e.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return (path, $"The request body is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}).");
        }

        var expected = TypeAt(requestType, path) is { } type ? Expected(type) : "of another type";
        return (path, $"This value cannot be read: it must be {expected}.");
    }

    /// <summary>The .NET type the request expects at a JSON path such as <c>doses[1].doseIu</c>.</summary>
    private static Type? TypeAt(Type root, string path)
    {
        var type = root;
        foreach (Match segment in PathSegment().Matches(path))
        {
            if (segment.Groups["index"].Success)
            {
                type = ElementType(type);
            }
            else
            {
                type = type?.GetProperty(segment.Groups["name"].Value,
                    System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase)?.PropertyType;
            }

            if (type is null)
            {
                return null;
            }
        }

        return type;
    }

    private static Type? ElementType(Type? type) =>
        type is null ? null
        : type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(DateOnly) => "a date written yyyy-MM-dd",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a date and time in ISO 8601 with its offset",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number",
            _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) => "a number",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(Guid) => "an id (a UUID)",
            _ when type == typeof(string) => "text in quotes",
            _ when type.IsEnum => "one of the listed values, in quotes",
            _ when ElementType(type) is not null => "a list in [ ]",
            _ => "an object in { }",
        };
    }

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_]*)|\[(?<index>\d+)\]")]
    private static partial Regex PathSegment();
}
