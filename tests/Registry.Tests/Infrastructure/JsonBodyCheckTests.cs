using System.Text.Json;
using Registry.Infrastructure;

namespace Registry.Tests.Infrastructure;

public sealed class JsonBodyCheckTests
{
    public sealed record Body(int? BirthYear, DateOnly? EnrolledOn, List<Item>? Doses);

    public sealed record Item(long? DoseIu);

    private static (string Path, string Message) Fail(string json)
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Body>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        return JsonBodyCheck.Describe(e, typeof(Body));
    }

    [Fact]
    public void a_value_of_the_wrong_type_is_named_by_its_path()
    {
        Assert.Equal(("birthYear", "This value cannot be read: it must be a whole number."), Fail("""{"birthYear": "abc"}"""));
        Assert.Equal("enrolledOn", Fail("""{"enrolledOn": "02/03/2026"}""").Path);
        Assert.Contains("yyyy-MM-dd", Fail("""{"enrolledOn": "02/03/2026"}""").Message);
        Assert.Equal("doses[1].doseIu", Fail("""{"doses": [{"doseIu": 1}, {"doseIu": "x"}]}""").Path);
    }

    [Fact]
    public void a_body_that_is_not_json_is_an_error_of_the_whole_body()
    {
        var (_, message) = Fail("""{"birthYear": 1984,""");
        Assert.Contains("not valid JSON", message);
        Assert.Equal("$", Fail("not json at all").Path);
    }
}
