using System.Collections.Concurrent;

namespace Workbench.Web.Live;

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
                // Only if still zero: a second tab entering meanwhile keeps the viewer.
                users.TryRemove(new KeyValuePair<string, int>(user, 0));
                if (users.IsEmpty)
                {
                    _viewers.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<string, int>>(caseId, users));
                }
            }
            Announce(caseId);
        });
    }

    public IReadOnlyList<string> Of(Guid caseId) =>
        _viewers.TryGetValue(caseId, out var users) ? users.Where(u => u.Value > 0).Select(u => u.Key).Order(StringComparer.Ordinal).ToList() : [];

    private void Announce(Guid caseId) =>
        events.Publish(new CaseEvent(CaseEventKinds.Presence, caseId, null, null, default, null, time.GetUtcNow()));

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
