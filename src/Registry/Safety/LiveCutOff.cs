namespace Registry.Safety;

public static class LiveCutOff
{
    /// <summary>The data cut-off of live figures: the request's date (UTC).</summary>
    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
