using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Infrastructure;

/// <summary>The registry's one JSON dialect: camelCase names, kebab-case enumerations, ISO dates.</summary>
public static class RegistryJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(Kebab.Policy, allowIntegerValues: false));
        return options;
    }
}
