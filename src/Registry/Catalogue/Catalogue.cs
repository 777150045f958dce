using System.Reflection;
using System.Text.Json;

namespace Registry.Catalogue;

/// <summary>An instrument that scores disease activity, as the catalogue describes it.</summary>
public sealed record Instrument(
    string Code,
    string Name,
    decimal Min,
    decimal Max,
    bool Integer,
    string Unit,
    bool HigherIsWorse,
    string PrimaryRule,
    string? Context,
    ResponseRule Rule);

public sealed record Disease(string Code, string Name, IReadOnlyList<Instrument> Instruments);

/// <summary>
/// A data-quality rule the catalogue holds as data: which entry kind and field it asks about, the question's text (with
/// placeholders the rule fills), and its parameters. Each code is one check the registry knows how to make
/// (<see cref="QueryRules.Known"/>); recording a visit opens a query for each new entry a rule finds.
/// </summary>
public sealed record QueryRule(string Code, string Kind, string Field, string Text, decimal? FractionOfRange = null);

public static class QueryRules
{
    /// <summary>A Treg result after the first dose when the patient has none on or before it.</summary>
    public const string TregWithoutBaseline = "treg-without-baseline";

    /// <summary>A score that moved more than the instrument's usual change (a fraction of its range) since the previous one.</summary>
    public const string ScoreBeyondUsualChange = "score-beyond-usual-change";

    public static readonly IReadOnlySet<string> Known = new HashSet<string>([TregWithoutBaseline, ScoreBeyondUsualChange]);
}

/// <summary>
/// The disease and instrument catalogue. It is data (a JSON seed shipped with the registry),
/// not code: a new disease or instrument is a change to <c>catalogue.seed.json</c>.
/// </summary>
public sealed class DiseaseCatalogue
{
    private readonly Dictionary<string, Disease> _diseases;

    public DiseaseCatalogue(IEnumerable<Disease> diseases, IEnumerable<QueryRule>? queryRules = null)
    {
        Diseases = diseases.ToList();
        _diseases = Diseases.ToDictionary(d => d.Code, StringComparer.Ordinal);
        QueryRules = queryRules?.ToList() ?? [];
    }

    public IReadOnlyList<Disease> Diseases { get; }

    /// <summary>The automatic data queries' rules (data, from the seed); none in a catalogue built without them.</summary>
    public IReadOnlyList<QueryRule> QueryRules { get; }

    public Disease? FindDisease(string? code) =>
        code is not null && _diseases.TryGetValue(code, out var disease) ? disease : null;

    /// <summary>The instrument when it belongs to the disease (CGI belongs to every disease).</summary>
    public Instrument? FindInstrument(string diseaseCode, string? instrumentCode) =>
        FindDisease(diseaseCode)?.Instruments.FirstOrDefault(i => i.Code == instrumentCode);

    public static DiseaseCatalogue LoadSeed()
    {
        using var stream = Assembly.GetExecutingAssembly()
            .GetManifestResourceStream("Registry.Catalogue.catalogue.seed.json")
            ?? throw new InvalidOperationException("The catalogue seed is missing from the Registry assembly.");
        var seed = JsonSerializer.Deserialize<Seed>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("The catalogue seed is empty.");
        return FromSeed(seed);
    }

    private static DiseaseCatalogue FromSeed(Seed seed)
    {
        var instruments = seed.Instruments.ToDictionary(i => i.Code, StringComparer.Ordinal);
        Instrument Lookup(string code) => instruments.TryGetValue(code, out var found)
            ? found
            : throw new InvalidOperationException($"The catalogue seed names an unknown instrument '{code}'.");

        var unknown = (seed.QueryRules ?? []).Select(r => r.Code).Where(c => !Catalogue.QueryRules.Known.Contains(c)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"The catalogue seed has query rules the registry does not know: {string.Join(", ", unknown)}.");
        }

        return new DiseaseCatalogue(
            seed.Diseases.Select(d => new Disease(
                d.Code,
                d.Name,
                d.Instruments.Concat(seed.AllDiseaseInstruments).Distinct().Select(Lookup).ToList())),
            seed.QueryRules);
    }

    private sealed record Seed(
        List<Instrument> Instruments, List<string> AllDiseaseInstruments, List<SeedDisease> Diseases, List<QueryRule>? QueryRules);

    private sealed record SeedDisease(string Code, string Name, List<string> Instruments);
}
