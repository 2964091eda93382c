using System.Diagnostics;

namespace Workbench.Web.Live;

/// <summary>
/// Coalesces bursts of events into few refreshes of a page: an event after a quiet spell refreshes at once (a new
/// case shows without an artificial wait), and events that follow within <c>delay</c> of a refresh ride along in one
/// more refresh when the delay is over — at most one refresh per delay however many events arrive. The refresh runs
/// on the component's dispatcher.
/// </summary>
public sealed class RefreshCoalescer(TimeSpan delay, Func<Func<Task>, Task> invokeAsync, Func<Task> refresh) : IDisposable
{
    private int _scheduled;
    private long _lastRun; // Stopwatch timestamp of the last refresh; 0 before the first
    private volatile bool _disposed;

    public void Trigger()
    {
        if (_disposed || Interlocked.Exchange(ref _scheduled, 1) == 1)
        {
            return;
        }
        // On the thread pool: never run a page's refresh (a database read) on the publisher's thread — an intake
        // request or another reviewer's circuit — which would make the action wait for every open page.
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            var last = Interlocked.Read(ref _lastRun);
            var wait = last == 0 ? TimeSpan.Zero : delay - Stopwatch.GetElapsedTime(last);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            Interlocked.Exchange(ref _lastRun, Stopwatch.GetTimestamp());
            // Cleared before the refresh reads: an event during the read schedules one more refresh, never none.
            Interlocked.Exchange(ref _scheduled, 0);
            if (!_disposed)
            {
                await invokeAsync(refresh);
            }
        }
        catch (ObjectDisposedException)
        {
            // The page closed meanwhile.
        }
    }

    public void Dispose() => _disposed = true;
}
