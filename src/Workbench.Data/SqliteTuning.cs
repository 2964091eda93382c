using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Workbench.Data;

/// <summary>
/// SQLite per-connection settings: WAL with synchronous=NORMAL (a commit survives a crash of the app, as the
/// intake contract needs; only a power loss can take the last commits, the usual trade for WAL) and the busy timeout
/// (<see cref="DatabaseSettings.SqliteBusyTimeout"/>). <c>secure_delete=ON</c>: every cell
/// and page freed is overwritten with zeros, so a text a retention purge removed (and the older copies every normal
/// update of the row left behind in the page's free space or on the freelist) is not left in the file. FAST (zeroing
/// only what costs no extra I/O) leaves freed overflow pages whole and does not pass the retention file test; intake
/// only inserts, so it frees next to nothing: turned off, the intake writer's CPU per case did not change
/// (docs/intake-performance.md). With <see cref="SqliteSecureDelete"/> after a purge.
/// The busy timeout is set twice because two layers wait on a locked file: SQLite's own busy handler
/// (<c>PRAGMA busy_timeout</c>) and Microsoft.Data.Sqlite, which retries a busy statement until the command timeout
/// (30 s by default) is spent. Left at that default, a write behind another process's lock failed only after three
/// rounds of the 10 s busy handler, at about 30 s; the command timeout is the busy timeout too, so it fails after one.
/// A context that holds the write gate gets only what is left of its budget (<see cref="SqliteWriteGate"/>).
/// </summary>
internal sealed class SqliteConnectionSetup(SqliteWriteGate gate) : DbConnectionInterceptor
{
    internal const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON; ";

    // Most connections (every read) get the whole busy timeout: that text is made once.
    private readonly string _defaultPragmas = Pragmas + SqliteBusy.Pragma(gate.BusyTimeout);

    private (string Sql, TimeSpan Budget) For(DbContext? context) =>
        gate.RemainingFor(context) is { } left ? (Pragmas + SqliteBusy.Pragma(left), left) : (_defaultPragmas, gate.BusyTimeout);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        var (sql, budget) = For(eventData.Context);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
        SqliteBusy.SetCommandTimeout(connection, budget);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var (sql, budget) = For(eventData.Context);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        SqliteBusy.SetCommandTimeout(connection, budget);
    }
}

/// <summary>The two waits on a locked SQLite file, set to one budget.</summary>
internal static class SqliteBusy
{
    public static string Pragma(TimeSpan budget) =>
        $"PRAGMA busy_timeout={Milliseconds(budget)};";

    /// <summary>
    /// Microsoft.Data.Sqlite retries a busy statement until this many whole seconds have passed since it started (0 would
    /// mean for ever): whole seconds a little under the budget, at least 1, so that one round of SQLite's own wait —
    /// which can end a hair before the budget — already ends it.
    /// </summary>
    public static void SetCommandTimeout(DbConnection connection, TimeSpan budget)
    {
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            sqlite.DefaultTimeout = Math.Max(1, (int)Math.Floor(budget.TotalSeconds - 0.1));
        }
    }

    /// <summary>
    /// Sets both on an open connection without a statement, SQLite's through its C API (the intake writer, once per batch).
    /// </summary>
    public static void SetNative(Microsoft.Data.Sqlite.SqliteConnection connection, TimeSpan budget)
    {
        NativeStatement.Check(connection.Handle!, SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle!, Milliseconds(budget)));
        SetCommandTimeout(connection, budget);
    }

    private static int Milliseconds(TimeSpan budget) => (int)Math.Clamp(budget.TotalMilliseconds, 1, int.MaxValue);

    /// <summary>Sets both on an open connection (a context that opened it before taking its turn, or after its turn).</summary>
    public static async Task ApplyAsync(DbConnection connection, TimeSpan budget, CancellationToken ct)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragma(budget);
        await cmd.ExecuteNonQueryAsync(ct);
        SetCommandTimeout(connection, budget);
    }

    public static void Apply(DbConnection connection, TimeSpan budget)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragma(budget);
        cmd.ExecuteNonQuery();
        SetCommandTimeout(connection, budget);
    }

    /// <summary>What a write gets that could not have its turn in time: SQLITE_BUSY, which the API answers with 503.</summary>
    public static Microsoft.Data.Sqlite.SqliteException Busy(TimeSpan budget) =>
        new($"database is locked: the write waited {Math.Max(0, budget.TotalSeconds):0.#} s, what was left of its " +
            $"{DatabaseSettings.SqliteBusyTimeoutKey}, for this instance's writers ahead of it", 5);
}

