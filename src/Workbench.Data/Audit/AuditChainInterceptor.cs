using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Workbench.Core.Audit;
using Workbench.Data.Entities;

namespace Workbench.Data;

/// <summary>
/// Gives every audit event added in a SaveChanges its place in the chain (sequence, previous hash, hash) at save
/// time, so the code that writes events (Audit.cs, the intake writer) does not change.
/// <list type="bullet">
/// <item>SQLite: every write already takes turns in-process (<see cref="SqliteWriteGate"/>), so the head of the chain
/// is kept in memory — no query per save — read once from the database, and advanced only after a save committed.
/// A turn of its own (taken after the write gate, released after the head moved) closes the window between the
/// gate's release and the head's update. A save inside a caller's transaction forgets the cached head (that
/// transaction may still roll back), so the next save reads it again.</item>
/// <item>PostgreSQL and SQL Server: several instances write. Each save runs in a transaction that first takes a
/// transaction-scoped lock (<c>pg_advisory_xact_lock</c>, <c>sp_getapplock</c>) and reads the head inside it; the
/// transaction commits after EF saved. The unique index on the sequence makes any fork fail instead.</item>
/// </list>
/// </summary>
internal sealed class AuditChainInterceptor(DatabaseProvider provider) : SaveChangesInterceptor
{
    // pg_advisory_xact_lock key: any fixed bigint, the same in every instance ("wbaudit" in ASCII).
    private const long PostgresLockKey = 0x776261756469_74;

    internal sealed record Head(long Sequence, string Hash);

    private sealed class Pending
    {
        public required Head NewHead { get; init; }
        public IDbContextTransaction? OwnTransaction { get; init; }
        public bool HoldsTurn { get; init; }
    }

    private readonly SemaphoreSlim _sqliteTurn = new(1, 1);
    private Head? _sqliteHead;
    private readonly ConcurrentDictionary<DbContext, Pending> _pending = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// PostgreSQL: the head this instance's group commit last wrote or read under the lock, while nothing else of this
    /// instance sealed since (<see cref="TrySealPostgresFromLastBatch"/>).
    /// </summary>
    private Head? _postgresBatchHead;

    /// <summary>Forgets the cached head (tests that rewrite the table behind the app's back; sealing at start-up).</summary>
    public void ForgetHead()
    {
        _sqliteHead = null;
        _postgresBatchHead = null;
    }

