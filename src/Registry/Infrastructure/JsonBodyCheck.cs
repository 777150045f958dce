using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Registry.Infrastructure;

/// <summary>
/// What a request may be: sizes, depth, list lengths, header lengths. Setting section <c>Requests</c>;
/// the defaults and the reasons for them are in docs/reliability.md.
/// </summary>
public sealed class RequestLimits
{
    public const string Section = "Requests";

    /// <summary>A write's body, in bytes (1 MiB: a visit of 100 entries in every section is about 150 KB).</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Nesting of objects and lists (the deepest request, a score's items, is 4 deep).</summary>
    public int MaxDepth { get; set; } = 16;

    /// <summary>Characters in one text value (a verbatim term, a reason).</summary>
    public int MaxStringLength { get; set; } = 4000;

    /// <summary>Entries in one list (a visit's doses, Treg results, adverse events...), and fields in one object.</summary>
    public int MaxListItems { get; set; } = 100;

    /// <summary>Problems named in one answer; the answer says when there were more.</summary>
    public int MaxErrors { get; set; } = 50;

    /// <summary>Characters of an <c>Idempotency-Key</c> header.</summary>
    public int MaxIdempotencyKeyLength { get; set; } = 200;
}

/// <summary>
/// Checks a write's body before the endpoint (and so before any lock or database work), in time linear
/// in its size: at most <see cref="RequestLimits.MaxBodyBytes"/> of UTF-8 JSON whose top level is an
/// object; no field the endpoint does not know (a misspelled field would be lost data), no field twice,
/// no control characters, no text, list or nesting beyond the limits, no date before 1900, no number
/// that is not finite; then it reads the body into the endpoint's own request type, so a value of the
/// wrong type (<c>"birthYear": "abc"</c>) is the same 400 as any validation error. Every problem is
/// keyed by the JSON path of the value, in words a person can act on; nothing is written.
/// </summary>
public sealed partial class JsonBodyCheck(RequestDelegate next, IOptions<JsonOptions> json, IOptions<RequestLimits> limits)
{
    public static readonly DateOnly EarliestDate = new(1900, 1, 1);

    /// <summary>The longest query-string value the API takes (ids, codes, filters, cursors are far shorter).</summary>
    public const int MaxQueryValueLength = 1_000;

    public async Task InvokeAsync(HttpContext context)
    {
        // Every query-string value, reads included: no control characters (PostgreSQL refuses U+0000 in text, and none
        // belongs in an id, a code or a filter) and a bounded length. 400 naming the parameter, before anything runs.
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            foreach (var (name, values) in context.Request.Query)
            {
                if (values.Any(v => v is not null && (v.Length > MaxQueryValueLength || v.Any(char.IsControl))))
                {
                    await WriteAsync(context, StatusCodes.Status400BadRequest, Shorten(name, 100),
                        $"The query parameter '{Shorten(name, 100)}' must be at most {MaxQueryValueLength} characters, "
                        + "without control characters.");
                    return;
                }
            }
        }

        var requestType = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        if (HttpMethods.IsGet(context.Request.Method)
            || HttpMethods.IsHead(context.Request.Method)
            || HttpMethods.IsOptions(context.Request.Method))
        {
            await next(context);
            return;
        }