/// <summary>
/// SQLite has one writer at a time. Letting many writers collide makes each of them wait out SQLITE_BUSY with
/// sleeps; taking turns in-process is several times faster. Server databases do not get this gate.
/// A write waits for its turn and then for the file's lock within one budget, the busy timeout, counted from when it
/// started waiting: a write queued behind a writer stuck on another process's lock fails when its own budget is spent,
/// not after every writer ahead of it has spent theirs.
/// </summary>
internal sealed class SqliteWriteGate(TimeSpan busyTimeout) : SaveChangesInterceptor
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public TimeSpan BusyTimeout { get; } = busyTimeout;

    // Which contexts hold the gate, with the Stopwatch timestamp their budget ends at. EF ends a save through one or
    // more of SavedChanges, SaveChangesFailed, SaveChangesCanceled and ThrowingConcurrencyException (a concurrency
    // conflict does not report "failed"): the gate is released by the first of them for a context that holds it, and only once.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<DbContext, long> _holders = new(ReferenceEqualityComparer.Instance);

    /// <summary>What is left of the budget of a context that holds the gate; null for any other.</summary>
    public TimeSpan? RemainingFor(DbContext? context) =>
        context is not null && _holders.TryGetValue(context, out var deadline)
            ? TimeSpan.FromTicks(Math.Max(0, (long)((deadline - Stopwatch.GetTimestamp()) * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)))
            : null;

    /// <summary>
    /// For writers that do not go through SaveChanges (<see cref="SqliteBatchInsert"/>, the readiness probe): takes the
    /// turn for <paramref name="context"/> within <paramref name="budget"/> (the busy timeout when null), or throws
    /// SQLITE_BUSY. Dispose the result to give the turn back.
    /// </summary>
    internal async Task<Turn> EnterAsync(DbContext context, TimeSpan? budget, CancellationToken cancellationToken)
    {
        await HoldAsync(context, budget ?? BusyTimeout, cancellationToken);
        return new Turn(this, context);
    }

    internal readonly struct Turn(SqliteWriteGate gate, DbContext context) : IDisposable
    {
        public void Dispose() => gate.Release(context);
    }

    private async Task HoldAsync(DbContext? context, TimeSpan budget, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Math.Max(0, budget.TotalSeconds) * Stopwatch.Frequency);
        if (!await _gate.WaitAsync(budget < TimeSpan.Zero ? TimeSpan.Zero : budget, cancellationToken))
        {
            throw SqliteBusy.Busy(budget);
        }
        Hold(context, deadline);
        try
        {
            // Opened before its turn (an explicit connection or transaction): the connection setup did not see the budget.
            await SqliteBusy.ApplyAsync(context!.Database.GetDbConnection(), RemainingFor(context) ?? BusyTimeout, cancellationToken);
        }
        catch
        {
            Release(context);
            throw;
        }
    }

    private void HoldSync(DbContext? context)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(BusyTimeout.TotalSeconds * Stopwatch.Frequency);
        if (!_gate.Wait(BusyTimeout))
        {
            throw SqliteBusy.Busy(BusyTimeout);
        }
        Hold(context, deadline);
        try
        {
            SqliteBusy.Apply(context!.Database.GetDbConnection(), RemainingFor(context) ?? BusyTimeout);
        }
        catch
        {
            Release(context);
            throw;
        }
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        HoldSync(eventData.Context);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await HoldAsync(eventData.Context, BusyTimeout, cancellationToken);
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Release(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        Release(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(
        ConcurrencyExceptionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Release(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    private void Hold(DbContext? context, long deadline)
    {
        if (context is null || !_holders.TryAdd(context, deadline))
        {
            _gate.Release();
            throw new InvalidOperationException("A DbContext entered the SQLite write gate twice.");
        }
    }

    private void Release(DbContext? context)
    {
        if (context is not null && _holders.TryRemove(context, out _))
        {
            _gate.Release();
            // A connection still open after the turn (an explicit one) gets the whole busy timeout back for what follows.
            try
            {
                SqliteBusy.Apply(context.Database.GetDbConnection(), BusyTimeout);
            }
            catch (DbException)
            {
                // A connection a failure left unusable: the next open sets the timeouts afresh.
            }
        }
    }
}
