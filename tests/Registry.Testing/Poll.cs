using System.Diagnostics;

namespace Registry.Testing;

/// <summary>Waiting on the thing itself: a condition polled until it holds or a deadline passes.</summary>
public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="every"/> (default 50 ms); false when the deadline passed first.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, TimeSpan? every = null)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed >= deadline)
            {
                return false;
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50));
        }

        return true;
    }

    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan deadline, TimeSpan? every = null) =>
        UntilAsync(() => Task.FromResult(condition()), deadline, every);
}
