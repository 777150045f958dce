namespace Registry.Infrastructure;

/// <summary>"Today" for a site is the date in the site's own time zone (API.md).</summary>
public static class SiteClock
{
    public static DateOnly Today(TimeProvider time, string timeZoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZoneId);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);
    }

    public static bool IsKnownZone(string? timeZoneId) =>
        !string.IsNullOrWhiteSpace(timeZoneId) && TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out _);
}
