using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Infrastructure;
using Registry.Reference;

namespace Registry.Tests.Reference;

public sealed class EntryKindsTests
{
    /// <summary>
    /// The forms and vocabulary the pages build from <c>GET /api/entry-kinds</c> are exactly those the
    /// pages' script held before the entry kinds became modules (entry-kinds.expected.json was taken
    /// from it): every kind, field, label, hint, choice and first value, in order.
    /// </summary>
    [Fact]
    public void the_entry_kinds_give_the_pages_the_forms_and_vocabulary_they_had()
    {
        var served = Normalised(JsonSerializer.SerializeToNode(GetEntryKindsEndpoint.Get(), RegistryJson.Options)!);
        var file = Path.Combine(AppContext.BaseDirectory, "Reference", "entry-kinds.expected.json");
        var expected = Normalised(JsonNode.Parse(File.ReadAllText(file))!);

        Assert.Equal(expected["kinds"]!.AsArray().Count, served["kinds"]!.AsArray().Count);
        foreach (var (want, got) in expected["kinds"]!.AsArray().Zip(served["kinds"]!.AsArray()))
        {
            Assert.True(JsonNode.DeepEquals(want, got), $"Kind {want!["kind"]}: expected {want.ToJsonString()}\nserved {got!.ToJsonString()}");
        }

        Assert.True(JsonNode.DeepEquals(expected["vocabulary"], served["vocabulary"]),
            $"Vocabulary: expected {expected["vocabulary"]!.ToJsonString()}\nserved {served["vocabulary"]!.ToJsonString()}");
    }

    /// <summary>The same document with null and false members left out (the pages read a missing member as either).</summary>
    private static JsonNode Normalised(JsonNode node) => node switch
    {
        JsonObject o => new JsonObject(o
            .Where(p => p.Value is not null && !(p.Value is JsonValue v && v.TryGetValue<bool>(out var b) && !b))
            .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Normalised(p.Value!)))),
        JsonArray a => new JsonArray(a.Select(x => x is null ? null : Normalised(x)).ToArray()),
        _ => node.DeepClone(),
    };
}
