using System.Text.Json;
using System.Text.Json.Serialization;

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

/// <summary>
/// An enumeration stored and sent under its kebab name. Put on properties of stored documents and
/// events whose values were strings before they were types (<c>[JsonConverter(typeof(KebabEnum&lt;EntryKind&gt;))]</c>),
/// so Marten's own enum storage does not change the bytes already in the database.
/// </summary>
public sealed class KebabEnum<T>() : JsonStringEnumConverter<T>(Kebab.Policy, allowIntegerValues: false)
    where T : struct, Enum;
