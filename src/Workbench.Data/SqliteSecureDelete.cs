using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Workbench.Data;

/// <summary>
/// After a retention purge on SQLite: the WAL still holds the page images written before it (the old texts in them)
/// until a checkpoint copies the newest pages into the database file and the log is reset. A TRUNCATE checkpoint does
/// both and truncates the -wal to zero bytes. Freed cells and pages in the file itself are zeroed as they are freed,
/// by <c>PRAGMA secure_delete</c> on every connection (<see cref="SqliteConnectionSetup"/>).
/// </summary>
public static class SqliteSecureDelete
{
    /// <summary>
    /// Runs <c>PRAGMA wal_checkpoint(TRUNCATE)</c> behind the in-process write gate (so no writer of this instance
    /// collides with it). Returns true when the whole WAL was checkpointed and truncated; false when a reader or writer
    /// elsewhere (another process) held it past the busy timeout: the next checkpoint then does it. No-op off SQLite.
    /// </summary>
    public static async Task<bool> CheckpointAndTruncateWalAsync(WorkbenchDbContext db, CancellationToken ct = default)
    {
        if (!db.Database.IsSqlite())
        {
            return true;
        }
        var gate = db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<SqliteWriteGate>().FirstOrDefault();
        // The checkpoint waits for its turn like any writer; a sweep that does not get it is left for the next one.
        SqliteWriteGate.Turn? turn;
        try
        {
            turn = gate is null ? null : await gate.EnterAsync(db, null, ct);
        }
        catch (SqliteException)
        {
            return false;
        }
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await using var cmd = (SqliteCommand)db.Database.GetDbConnection().CreateCommand();
                // The write gate is held meanwhile, so intake waits: a reader still on an older snapshot (a long
                // export) may hold the checkpoint back 2 s at most (not the usual 10), then it is left for the next sweep.
                cmd.CommandText = "PRAGMA busy_timeout=2000; PRAGMA wal_checkpoint(TRUNCATE);";
                await using var r = await cmd.ExecuteReaderAsync(ct);
                // One row: busy (1 when it could not finish), frames in the log, frames checkpointed.
                return await r.ReadAsync(ct) && r.GetInt64(0) == 0;
            }
            finally
            {
                // Closed, the connection gets its busy timeout afresh when it is next opened.
                await db.Database.CloseConnectionAsync();
            }
        }
        finally
        {
            turn?.Dispose();
        }
    }
}
