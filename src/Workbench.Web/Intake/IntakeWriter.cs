using System.Threading.Channels;
using Workbench.Web.Observability;

namespace Workbench.Web.Intake;

/// <summary>
/// Group commit for intake: submissions that arrive together are written in one transaction, and each request
/// is answered only after the transaction holding its case committed. One commit per batch instead of one per
/// case is what lets SQLite (one writer at a time) keep up with a busy agent fleet.
/// On SQLite the batch is written with prepared INSERTs on the writer's own connection (<see cref="SqliteBatchInsert.Session"/>,
/// which has the WAL checkpointed in the background), each case in its own savepoint: a case that a unique index refuses (a taken externalId, an idempotency key another request won) is
/// undone alone and the rest of the batch commits in the same transaction. On PostgreSQL the batch's rows go as
/// one INSERT per table in one round trip (<see cref="PostgresBatchInsert"/>), on SQL Server through SaveChanges; on
/// both a refused batch is rolled back and split in halves until the offender is alone, so one duplicate costs
/// about 2·log2(batch) transactions, not one per case, and the others commit.
/// The created event of each case is published here, after the commit, whether or not its caller still waits.
/// </summary>
public sealed class IntakeWriter : IAsyncDisposable
{
    /// <summary>The most cases one transaction carries.</summary>
    public const int MaxBatch = 128;

    /// <param name="EnqueuedAt">Stopwatch timestamp: the busy timeout of a SQLite batch counts from its oldest case's arrival.</param>
    private sealed record Pending(CaseRecord Case, AuditEventRecord Audit, IdempotencyRecord? Key, TaskCompletionSource Done, long EnqueuedAt);

    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IDbContextFactory<WorkbenchDbContext> _dbFactory;
    private readonly CaseEvents _events;
    private readonly ILogger<IntakeWriter> _logger;
    private readonly WorkbenchMetrics _metrics;
    private readonly string _store;
    private readonly bool _sqlite;
    private readonly TimeSpan _busyTimeout;
    private readonly bool _postgres;
    private readonly SqliteBatchInsert.Session? _sqliteSession;
    private readonly Task _loop;

    public IntakeWriter(IDbContextFactory<WorkbenchDbContext> dbFactory, DatabaseSettings database, CaseEvents events, WorkbenchMetrics metrics,
        ILogger<IntakeWriter> logger)
    {
        _dbFactory = dbFactory;
        _events = events;
        _metrics = metrics;
        _store = database.Provider.ToString().ToLowerInvariant();
        _logger = logger;
        _sqlite = database.Provider == DatabaseProvider.Sqlite;
        _busyTimeout = database.SqliteBusyTimeout;
        _postgres = database.Provider == DatabaseProvider.Postgres;
        _sqliteSession = _sqlite ? new SqliteBatchInsert.Session(logger: logger) : null;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How many transactions the writer has committed or tried (for tests of the batch split).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    private long _transactions;

    /// <summary>Completes when the case is committed; throws what the database said otherwise.</summary>
    public Task WriteAsync(CaseRecord record, AuditEventRecord audit, IdempotencyRecord? key, CancellationToken ct)
    {
        // The SQLite path writes the event's own row with prepared INSERTs, not its graph: case.submitted carries no free
        // text (audit_texts), and one that did must not lose it silently.
        if (audit.Texts.Count > 0)
        {
            throw new InvalidOperationException("The intake writer does not write audit texts; the submission event carries none.");
        }
        var pending = new Pending(record, audit, key, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
            System.Diagnostics.Stopwatch.GetTimestamp());
        if (!_channel.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("Intake is shutting down.");
        }
        // The caller may stop waiting, but the write itself is not cancelled half-way: it commits or fails whole,
        // and a committed case is announced either way. A caller that had already stopped waiting is told so at once,
        // whether or not the writer was quick enough to finish first.
        return ct.IsCancellationRequested ? Task.FromCanceled(ct) : pending.Done.Task.WaitAsync(ct);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _channel.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _channel.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            await WriteBatchAsync(batch);
        }
    }

