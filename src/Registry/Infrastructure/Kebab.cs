using System.Text.Json;

namespace Registry.Infrastructure;

/// <summary>
/// Enumerations travel as lower-case kebab strings (API.md). One naming policy serves the HTTP
/// JSON, the stored events and the validation messages, so they can never disagree.
/// </summary>
public static class Kebab
{
    public static readonly JsonNamingPolicy Policy = JsonNamingPolicy.KebabCaseLower;

    public static string Name<T>(T value) where T : struct, Enum => Policy.ConvertName(value.ToString());

    public static IReadOnlyList<string> Names<T>() where T : struct, Enum =>
        Enum.GetValues<T>().Select(Name).ToList();

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Name(candidate), text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