    // Workbench saves asynchronously; a synchronous save (a tool, a test) still gets its chain.
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result) =>
        SavingChangesAsync(eventData, result).AsTask().GetAwaiter().GetResult();

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result) =>
        SavedChangesAsync(eventData, result).AsTask().GetAwaiter().GetResult();

    public override void SaveChangesFailed(DbContextErrorEventData eventData) =>
        FailedAsync(eventData.Context).GetAwaiter().GetResult();

    public override void SaveChangesCanceled(DbContextEventData eventData) =>
        FailedAsync(eventData.Context).GetAwaiter().GetResult();

    // A concurrency conflict ends the save through this hook only (EF does not report it as "failed"), and it is
    // raised while EF is still inside its command: the chain's turn is given back now (else every later audited
    // write would wait for ever), but a transaction of our own cannot be rolled back under EF's feet — it is rolled
    // back by the next save of that context, or when the context is disposed (which disposes its transaction).
    public override InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        Conflicted(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(
        ConcurrencyExceptionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Conflicted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContext, IDbContextTransaction> _dangling = new();

    private void Conflicted(DbContext? db)
    {
        if (db is null || !_pending.TryRemove(db, out var p))
        {
            return;
        }
        if (p.OwnTransaction is not null)
        {
            _dangling.AddOrUpdate(db, p.OwnTransaction);
        }
        if (p.HoldsTurn)
        {
            _sqliteHead = null; // the save's own transaction is still open; read the head again next time
            _sqliteTurn.Release();
        }
    }

    private async Task RollBackDanglingAsync(DbContext db)
    {
        if (_dangling.TryGetValue(db, out var stale))
        {
            _dangling.Remove(db);
            // Contexts are pooled: one returned to the pool since the conflict was reset, which disposed that
            // transaction already — and Npgsql reuses its transaction objects, so rolling back the stale one could
            // end another connection's live transaction. Only the context's own, still current one is rolled back.
            if (!ReferenceEquals(db.Database.CurrentTransaction, stale))
            {
                return;
            }
            try
            {
                await stale.RollbackAsync();
            }
            finally
            {
                await stale.DisposeAsync();
            }
        }
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is not { } db)
        {
            return result;
        }
        await RollBackDanglingAsync(db);
        var added = AddedEvents(db);
        if (added.Count == 0)
        {
            return result;
        }
        Head head;
        IDbContextTransaction? own = null;
        var holdsTurn = false;
        try
        {
            if (provider == DatabaseProvider.Sqlite)
            {
                await _sqliteTurn.WaitAsync(cancellationToken);
                holdsTurn = true;
                head = _sqliteHead ?? await ReadHeadAsync(db, cancellationToken);
            }
            else
            {
                // This save moves the head past what the group commit remembers: its next batch reads it again.
                _postgresBatchHead = null;
                if (db.Database.CurrentTransaction is null)
                {
                    own = await db.Database.BeginTransactionAsync(cancellationToken);
                }
                await db.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Postgres
                    ? PostgresLockSql
                    : "DECLARE @r int; EXEC @r = sp_getapplock @Resource = N'workbench.audit_chain', @LockMode = N'Exclusive', " +
                      "@LockOwner = N'Transaction', @LockTimeout = 30000; IF @r < 0 THROW 51001, N'The audit chain lock was not granted.', 1;",
                    cancellationToken);
                head = await ReadHeadAsync(db, cancellationToken);
            }
        }
        catch
        {
            await EndAsync(own, holdsTurn, commit: false);
            throw;
        }

        var hasher = new AuditCanonicalForm.Hasher();
        foreach (var e in added)
        {
            head = Seal(hasher, head, e);
        }
        _pending[db] = new Pending { NewHead = head, OwnTransaction = own, HoldsTurn = holdsTurn };
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } db && _pending.TryRemove(db, out var p))
        {
            if (p.HoldsTurn)
            {
                // Committed (EF's own transaction), unless a caller's transaction is still open around it.
                _sqliteHead = db.Database.CurrentTransaction is null ? p.NewHead : null;
            }
            await EndAsync(p.OwnTransaction, p.HoldsTurn, commit: true);
        }
        return result;
    }

    public override async Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default) =>
        await FailedAsync(eventData.Context);

    public override async Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default) =>
        await FailedAsync(eventData.Context);

    private async Task FailedAsync(DbContext? db)
    {
        if (db is not null && _pending.TryRemove(db, out var p))
        {
            if (p.HoldsTurn && db.Database.CurrentTransaction is not null)
            {
                _sqliteHead = null; // earlier saves of that transaction may or may not commit
            }
            await EndAsync(p.OwnTransaction, p.HoldsTurn, commit: false);
        }
    }

    private async Task EndAsync(IDbContextTransaction? own, bool holdsTurn, bool commit)
    {
        try
        {
            if (own is not null)
            {
                try
                {
                    if (commit)
                    {
                        await own.CommitAsync();
                    }
                    else
                    {
                        await own.RollbackAsync();
                    }
                }
                finally
                {
                    await own.DisposeAsync();
                }
            }
        }
        finally
        {
            if (holdsTurn)
            {
                _sqliteTurn.Release();
            }
        }
    }

    /// <summary>
    /// For the SQLite writer that bypasses SaveChanges (<see cref="SqliteBatchInsert"/>): takes the chain's turn
    /// (after the write gate, as SaveChanges does) and its head. The writer seals each event just before inserting
    /// it, marks the head at each savepoint and rolls it back with the savepoint, and reports the commit; disposing
    /// without a commit forgets the cached head (it is read again on the next save).
    /// </summary>
    internal async Task<SqliteAppend> BeginSqliteAppendAsync(DbContext db, CancellationToken ct)
    {
        await _sqliteTurn.WaitAsync(ct);
        try
        {
            return new SqliteAppend(this, _sqliteHead ?? await ReadHeadAsync(db, ct));
        }
        catch
        {
            _sqliteTurn.Release();
            throw;
        }
    }

    internal sealed class SqliteAppend(AuditChainInterceptor owner, Head head) : IDisposable
    {
        private readonly AuditCanonicalForm.Hasher _hasher = new();
        private Head _head = head;
        private Head _mark = head;
        private bool _committed;
        private bool _disposed;

        /// <summary>The head as it stands at a savepoint.</summary>
        public void Mark() => _mark = _head;

        /// <summary>The savepoint was rolled back: its events never happened.</summary>
        public void Rollback() => _head = _mark;

        public void Seal(AuditEventRecord e) => _head = AuditChainInterceptor.Seal(_hasher, _head, e);

        public void Committed() => _committed = true;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            owner._sqliteHead = _committed ? _head : null;
            owner._sqliteTurn.Release();
        }
    }

    /// <summary>
    /// For the PostgreSQL writer that bypasses SaveChanges (<see cref="PostgresBatchInsert"/>): inside the caller's
    /// transaction, takes the chain's lock and reads its head as a save does, and seals these events after it, in
    /// order. The lock is held until that transaction ends, so the events must be inserted in it. With
    /// <paramref name="beginTransaction"/> the transaction is begun here, by a <c>BEGIN</c> in the same round trip, on
    /// the context's open connection; the caller ends it in SQL.
    /// </summary>
    internal async Task SealPostgresAsync(DbContext db, IReadOnlyList<AuditEventRecord> events, bool beginTransaction, CancellationToken ct)
    {
        if (provider != DatabaseProvider.Postgres || (db.Database.CurrentTransaction is null) != beginTransaction)
        {
            throw new InvalidOperationException("Sealing outside SaveChanges needs PostgreSQL and the transaction the events are inserted in.");
        }
        Interlocked.Increment(ref _postgresHeadReads);
        var head = await LockAndReadHeadPostgresAsync(db, beginTransaction, ct);
        var hasher = new AuditCanonicalForm.Hasher();
        foreach (var e in events)
        {
            head = Seal(hasher, head, e);
        }
    }

    /// <summary>
    /// Seals the events after the head this instance's group commit last committed or read, without reading it: the
    /// batch then takes the chain's lock in its own round trip, with the rows, and saves the one that read the head.
    /// Safe because the lock keeps every other writer out while the rows go in, and the unique index on the sequence
    /// refuses the first event when anyone wrote after that head (<see cref="IsSequenceTaken"/>): the batch is then
    /// rolled back and written again the locking way. False when there is no such head (the first batch, or after a
    /// save of this instance sealed events itself, or after a failure).
    /// </summary>
    internal bool TrySealPostgresFromLastBatch(IReadOnlyList<AuditEventRecord> events)
    {
        if (provider != DatabaseProvider.Postgres || Volatile.Read(ref _postgresBatchHead) is not { } head)
        {
            return false;
        }
        var hasher = new AuditCanonicalForm.Hasher();
        foreach (var e in events)
        {
            head = Seal(hasher, head, e);
        }
        return true;
    }

    /// <summary>How many times a group commit read the head in a round trip of its own (for tests).</summary>
    internal long PostgresHeadReads => Interlocked.Read(ref _postgresHeadReads);

    private long _postgresHeadReads;

    /// <summary>After a group commit's COMMIT: its last event is the head the next batch continues from.</summary>
    internal void PostgresBatchCommitted(AuditEventRecord last) => Volatile.Write(ref _postgresBatchHead, new Head(last.Sequence, last.Hash));

    /// <summary>After a batch that failed: its next one reads the head again.</summary>
    internal void ForgetPostgresBatchHead() => Volatile.Write(ref _postgresBatchHead, null);

    internal static string PostgresLockStatement => PostgresLockSql;

    /// <summary>Whether this error is the unique index on the chain's sequence refusing an event: someone wrote after the head.</summary>
    internal static bool IsSequenceTaken(DbContext db, Npgsql.PostgresException error)
    {
        if (error.SqlState != "23505")
        {
            return false;
        }
        var entity = db.Model.FindEntityType(typeof(AuditEventRecord))!;
        var index = entity.GetIndexes().Single(i => i.IsUnique && i.Properties is [{ Name: nameof(AuditEventRecord.Sequence) }]);
        return error.ConstraintName == index.GetDatabaseName();
    }

    /// <summary>
    /// The chain's lock and its head in one round trip (with the transaction's BEGIN: the driver's, which it sends with
    /// the first command, or, with <paramref name="beginTransaction"/>, one of this batch's own): two statements in one batch, run in order, so the head is read in a snapshot taken after the
    /// lock was granted, as two separate commands would. Plain ADO.NET, not a LINQ query: the group commit does this
    /// once per group and the query pipeline cost more than the read.
    /// </summary>
    private static async Task<Head> LockAndReadHeadPostgresAsync(DbContext db, bool beginTransaction, CancellationToken ct)
    {
        var entity = db.Model.FindEntityType(typeof(AuditEventRecord))!;
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sequence = entity.FindProperty(nameof(AuditEventRecord.Sequence))!.GetColumnName(store)!;
        var hash = entity.FindProperty(nameof(AuditEventRecord.Hash))!.GetColumnName(store)!;
        await using var batch = db.Database.GetDbConnection().CreateBatch();
        batch.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (beginTransaction)
        {
            var begin = batch.CreateBatchCommand();
            begin.CommandText = "BEGIN";
            batch.BatchCommands.Add(begin);
        }
        var lockCommand = batch.CreateBatchCommand();
        lockCommand.CommandText = PostgresLockSql;
        batch.BatchCommands.Add(lockCommand);
        var headCommand = batch.CreateBatchCommand();
        headCommand.CommandText = $"SELECT {BatchInsertTable.Quote(sequence)}, {BatchInsertTable.Quote(hash)} FROM {BatchInsertTable.Quote(entity.GetTableName()!)} " +
                                  $"ORDER BY {BatchInsertTable.Quote(sequence)} DESC LIMIT 1";
        batch.BatchCommands.Add(headCommand);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct); // past the lock's one row (void); BEGIN has no result set to pass
        return await reader.ReadAsync(ct) ? new Head(reader.GetInt64(0), reader.GetString(1)) : new Head(0, AuditCanonicalForm.Genesis);
    }

    private static readonly string PostgresLockSql = $"SELECT pg_advisory_xact_lock({PostgresLockKey})";

    /// <summary>Gives the event the next place after <paramref name="head"/>; returns the new head.</summary>
    private static Head Seal(AuditCanonicalForm.Hasher hasher, Head head, AuditEventRecord e)
    {
        e.At = AuditCanonicalForm.Truncate(e.At);
        e.Sequence = head.Sequence + 1;
        e.PrevHash = head.Hash;
        e.Hash = hasher.HashHex(e);
        return new Head(e.Sequence, e.Hash);
    }

    private static List<AuditEventRecord> AddedEvents(DbContext db)
    {
        // Events are always added with DbSet.Add (state Added at once): no change detection needed here, and the
        // intake writer turns it off on purpose.
        var tracker = db.ChangeTracker;
        var auto = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            List<AuditEventRecord> added = [];
            foreach (EntityEntry<AuditEventRecord> entry in tracker.Entries<AuditEventRecord>())
            {
                if (entry.State == EntityState.Added)
                {
                    added.Add(entry.Entity);
                }
            }
            return added;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = auto;
        }
    }

    private static async Task<Head> ReadHeadAsync(DbContext db, CancellationToken ct)
    {
        var last = await db.Set<AuditEventRecord>().AsNoTracking()
            .OrderByDescending(a => a.Sequence)
            .Select(a => new { a.Sequence, a.Hash })
            .FirstOrDefaultAsync(ct);
        return last is null ? new Head(0, AuditCanonicalForm.Genesis) : new Head(last.Sequence, last.Hash);
    }
}
