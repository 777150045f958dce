using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Registry.Infrastructure;

/// <summary>
/// Collects validation errors keyed by the JSON path of the request (<c>doses[0].doseIu</c>) and
/// turns them into an RFC 9457 problem (400). A request with any error writes nothing.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public IReadOnlyDictionary<string, List<string>> Errors => _errors;

    public void Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var messages))
        {
            _errors[path] = messages = [];
        }

        messages.Add(message);
    }

    /// <summary>Adds the message when the value is null or blank; returns the trimmed value otherwise.</summary>
    public string? Required(string path, string? value, string message)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(path, message);
            return null;
        }

        return value.Trim();
    }

    /// <summary>As <see cref="Required(string, string?, string)"/>, and at most <paramref name="maxLength"/> characters.</summary>
    public string? Required(string path, string? value, string message, int maxLength)
    {
        var given = Required(path, value, message);
        if (given is { Length: var length } && length > maxLength)
        {
            Add(path, $"At most {maxLength} characters.");
            return null;
        }

        return given;
    }

    public T? Enumeration<T>(string path, string? value, string what) where T : struct, Enum
    {
        if (value is null)
        {
            Add(path, $"Give the {what}: one of {string.Join(", ", Kebab.Names<T>())}.");
            return null;
        }

        if (Kebab.TryParse<T>(value, out var parsed))
        {
            return parsed;
        }

        Add(path, $"'{value}' is not a known {what}: use one of {string.Join(", ", Kebab.Names<T>())}.");
        return null;
    }

    /// <summary>Wolverine's continuation: no errors lets the request go on.</summary>
    public ProblemDetails ToProblem() => Any ? Problem(_errors) : WolverineContinue.NoProblems;

    /// <summary>Problems named in one answer; past that, one line under <c>$</c> says there were more.</summary>
    public const int MaxMessages = 50;

    public static ProblemDetails Problem(IReadOnlyDictionary<string, List<string>> errors, int maxMessages = MaxMessages)
    {
        var named = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var count = 0;
        foreach (var (path, messages) in errors)
        {
            if (count >= maxMessages)
            {
                break;
            }

            var taken = messages.Take(maxMessages - count).ToArray();
            named[path] = taken;
            count += taken.Length;
        }

        var total = errors.Sum(e => e.Value.Count);
        if (total > count)
        {
            named["$"] = [.. named.GetValueOrDefault("$") ?? [],
                $"There are {total} problems; the first {count} are named here: fix these and send again."];
        }

        return new HttpValidationProblemDetails(named)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request has values the registry cannot accept.",
            Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        };
    }

    public static ProblemDetails Single(string path, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(path, message);
        return errors.ToProblem();
    }
}
