using System.Collections.Concurrent;

namespace Workbench.Web.Cases;

/// <summary>A small message about a change to a case: ids and changed fields, never the case itself.</summary>
/// <param name="ReleaseAt">On a decision: when it reaches the AI system (the end of its undo window); null when at once.</param>
public sealed record CaseEvent(string Kind, Guid CaseId, string? Queue, string? PreviousQueue, CaseStatus Status, string? Actor, DateTimeOffset At,
    DateTimeOffset? ReleaseAt = null);

/// <summary>
/// Where an instance's stream of delivered events stood: a page that showed what it read at this mark, and listens
/// only later (its interactive render, which reuses what the server-rendered page read), asks what came in between.
/// </summary>
public sealed record CaseEventMark(Guid Instance, long Sequence);

/// <summary>Carries events to the other instances of the app (Redis when configured).</summary>
public interface ICaseEventRelay
{
    void Send(CaseEvent e);
}

/// <summary>
/// The one publisher of case events, called after the transaction that made the change committed. Pages and the
/// long-poll subscribe. With <c>Redis:Connection</c> set, the relay fans each event out to every other instance,
/// which delivers it to its own subscribers; without it, one instance works alone with no configuration.
/// </summary>
public sealed class CaseEvents(ILogger<CaseEvents> logger)
{
    private readonly ConcurrentDictionary<Guid, Action<CaseEvent>> _subscribers = new();
    private readonly ConcurrentDictionary<Guid, Action<CaseEvent>> _originSubscribers = new();

    /// <summary>How many of the latest delivered events are kept for <see cref="Since"/>: a page's way from its
    /// server render to its circuit takes well under a second, far fewer events than this even on a busy day.</summary>
    public const int RecentCapacity = 1024;

    private readonly Guid _instance = Guid.NewGuid();
    private readonly CaseEvent[] _recent = new CaseEvent[RecentCapacity];
    private readonly Lock _recentGate = new();
    private long _delivered;

    public int SubscriberCount => _subscribers.Count;

    /// <summary>Set by the relay when it has connected.</summary>
    public ICaseEventRelay? Relay { get; set; }

    public IDisposable Subscribe(Action<CaseEvent> handler)
    {
        var id = Guid.NewGuid();
        _subscribers[id] = handler;
        return new Subscription(() => _subscribers.TryRemove(id, out _));
    }

    /// <summary>
    /// Only the events that happen on this instance, never those the relay brings from others. The SignalR hub
    /// forwards these: its Redis backplane already carries a group message to every instance's connections, so
    /// forwarding relayed events too would deliver each event once per instance.
    /// </summary>
    public IDisposable SubscribeToOrigin(Action<CaseEvent> handler)
    {
        var id = Guid.NewGuid();
        _originSubscribers[id] = handler;
        return new Subscription(() => _originSubscribers.TryRemove(id, out _));
    }

    /// <summary>An event of this instance: delivered here, and relayed to the others.</summary>
    public void Publish(CaseEvent e)
    {
        Deliver(e);
        Call(_originSubscribers, e);
        if (e.Kind != CaseEventKinds.Presence)
        {
            try
            {
                Relay?.Send(e);
            }
            catch (Exception ex)
            {
                // The change is committed; other instances catch up on their next event. Never fail the action.
                logger.LogWarning(ex, "Relaying {Kind} of case {CaseId} to the other instances failed", e.Kind, e.CaseId);
            }
        }
    }

    /// <summary>Delivers to this instance's subscribers only (the relay calls this for other instances' events).</summary>
    public void Deliver(CaseEvent e)
    {
        lock (_recentGate)
        {
            _recent[_delivered % RecentCapacity] = e;
            _delivered++;
        }
        Call(_subscribers, e);
    }

    /// <summary>Where this instance's delivered events stand now.</summary>
    public CaseEventMark Mark()
    {
        lock (_recentGate)
        {
            return new CaseEventMark(_instance, _delivered);
        }
    }

    /// <summary>
    /// The events delivered here after <paramref name="mark"/>, oldest first; null when they are not all known — the
    /// mark is another instance's (the page's circuit landed elsewhere) or more than <see cref="RecentCapacity"/>
    /// came since — and the caller must read again.
    /// </summary>
    public IReadOnlyList<CaseEvent>? Since(CaseEventMark mark)
    {
        lock (_recentGate)
        {
            if (mark.Instance != _instance || mark.Sequence > _delivered || _delivered - mark.Sequence > RecentCapacity)
            {
                return null;
            }
            var since = new List<CaseEvent>((int)(_delivered - mark.Sequence));
            for (var i = mark.Sequence; i < _delivered; i++)
            {
                since.Add(_recent[i % RecentCapacity]);
            }
            return since;
        }
    }

    private void Call(ConcurrentDictionary<Guid, Action<CaseEvent>> subscribers, CaseEvent e)
    {
        foreach (var handler in subscribers.Values)
        {
            try
            {
                handler(e);
            }
            catch (Exception ex)
            {
                // A page that fails to refresh must not stop the others, nor the action that published.
                logger.LogWarning(ex, "A live-update subscriber failed on {Kind} of case {CaseId}", e.Kind, e.CaseId);
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                dispose();
            }
        }
    }
}
