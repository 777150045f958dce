using Microsoft.Extensions.Caching.Memory;

namespace Registry.Cohorts;

/// <summary>
/// Figures computed from the figure rows, kept per cohort until the cohort moves. A key names the figure, its
/// filters, who may see what (and the data cut-off date where it matters) and the cohort; the cohort's version
/// (<see cref="CohortFigureQuery.VersionsAsync"/>, stamped by the database whenever one of its patients' facts
/// changes) says whether what is kept is still the answer a new computation would give. Dashboards that many
/// people reload read it instead of aggregating again; after a new event, only that patient's cohort is read.
/// </summary>
public sealed class FiguresCache : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 1_000 });

    /// <summary>
    /// A figure kept under its own version (e.g. one cohort's last change), not the whole log's progress: a new event
    /// in another cohort does not miss it. One entry per key: a newer version replaces the older one.
    /// </summary>
    public bool TryGet<T>(string key, string version, out T? value) where T : class
    {
        value = _cache.TryGetValue(key, out Kept? kept) && kept!.Version == version ? kept.Value as T : null;
        return value is not null;
    }

    public void Set<T>(string key, string version, T value) where T : class =>
        _cache.Set(key, new Kept(version, value), new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });

    /// <summary>
    /// Figures in parts, one per cohort, each kept under its cohort's version (<see cref="CohortFigureQuery.VersionsAsync"/>):
    /// the parts kept are taken as they are, the others read in one go (<paramref name="read"/>, given their cohorts) and
    /// kept. A cohort <paramref name="read"/> does not answer for gets <paramref name="empty"/>'s part, or none when null.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, T>> PerCohortAsync<T>(
        string key,
        IReadOnlyDictionary<string, string> versions,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyDictionary<string, T>>> read,
        Func<string, T?> empty)
        where T : class
    {
        var parts = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var (cohort, version) in versions)
        {
            if (TryGet($"{key}|{cohort}", version, out T? part))
            {
                parts[cohort] = part!;
            }
        }

        var stale = versions.Keys.Where(c => !parts.ContainsKey(c)).ToList();
        if (stale.Count > 0)
        {
            var fresh = await read(stale);
            foreach (var cohort in stale)
            {
                if ((fresh.GetValueOrDefault(cohort) ?? empty(cohort)) is { } part)
                {
                    parts[cohort] = part;
                    Set($"{key}|{cohort}", versions[cohort], part);
                }
            }
        }

        return parts;
    }

    public void Dispose() => _cache.Dispose();

    private sealed record Kept(string Version, object Value);
}
