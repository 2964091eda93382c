using Workbench.Web.Live;

namespace Workbench.Web.Tests.Live;

public sealed class RefreshCoalescerTests
{
    private static Task Inline(Func<Task> work) => work();

    [Fact]
    public async Task An_event_after_a_quiet_spell_refreshes_at_once_not_after_the_delay()
    {
        var refreshed = new TaskCompletionSource();
        using var live = new RefreshCoalescer(TimeSpan.FromMinutes(5), Inline, () => { refreshed.TrySetResult(); return Task.CompletedTask; });
        live.Trigger();
        await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(10)); // far below the five minutes a trailing refresh would wait
    }

    [Fact]
    public async Task A_burst_of_events_gives_at_most_one_refresh_per_delay_and_none_is_lost()
    {
        var count = 0;
        using var live = new RefreshCoalescer(TimeSpan.FromMilliseconds(300), Inline, () => { Interlocked.Increment(ref count); return Task.CompletedTask; });
        for (var i = 0; i < 50; i++)
        {
            live.Trigger();
        }
        await Until(() => Volatile.Read(ref count) >= 1);
        live.Trigger(); // right after a refresh: waits for the delay, then refreshes once more
        await Until(() => Volatile.Read(ref count) >= 2);
        await Task.Delay(600); // nothing else is pending: no further refresh may come
        Assert.Equal(2, Volatile.Read(ref count));
    }

    [Fact]
    public async Task A_disposed_page_is_not_refreshed()
    {
        var count = 0;
        var live = new RefreshCoalescer(TimeSpan.FromMilliseconds(200), Inline, () => { Interlocked.Increment(ref count); return Task.CompletedTask; });
        live.Trigger();
        await Until(() => Volatile.Read(ref count) == 1);
        live.Trigger(); // scheduled for when the delay is over
        live.Dispose();
        await Task.Delay(500);
        Assert.Equal(1, Volatile.Read(ref count));
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The refresh did not come within 10 s.");
            await Task.Delay(10);
        }
    }
}
