using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Workbench.Data;

/// <summary>
/// SQLite per-connection settings: WAL with synchronous=NORMAL (a commit survives a crash of the app, as the
/// intake contract needs; only a power loss can take the last commits, the usual trade for WAL) and a busy
/// timeout for the rare writer that is not behind <see cref="SqliteWriteGate"/>.
/// </summary>
internal sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;";

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

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        _gate.Wait();
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        _gate.Release();
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        _gate.Release();
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => _gate.Release();

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        _gate.Release();
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => _gate.Release();

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        _gate.Release();
        return Task.CompletedTask;
    }
}