        var limit = limits.Value;
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > limit.MaxIdempotencyKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, "Idempotency-Key",
                $"An Idempotency-Key is up to {limit.MaxIdempotencyKeyLength} visible ASCII characters (a UUID is a good one).");
            return;
        }

        if (context.Request.Path.StartsWithSegments("/api") && context.Request.ContentType is { } contentType && !IsJson(contentType))
        {
            await WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "$",
                $"The body must be JSON, sent with Content-Type: application/json (it was '{Shorten(contentType, 100)}').");
            return;
        }

        if (requestType is null)
        {
            // A write that takes no body (an acknowledgement) accepts none or {} and refuses anything else.
            if (context.Request.Path.StartsWithSegments("/api") && !await TakesNoBodyAsync(context))
            {
                await WriteAsync(context, StatusCodes.Status400BadRequest, "$", "This request takes no body (or an empty object {}).");
                return;
            }

            await next(context);
            return;
        }

        if (context.Request.ContentLength > limit.MaxBodyBytes)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "$", TooLarge(limit));
            return;
        }

        var body = await ReadBoundedAsync(context.Request.Body, limit.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "$", TooLarge(limit));
            return;
        }

        var errors = Check(body, requestType, json.Value.SerializerOptions, limit);
        if (errors is null)
        {
            try
            {
                JsonSerializer.Deserialize(body, requestType, json.Value.SerializerOptions);
            }
            catch (JsonException e)
            {
                var (path, message) = Describe(e, requestType);
                errors = new Dictionary<string, List<string>> { [path] = [message] };
            }
        }

        if (errors is not null)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, errors);
            return;
        }

        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.ContentLength = body.Length;
        await next(context);
    }

    /// <summary>
    /// The body's problems by JSON path, or null when it has none: every check but the types of values,
    /// which deserialising into the request type does afterwards.
    /// </summary>
    public static Dictionary<string, List<string>>? Check(
        ReadOnlySpan<byte> body, Type requestType, JsonSerializerOptions options, RequestLimits limits)
    {
        var errors = new CappedErrors(limits.MaxErrors);
        if (body.Length == 0)
        {
            errors.Add("$", "The request needs a body: a JSON object { … }.");
            return errors.Result;
        }

        if (!Utf8.IsValid(body))
        {
            errors.Add("$", "The body is not valid UTF-8 text: send JSON encoded as UTF-8.");
            return errors.Result;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(
                body.ToArray(), new JsonDocumentOptions { MaxDepth = limits.MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            var tooDeep = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);
            errors.Add("$", tooDeep
                ? $"The body nests objects and lists more than {limits.MaxDepth} deep."
                : $"The request body is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}).");
            return errors.Result;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add("$", $"The body must be a JSON object {{ … }}, not {Kind(root.ValueKind)}.");
                return errors.Result;
            }

            new Walker(options, limits, errors).Visit(root, options.GetTypeInfo(requestType), "");
        }

        return errors.Result;
    }

    private sealed class Walker(JsonSerializerOptions options, RequestLimits limits, CappedErrors errors)
    {
        public void Visit(JsonElement element, JsonTypeInfo? type, string path, int? maxStringLength = null)
        {
            if (errors.Full)
            {
                return;
            }

            var target = type is null ? null : Nullable.GetUnderlyingType(type.Type) ?? type.Type;
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    VisitObject(element, type, path);
                    break;
                case JsonValueKind.Array:
                    var count = element.GetArrayLength();
                    if (count > limits.MaxListItems)
                    {
                        errors.Add(Name(path),
                            $"At most {limits.MaxListItems} entries in one list; this one has {count}. Send them in several requests.");
                        return;
                    }

                    var itemType = type is { Kind: JsonTypeInfoKind.Enumerable } ? type.ElementType : null;
                    var itemInfo = itemType is null ? null : options.GetTypeInfo(itemType);
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        Visit(item, itemInfo, $"{path}[{index++}]");
                    }

                    break;
                case JsonValueKind.String:
                    VisitString(element, target, path, maxStringLength ?? limits.MaxStringLength);
                    break;
                case JsonValueKind.Number:
                    if ((target == typeof(double) || target == typeof(float)) && !(element.TryGetDouble(out var d) && double.IsFinite(d)))
                    {
                        errors.Add(Name(path), "This number is out of range.");
                    }

                    break;
            }
        }

        private void VisitObject(JsonElement element, JsonTypeInfo? type, string path)
        {
            var known = type is { Kind: JsonTypeInfoKind.Object } ? type.Properties : null;
            var valueInfo = type is { Kind: JsonTypeInfoKind.Dictionary } && type.ElementType is { } valueType
                ? options.GetTypeInfo(valueType)
                : null;
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var fields = 0;
            foreach (var property in element.EnumerateObject())
            {
                if (errors.Full)
                {
                    return;
                }

                if (++fields > limits.MaxListItems)
                {
                    errors.Add(Name(path), $"At most {limits.MaxListItems} fields in one object.");
                    return;
                }

                var propertyPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                if (property.Name.Length > 100 || ControlCharacter(property.Name) is not null)
                {
                    errors.Add(Name(path), "A field name here is not one the registry knows.");
                    continue;
                }

                if (!seen.Add(property.Name))
                {
                    errors.Add(propertyPath, "This field is given twice: give it once.");
                    continue;
                }

                if (known is not null)
                {
                    var match = known.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                    if (match is null)
                    {
                        errors.Add(propertyPath,
                            $"The registry does not know the field '{property.Name}'{Suggest(property.Name, known)}: it would be lost. " +
                            $"Fields here: {string.Join(", ", known.Select(p => p.Name))}.");
                        continue;
                    }

                    var longText = match.AttributeProvider?.GetCustomAttributes(typeof(LongTextAttribute), true) is [LongTextAttribute a]
                        ? a.MaxLength
                        : (int?)null;
                    Visit(property.Value, options.GetTypeInfo(match.PropertyType), propertyPath, longText);
                }
                else
                {
                    Visit(property.Value, valueInfo, propertyPath);
                }
            }
        }

        private void VisitString(JsonElement element, Type? target, string path, int maxLength)
        {
            var text = element.GetString()!;
            if (text.Length > maxLength)
            {
                errors.Add(Name(path), $"At most {maxLength:N0} characters here; this text has {text.Length:N0}.");
                return;
            }

            if (ControlCharacter(text) is { } control)
            {
                errors.Add(Name(path),
                    $"This text contains a control character (U+{(int)control:X4}), which the registry does not store. " +
                    "Remove it (line breaks and tabs are fine).");
                return;
            }

            if (target == typeof(DateOnly)
                && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                && date < EarliestDate)
            {
                errors.Add(Name(path), $"{text} is before 1900: check the year.");
            }
            else if (target == typeof(PartialDate) && PartialDate.TryParse(text, out var partial) && partial.Year < EarliestDate.Year)
            {
                errors.Add(Name(path), $"{text} is before 1900: check the year.");
            }
            else if ((target == typeof(DateTimeOffset) || target == typeof(DateTime))
                && element.TryGetDateTimeOffset(out var instant)
                && instant.Year < EarliestDate.Year)
            {
                errors.Add(Name(path), $"{text} is before 1900: check the year.");
            }
        }
    }

    /// <summary>
    /// The first C0 or C1 control character other than tab, line feed and carriage return, or a character no XML document
    /// may hold (U+FFFE, U+FFFF, a lone surrogate): the registry's texts go into XML reports (E2B) and PDFs.
    /// </summary>
    private static char? ControlCharacter(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if ((char.IsControl(c) && c is not ('\t' or '\n' or '\r')) || !System.Xml.XmlConvert.IsXmlChar(c))
            {
                return c;
            }
        }

        return null;
    }

    private static string Suggest(string name, IEnumerable<JsonPropertyInfo> known)
    {
        var close = known.Select(p => p.Name)
            .Where(k => k.StartsWith(name[..Math.Min(3, name.Length)], StringComparison.OrdinalIgnoreCase)
                || name.StartsWith(k[..Math.Min(3, k.Length)], StringComparison.OrdinalIgnoreCase))
            .OrderBy(k => Math.Abs(k.Length - name.Length))
            .FirstOrDefault();
        return close is null ? "" : $" (did you mean '{close}'?)";
    }

    private static string Name(string path) => path.Length == 0 ? "$" : path;

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "a list [ … ]",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "text",
        JsonValueKind.Number => "a number",
        _ => "true or false",
    };

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType is { } type
        && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        && (media.CharSet is null || media.CharSet.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private static string TooLarge(RequestLimits limits) =>
        $"The body is larger than {limits.MaxBodyBytes / 1024:N0} KiB. Send fewer entries per request.";

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    private static async Task<bool> TakesNoBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength == 0)
        {
            return true;
        }

        var body = await ReadBoundedAsync(context.Request.Body, 1024, context.RequestAborted);
        if (body is null)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        context.Request.Body = new MemoryStream(body, writable: false);
        return text.Length == 0 || System.Text.RegularExpressions.Regex.IsMatch(text, @"^\{\s*\}$");
    }

    /// <summary>The whole body, or null when it is longer than <paramref name="max"/> bytes (reading stops there).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, int max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null; // a chunked body past Kestrel's own limit
        }

        return buffer.ToArray();
    }

    private static Task WriteAsync(HttpContext context, int status, string path, string message) =>
        WriteProblemAsync(context, status, new Dictionary<string, List<string>> { [path] = [message] });

    private static async Task WriteProblemAsync(HttpContext context, int status, Dictionary<string, List<string>> errors)
    {
        var problem = ValidationErrors.Problem(errors, maxMessages: int.MaxValue); // capped as they were collected
        problem.Status = status;
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            problem.Title = "The request is too large.";
        }
        else if (status == StatusCodes.Status415UnsupportedMediaType)
        {
            problem.Title = "The request is not JSON.";
        }

        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json");
    }

    /// <summary>Problems by path, up to a number; past it one more line says the list was cut.</summary>
    private sealed class CappedErrors(int max)
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
        private int _count;

        public bool Full => _count > max;

        public Dictionary<string, List<string>>? Result => _errors.Count == 0 ? null : _errors;

        public void Add(string path, string message)
        {
            if (_count == max)
            {
                _errors.TryAdd("$", []);
                _errors["$"].Add($"There are more problems than the {max} named here: fix these and send again.");
                _count++;
                return;
            }

            if (_count > max)
            {
                return;
            }

            _count++;
            if (!_errors.TryGetValue(path, out var messages))
            {
                _errors[path] = messages = [];
            }

            messages.Add(message);
        }
    }

    /// <summary>The request's JSON path of the failure ("$" for the body as a whole) and a message.</summary>
    public static (string Path, string Message) Describe(JsonException e, Type requestType)
    {
        var path = e.Path is null or "$" ? "$" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        // A partial date's own converter refuses what is not one (its message is not the serializer's "could not be converted").
        var partial = Nullable.GetUnderlyingType(TypeAt(requestType, path) ?? typeof(object)) == typeof(PartialDate)
            || TypeAt(requestType, path) == typeof(PartialDate);
        if (!partial && !e.Message.Contains("could not be converted", StringComparison.Ordinal))
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
                    System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance
                    | System.Reflection.BindingFlags.IgnoreCase)?.PropertyType;
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
            _ when type == typeof(PartialDate) => "a date written yyyy-MM-dd, or yyyy-MM or yyyy when only the month or the year is known",
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
