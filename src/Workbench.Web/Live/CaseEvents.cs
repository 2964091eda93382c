using System.Collections.Concurrent;
using Workbench.Core.Cases;

namespace Workbench.Web.Live;

/// <summary>A small message about a change to a case: ids and changed fields, never the case itself.</summary>
public sealed record CaseEvent(string Kind, Guid CaseId, string? Queue, string? PreviousQueue, CaseStatus Status, string? Actor, DateTimeOffset At);

/// <summary>
/// The one publisher of case events, called after the transaction that made the change committed. Pages subscribe
/// to refresh themselves. In-process: with several instances, the cross-instance backplane feeds <see cref="Publish"/>
/// on each of them (not built yet — one instance sees its own changes live).
/// </summary>
public sealed class CaseEvents(ILogger<CaseEvents> logger)
{
    private readonly ConcurrentDictionary<Guid, Action<CaseEvent>> _subscribers = new();

    public int SubscriberCount => _subscribers.Count;

    public IDisposable Subscribe(Action<CaseEvent> handler)
    {
        var id = Guid.NewGuid();
        _subscribers[id] = handler;
        return new Subscription(() => _subscribers.TryRemove(id, out _));
    }

    public void Publish(CaseEvent e)
    {
        foreach (var handler in _subscribers.Values)
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

/// <summary>Who has a case page open, for "lena is viewing" (in-process, per instance).</summary>
public sealed class CaseViewers(CaseEvents events, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, int>> _viewers = new();

    public IDisposable Enter(Guid caseId, string user)
    {
        var users = _viewers.GetOrAdd(caseId, _ => new ConcurrentDictionary<string, int>(StringComparer.Ordinal));
        users.AddOrUpdate(user, 1, (_, n) => n + 1);
        Announce(caseId);
        return new Leave(() =>
        {
            if (users.AddOrUpdate(user, 0, (_, n) => n - 1) <= 0)
            {
                users.TryRemove(user, out _);
            }
            Announce(caseId);
        });
    }

    public IReadOnlyList<string> Of(Guid caseId) =>
        _viewers.TryGetValue(caseId, out var users) ? users.Where(u => u.Value > 0).Select(u => u.Key).Order(StringComparer.Ordinal).ToList() : [];

    private void Announce(Guid caseId) =>
        events.Publish(new CaseEvent("presence", caseId, null, null, default, null, time.GetUtcNow()));

    private sealed class Leave(Action leave) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                leave();
            }
        }
    }
}
