using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Workbench.Data;

/// <summary>
/// One lock per database for the start-up work that must not run twice at once when several instances start together
/// on a fresh database: the migrations, seeding, the first policy version, the first Data Protection key. Without it both instances
/// see "no demo clients yet", both insert, and one dies on the primary key; both find no key and each writes its own.
/// <list type="bullet">
/// <item>PostgreSQL: a session-level <c>pg_advisory_lock</c> on a connection held for the work (released by
/// <c>pg_advisory_unlock</c>, or by the server when the process dies).</item>
/// <item>SQL Server: <c>sp_getapplock</c> owned by the session, likewise.</item>
/// <item>SQLite: none — one file is written by one process (two app processes on one file are not a deployment).</item>
/// </list>
/// Without a database to lock (one that does not exist yet, before the first migration) the work runs unlocked.
/// </summary>
public static class StartupLock
{
    // pg_advisory_lock key: any fixed bigint, the same in every instance ("wbstart" in ASCII); distinct from the audit chain's.
    private const long PostgresKey = 0x77627374_617274;
    private const string SqlServerResource = "workbench-startup";

    public static async Task RunAsync(IServiceProvider services, Func<Task> work, CancellationToken ct)
    {
        var settings = services.GetRequiredService<DatabaseSettings>();
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            await work();
            return;
        }
        // The provider's connection itself, not through EF: a database that does not exist yet is expected here, and
        // EF would log the failed open at error level.
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        try
        {
            await connection.OpenAsync(ct);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            // No database to lock yet (migrating creates it), or none reachable: the work goes ahead alone and, when
            // the database cannot be reached, fails with its own one-line message naming the setting.
            await work();
            return;
        }
        var postgres = settings.Provider == DatabaseProvider.Postgres;
        try
        {
            await ExecuteAsync(connection, postgres
                ? $"SELECT pg_advisory_lock({PostgresKey})"
                : $"EXEC sp_getapplock @Resource = N'{SqlServerResource}', @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = -1", ct);
            await work();
        }
        finally
        {
            // Not with ct: the lock is given back even when start-up is being cancelled (closing the session would too).
            await ExecuteAsync(connection, postgres
                ? $"SELECT pg_advisory_unlock({PostgresKey})"
                : $"EXEC sp_releaseapplock @Resource = N'{SqlServerResource}', @LockOwner = N'Session'", CancellationToken.None);
            await connection.CloseAsync();
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0; // waiting for the other instance's turn is the point
        await command.ExecuteNonQueryAsync(ct);
    }
}
