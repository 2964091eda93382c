namespace Workbench.Web.Live;

/// <summary>
/// Coalesces bursts of events into one refresh of a page: the first event schedules a refresh a moment later;
/// events until then ride along. The refresh runs on the component's dispatcher.
/// </summary>
public sealed class LiveRefresh(TimeSpan delay, Func<Func<Task>, Task> invokeAsync, Func<Task> refresh) : IDisposable
{
    private int _scheduled;
    private volatile bool _disposed;

    public void Trigger()
    {
        if (_disposed || Interlocked.Exchange(ref _scheduled, 1) == 1)
        {
            return;
        }
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            await Task.Delay(delay);
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
