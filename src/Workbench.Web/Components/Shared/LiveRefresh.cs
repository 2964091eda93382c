using Microsoft.AspNetCore.Components;
using Workbench.Web.Live;
using Coalescer = Workbench.Web.Live.RefreshCoalescer;

namespace Workbench.Web.Components.Shared;

/// <summary>
/// Keeps the page it sits in live, and renders nothing. A case event that <see cref="Concerns"/> the page asks for a
/// <see cref="Refresh"/>, coalesced (<see cref="Workbench.Web.Live.RefreshCoalescer"/>: an event after a quiet spell refreshes at once, a burst
/// at most once per <see cref="Delay"/>); after the circuit's connection came back the page reads again, because
/// events may have been missed meanwhile. The refresh runs on the page's dispatcher; the page renders itself.
/// Place it where the page should start listening: a page that must read its data before it listens puts it
/// in the branch that shows that data.
/// </summary>
public sealed class LiveRefresh : ComponentBase, IDisposable
{
    private Coalescer? _coalescer;
    private IDisposable? _subscription;
    private bool _listensForReconnection;
    private int _reconnected;
    private bool _caughtUp;

    [Inject] private CaseEvents Events { get; set; } = default!;
    [Inject] private CircuitConnection Connection { get; set; } = default!;

    /// <summary>The shortest time between two refreshes; read once, when the component starts.</summary>
    [Parameter, EditorRequired] public required TimeSpan Delay { get; set; }

    /// <summary>Whether an event concerns the page. Called on the publisher's thread: it may only read.</summary>
    [Parameter, EditorRequired] public required Func<CaseEvent, bool> Concerns { get; set; }

    /// <summary>Reads what the page shows; its argument is true when the connection came back since the last refresh.</summary>
    [Parameter, EditorRequired] public required Func<bool, Task> Refresh { get; set; }

    /// <summary>Whether a reconnection of the circuit refreshes the page too; read once, when the component starts.</summary>
    [Parameter] public bool CatchUpOnReconnect { get; set; } = true;

    /// <summary>
    /// Where the case events stood when the page read what it shows, when it read it before this component listened
    /// (the server render, whose data the interactive render reuses): an event since then that concerns the page, or
    /// not knowing them all, refreshes it at once. Checked once, the first time it is given.
    /// </summary>
    [Parameter] public CaseEventMark? ReadAt { get; set; }

    /// <summary>Asks for a refresh for a reason other than a case event (coalesced with the events).</summary>
    public void Trigger() => _coalescer?.Trigger();

    protected override void OnInitialized()
    {
        var coalescer = new Coalescer(Delay, InvokeAsync, () => Refresh(Interlocked.Exchange(ref _reconnected, 0) == 1));
        _coalescer = coalescer;
        _subscription = Events.Subscribe(e =>
        {
            if (Concerns(e))
            {
                coalescer.Trigger();
            }
        });
        if (CatchUpOnReconnect)
        {
            _listensForReconnection = true;
            Connection.Reconnected += OnReconnected;
        }
    }

    protected override void OnParametersSet()
    {
        // Listening already (OnInitialized): an event from now on triggers by itself, and one between the read and now is in Since.
        if (ReadAt is { } mark && !_caughtUp)
        {
            _caughtUp = true;
            if (Events.Since(mark) is not { } missed || missed.Any(Concerns))
            {
                _coalescer?.Trigger();
            }
        }
    }

    protected override bool ShouldRender() => false;

    private void OnReconnected()
    {
        Interlocked.Exchange(ref _reconnected, 1);
        _coalescer?.Trigger();
    }

    public void Dispose()
    {
        if (_listensForReconnection)
        {
            Connection.Reconnected -= OnReconnected;
        }
        _subscription?.Dispose();
        _coalescer?.Dispose();
    }
}
