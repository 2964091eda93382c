using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Workbench.Web.Live;

/// <summary>How many Blazor circuits this instance holds (open and not yet closed), for diagnostics and the soak.</summary>
public sealed class CircuitRegistry
{
    private int _open;
    private long _reconnections;

    public int Open => Volatile.Read(ref _open);
    public long Reconnections => Interlocked.Read(ref _reconnections);

    internal void Opened() => Interlocked.Increment(ref _open);
    internal void Closed() => Interlocked.Decrement(ref _open);
    internal void Reconnected() => Interlocked.Increment(ref _reconnections);
}

/// <summary>
/// One per circuit. After the browser's connection comes back (the circuit reconnected), <see cref="Reconnected"/>
/// fires so that each live page re-reads what it shows: events that happened while the connection was down may
/// have been missed (another instance's relay message, a render the browser never acknowledged), and a page must
/// never show stale data after a reconnection.
/// </summary>
public sealed class CircuitConnection(CircuitRegistry registry) : CircuitHandler
{
    private int _down;

    public event Action? Reconnected;

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        registry.Opened();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        registry.Closed();
        return Task.CompletedTask;
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _down, 1);
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The first "up" is the circuit starting; only an up after a down is a reconnection.
        if (Interlocked.Exchange(ref _down, 0) == 1)
        {
            registry.Reconnected();
            Reconnected?.Invoke();
        }
        return Task.CompletedTask;
    }
}
