using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Workbench.Data;

/// <summary>
/// SQLite per-connection settings: WAL with synchronous=NORMAL (a commit survives a crash of the app, as the
/// intake contract needs; only a power loss can take the last commits, the usual trade for WAL) and a busy
/// timeout for the rare writer that is not behind <see cref="SqliteWriteGate"/>. <c>secure_delete=ON</c>: every cell
/// and page freed is overwritten with zeros, so a text a retention purge removed (and the older copies every normal
/// update of the row left behind in the page's free space or on the freelist) is not left in the file. FAST (zeroing
/// only what costs no extra I/O) leaves freed overflow pages whole and does not pass the retention file test; intake
/// only inserts, so it frees next to nothing (see docs/performance.md). With <see cref="SqliteSecureDelete"/> after a purge.
/// </summary>
internal sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA secure_delete=ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// SQLite has one writer at a time. Letting many writers collide makes each of them wait out SQLITE_BUSY with
/// sleeps; taking turns in-process is several times faster. Server databases do not get this gate.
/// </summary>
internal sealed class SqliteWriteGate : SaveChangesInterceptor
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>For writers that do not go through SaveChanges (<see cref="SqliteBatchInsert"/>).</summary>
    internal Task EnterAsync(CancellationToken cancellationToken) => _gate.WaitAsync(cancellationToken);

    internal void Exit() => _gate.Release();

    // Which contexts hold the gate. EF ends a save through one or more of SavedChanges, SaveChangesFailed,
    // SaveChangesCanceled and ThrowingConcurrencyException (a concurrency conflict does not report "failed"):
    // the gate is released by the first of them for a context that holds it, and only once.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<DbContext, byte> _holders = new(ReferenceEqualityComparer.Instance);

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        _gate.Wait();
        Hold(eventData.Context);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        Hold(eventData.Context);
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

    private void Hold(DbContext? context)
    {
        if (context is null || !_holders.TryAdd(context, 0))
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
        }
    }
}
