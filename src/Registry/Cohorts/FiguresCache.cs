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

    public void Dispose() => _cache.Dispose();
}