    /// <summary>Writes these cases as one batch, now (tests use it to know what shares a transaction).</summary>
    internal async Task<IReadOnlyList<Task>> WriteTogetherAsync(IEnumerable<(CaseRecord Case, AuditEventRecord Audit, IdempotencyRecord? Key)> items)
    {
        var batch = items.Select(i => new Pending(i.Case, i.Audit, i.Key, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
            System.Diagnostics.Stopwatch.GetTimestamp())).ToList();
        await WriteBatchAsync(batch);
        return batch.Select(p => p.Done.Task).ToList();
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        // The writer is the one serial step of intake: how long each group holds it is what an operator watches.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            if (_sqlite)
            {
                await WriteSqliteAsync(batch);
            }
            else
            {
                await WriteSplittingAsync(batch);
            }
        }
        catch (Exception ex)
        {
            foreach (var p in batch)
            {
                p.Done.TrySetException(ex);
            }
        }
        finally
        {
            _metrics.IntakeGroupWritten(_store, batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task WriteSqliteAsync(List<Pending> batch)
    {
        var groups = new IReadOnlyList<object>[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            groups[i] = Rows(batch[i]);
        }
        await using var db = await _dbFactory.CreateDbContextAsync();
        Interlocked.Increment(ref _transactions);
        // Cases that arrived while the batch before them waited out a lock held elsewhere have spent that time already:
        // the batch gets what is left of its oldest case's busy timeout, so no request waits for two timeouts in a row
        // (at least a tenth of it: enough for an ordinary write of this instance that has the turn to finish).
        var waited = System.Diagnostics.Stopwatch.GetElapsedTime(batch.Min(p => p.EnqueuedAt));
        var budget = _busyTimeout - waited;
        var failures = await _sqliteSession!.InsertAsync(db, groups, lockBudget: budget < _busyTimeout / 10 ? _busyTimeout / 10 : budget);
        for (var i = 0; i < batch.Count; i++)
        {
            if (failures[i] is { } failure)
            {
                _logger.LogDebug(failure, "Writing case {CaseId} failed", batch[i].Case.Id);
                batch[i].Done.TrySetException(failure);
            }
            else
            {
                Committed(batch[i]);
            }
        }
    }

    /// <summary>The rows of one submission, as SaveChanges writes its graph.</summary>
    private static List<object> Rows(Pending p)
    {
        // The key first: a repeat is refused before anything else of its case is written.
        List<object> rows = p.Key is null
            ? [p.Case, p.Case.Evaluation!, p.Audit]
            : [p.Key, p.Case, p.Case.Evaluation!, p.Audit];
        if (p.Case.SpotCheckItem is { } spotCheck)
        {
            rows.Add(spotCheck);
        }
        return rows;
    }

    /// <summary>The batch in one transaction (PostgreSQL: one INSERT per table, the rows as arrays; SQL Server: SaveChanges); a unique index that refuses a row splits it in halves until the offender is alone.</summary>
    private async Task WriteSplittingAsync(List<Pending> batch)
    {
        try
        {
            await SaveAsync(batch);
        }
        catch (DbUpdateException ex) when (batch.Count > 1 && !DatabaseErrors.IsUnavailable(ex))
        {
            // A unique index refused a row. (A database that cannot be reached fails the whole batch at once below:
            // splitting would only try it 2n times.)
            var half = batch.Count / 2;
            await WriteSplittingAsync(batch[..half]);
            await WriteSplittingAsync(batch[half..]);
            return;
        }
        catch (DbUpdateException ex) when (batch.Count == 1 && !DatabaseErrors.IsUnavailable(ex))
        {
            batch[0].Done.TrySetException(ex);
            return;
        }
        foreach (var p in batch)
        {
            Committed(p);
        }
    }

    private void Committed(Pending p)
    {
        p.Done.TrySetResult();
        var c = p.Case;
        _events.Publish(new CaseEvent(CaseEventKinds.Created, c.Id, c.Queue, null, c.Status, c.ClientId, c.CreatedAt));
    }

    private async Task SaveAsync(IReadOnlyList<Pending> batch)
    {
        if (_postgres)
        {
            await InsertPostgresAsync(batch);
            return;
        }
        await SaveChangesAsync(batch);
    }

    private async Task InsertPostgresAsync(IReadOnlyList<Pending> batch)
    {
        await using var db = await _dbFactory.CreateDbContextAsync();
        Interlocked.Increment(ref _transactions);
        try
        {
            await PostgresBatchInsert.InsertAsync(db, batch.SelectMany(Rows).ToList());
        }
        catch (Exception ex) when (batch.Count == 1)
        {
            _logger.LogDebug(ex, "Writing case {CaseId} failed", batch[0].Case.Id);
            throw;
        }
    }

    private async Task SaveChangesAsync(IReadOnlyList<Pending> batch)
    {
        await using var db = await _dbFactory.CreateDbContextAsync();
        // Only inserts of new graphs: nothing to detect, and this loop is the one serial step of intake.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        foreach (var p in batch)
        {
            db.Cases.Add(p.Case);
            db.AuditEvents.Add(p.Audit);
            if (p.Key is not null)
            {
                db.IdempotencyKeys.Add(p.Key);
            }
        }
        Interlocked.Increment(ref _transactions);
        try
        {
            await db.SaveChangesAsync();
        }
        catch (Exception ex)
        {
            if (batch.Count == 1)
            {
                _logger.LogDebug(ex, "Writing case {CaseId} failed", batch[0].Case.Id);
            }
            // Entities keep the state EF gave them; detach so a retry in a new context starts clean.
            foreach (var entry in db.ChangeTracker.Entries().ToList())
            {
                entry.State = EntityState.Detached;
            }
            throw;
        }
    }

    /// <summary>The SQLite writer's own connection and background checkpointer (null on other databases).</summary>
    internal SqliteBatchInsert.Session? SqliteSession => _sqliteSession;

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
        _sqliteSession?.Dispose();
    }
}
