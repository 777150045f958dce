using Microsoft.Extensions.Caching.Memory;

namespace Registry.Cohorts;

/// <summary>
/// Figures computed from the cohort and safety facts, kept until the facts move. A key names the
/// endpoint, its filters and who may see what; the facts' progress (the last event they reflect,
/// and that event's timestamp) and the data cut-off date complete it, so a cached answer is exactly
/// the one a new computation would give: any new event the facts take in, or a new day, misses.
/// Dashboards that many people reload while nothing changes read it instead of every patient's facts.
/// </summary>
public sealed class FiguresCache : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 1_000 });

    public async Task<T> GetOrComputeAsync<T>(string key, AsOf progress, DateOnly cutOff, Func<Task<T>> compute)
        where T : class
    {
        var full = $"{key}|{progress.Sequence}|{progress.At:O}|{progress.Complete}|{cutOff:yyyy-MM-dd}";
        if (_cache.TryGetValue(full, out T? cached) && cached is not null)
        {
            return cached;
        }

        var value = await compute();
        _cache.Set(full, value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });
        return value;
    }

    /// <summary>
    /// A figure kept under its own version (e.g. one cohort's last change), not the whole log's progress: a new event
    /// in another cohort does not miss it.
    /// </summary>
    public bool TryGet<T>(string key, string version, out T? value) where T : class =>
        _cache.TryGetValue($"{key}|v{version}", out value) && value is not null;

    public void Set<T>(string key, string version, T value) where T : class =>
        _cache.Set($"{key}|v{version}", value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });

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
}
