namespace Workbench.Web.Cases;

/// <summary>
/// Wakes long-polls the moment a case's decision lands (or its status changes), instead of polling the database.
/// In-process; with several instances the cross-instance event bus calls <see cref="Notify"/> on each.
/// </summary>
public sealed class DecisionNotifier
{
    public DecisionNotifier()
    {
    }

    /// <summary>Wakes on every case event too, so a decision made on another instance ends a long-poll here.</summary>
    public DecisionNotifier(CaseEvents events) => events.Subscribe(e => Notify(e.CaseId));

    /// <summary>
    /// How often a long-poll re-reads its case although nothing woke it (<c>Live:LongPollRecheck</c>, 15 s): the safety
    /// net for an event that did not arrive (Redis down, or the database unreadable when the instance caught up).
    /// </summary>
    public TimeSpan Recheck { get; init; } = TimeSpan.FromSeconds(15);

    internal sealed class Waiter
    {
        public readonly TaskCompletionSource Signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Count;
    }

    private readonly Dictionary<Guid, Waiter> _waiters = [];
    private readonly Lock _lock = new();

    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Registers interest first; the caller re-reads the case, then awaits the returned task.</summary>
    public Subscription Subscribe(Guid caseId)
    {
        lock (_lock)
        {
            if (!_waiters.TryGetValue(caseId, out var waiter))
            {
                _waiters[caseId] = waiter = new Waiter();
            }
            waiter.Count++;
            return new Subscription(this, caseId, waiter);
        }
    }

    public void Notify(Guid caseId)
    {
        Waiter? waiter;
        lock (_lock)
        {
            if (!_waiters.Remove(caseId, out waiter))
            {
                return;
            }
        }
        waiter.Signal.TrySetResult();
    }

    private void Leave(Guid caseId, Waiter waiter)
    {
        lock (_lock)
        {
            if (--waiter.Count == 0 && _waiters.TryGetValue(caseId, out var current) && ReferenceEquals(current, waiter))
            {
                _waiters.Remove(caseId);
            }
        }
    }

    public sealed class Subscription : IDisposable
    {
        private readonly DecisionNotifier _owner;
        private readonly Guid _caseId;
        private readonly Waiter _waiter;
        private bool _disposed;

        internal Subscription(DecisionNotifier owner, Guid caseId, Waiter waiter)
        {
            _owner = owner;
            _caseId = caseId;
            _waiter = waiter;
        }

        /// <summary>True when notified, false when the wait ran out.</summary>
        public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
        {
            try
            {
                await _waiter.Signal.Task.WaitAsync(timeout, ct);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _owner.Leave(_caseId, _waiter);
            }
        }
    }
}
