using System.Diagnostics;

namespace Workbench.Testing;

/// <summary>Paced load: waits until a request is due on a running clock.</summary>
public static class Pacing
{
    /// <summary>
    /// Waits until <paramref name="clock"/> reads <paramref name="due"/>; returns at once when it already does. The wait
    /// is read from the clock once: reading it twice (once to compare, once to subtract) gives a negative delay when
    /// the thread is held up in between, and <see cref="Task.Delay(TimeSpan)"/> refuses one under -1 ms.
    /// </summary>
    public static Task UntilAsync(Stopwatch clock, TimeSpan due, CancellationToken ct = default)
    {
        var wait = due - clock.Elapsed;
        return wait > TimeSpan.Zero ? Task.Delay(wait, ct) : Task.CompletedTask;
    }
}
