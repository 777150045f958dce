namespace Registry.Testing;

/// <summary>
/// The real clock, moved by <see cref="Offset"/>: a browser test's host runs on real time (pages, cookies, the live stream)
/// and a test moves it back for a moment to record what happened days ago (an SAE whose reporting clock has run out).
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
