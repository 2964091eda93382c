using System.Collections.Concurrent;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Workbench.Data;

/// <summary>
/// New rows of the model written with plain prepared INSERTs, many groups in one SQLite transaction — the group
/// commit of intake without SaveChanges. Change tracking, command batching and SQL generation were most of the
/// writer's time, and SQLite parsed a fresh multi-statement text for every batch; here each table's INSERT is
/// prepared once per transaction and rebound per row. The SQL and the values come from the EF model itself (table
/// and column names, value converters, type mappings), so the rows are exactly those SaveChanges would write and a
/// column added to an entity is written without touching this class.
/// Each group is a savepoint: when a unique index refuses one of its rows, only that group's rows are undone and
/// the others still commit. It takes the same in-process write gate as SaveChanges on SQLite.
/// Not for entities with shadow properties or client-set store-generated values (it refuses them).
/// </summary>
public static class SqliteBatchInsert
{
    private sealed record Plan(string Sql, BatchInsertTable Table);

    private static readonly ConcurrentDictionary<IEntityType, Plan> Plans = new();

    public static bool IsAvailable(WorkbenchDbContext db) => db.Database.IsSqlite();

    /// <summary>
    /// Inserts every group in one transaction and commits. Returns, per group, null when its rows are committed, or
    /// the <see cref="DbUpdateException"/> of the constraint that refused it (that group wrote nothing). Anything
    /// else (I/O, a full disk) throws and nothing is committed.
    /// </summary>
    /// <param name="lockBudget">How long the batch may wait for its turn and the file's lock (the busy timeout when
    /// null); spent, it fails with SQLITE_BUSY and writes nothing.</param>
    public static async Task<Exception?[]> InsertAsync(WorkbenchDbContext db, IReadOnlyList<IReadOnlyList<object>> groups, CancellationToken ct = default,
        TimeSpan? lockBudget = null)
    {
        if (!IsAvailable(db))
        {
            throw new InvalidOperationException("SqliteBatchInsert runs on SQLite only.");
        }
        var results = new Exception?[groups.Count];
        var gate = db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<SqliteWriteGate>().FirstOrDefault();
        SqliteWriteGate.Turn? turn = gate is null ? null : await gate.EnterAsync(db, lockBudget, ct);
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            // Each group's savepoint journals the pages it changes (in a batch, the same pages again for every group):
            // in a temporary file by default, which SQLite spills to past 64 KiB, so a case cost ~120 KiB of file writes
            // besides its WAL frames. In memory for this transaction, and back to the default for the next user of the
            // pooled connection (a large sort may spill to a file then).
            TempStore((SqliteConnection)db.Database.GetDbConnection(), "MEMORY");
            try
            {
                // Audit events get their place in the hash chain here, as the chain interceptor gives it in SaveChanges.
                var chainInterceptor = db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<AuditChainInterceptor>().FirstOrDefault();
                using var chain = chainInterceptor is null ? null : await chainInterceptor.BeginSqliteAppendAsync(db, ct);
                var connection = (SqliteConnection)db.Database.GetDbConnection();
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
                // By CLR type: one model look-up per table and transaction, not one per row.
                var commands = new Dictionary<Type, (Plan Plan, SqliteCommand? Command)>();
                using var savepoint = Command(connection, tx, "SAVEPOINT wb_group");
                using var release = Command(connection, tx, "RELEASE wb_group");
                using var rollback = Command(connection, tx, "ROLLBACK TO wb_group");
                try
                {
                    for (var g = 0; g < groups.Count; g++)
                    {
                        savepoint.ExecuteNonQuery();
                        chain?.Mark();
                        try
                        {
                            foreach (var row in groups[g])
                            {
                                if (chain is not null && row is Entities.AuditEventRecord audit)
                                {
                                    chain.Seal(audit);
                                }
                                Insert(db, connection, tx, commands, row);
                            }
                        }
                        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
                        {
                            rollback.ExecuteNonQuery();
                            chain?.Rollback();
                            results[g] = new DbUpdateException("A constraint refused a row of this group: " + ex.Message, ex);
                        }
                        release.ExecuteNonQuery();
                    }
                    await tx.CommitAsync(ct);
                    chain?.Committed();
                }
                finally
                {
                    foreach (var (_, command) in commands.Values)
                    {
                        command?.Dispose();
                    }
                }
            }
            finally
            {
                try
                {
                    TempStore((SqliteConnection)db.Database.GetDbConnection(), "DEFAULT");
                }
                catch (SqliteException)
                {
                    // A connection that failed: it leaves the pool with what it had, which changes nothing the next user sees.
                }
                await db.Database.CloseConnectionAsync();
            }
        }
        finally
        {
            turn?.Dispose();
        }
        return results;
    }

    private static void TempStore(SqliteConnection connection, string where)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA temp_store=" + where;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static void Insert(WorkbenchDbContext db, SqliteConnection connection, SqliteTransaction tx,
        Dictionary<Type, (Plan Plan, SqliteCommand? Command)> commands, object row)
    {
        if (!commands.TryGetValue(row.GetType(), out var entry))
        {
            var entityType = db.Model.FindEntityType(row.GetType())
                ?? throw new InvalidOperationException($"{row.GetType().Name} is not an entity of the model.");
            entry = (Plans.GetOrAdd(entityType, BuildPlan), null);
        }
        var (plan, command) = entry;
        var table = plan.Table;
        if (command is null)
        {
            // The parameters are created once per command, by the type mappings (type, size, nullability), and
            // only their values change from row to row: creating them per row was a fifth of the writer's time.
            command = Command(connection, tx, plan.Sql);
            for (var i = 0; i < table.Columns.Length; i++)
            {
                var c = table.Columns[i];
                command.Parameters.Add(c.Mapping.CreateParameter(command, "@p" + i, c.Getter.GetClrValue(row), c.Nullable));
            }
            commands[row.GetType()] = (plan, command);
        }
        else
        {
            var parameters = command.Parameters;
            for (var i = 0; i < table.Columns.Length; i++)
            {
                parameters[i].Value = table.Columns[i].ValueOf(row);
            }
        }
        if (table.Generated is null)
        {
            command.ExecuteNonQuery();
            return;
        }
        table.CheckGeneratedUnset(row);
        // As SaveChanges would: the entity carries its database-generated key afterwards.
        table.SetGenerated(row, command.ExecuteScalar());
    }

    private static Plan BuildPlan(IEntityType entityType)
    {
        var table = BatchInsertTable.Of(entityType);
        var sql = new StringBuilder("INSERT INTO ").Append(BatchInsertTable.Quote(table.Name)).Append(" (");
        sql.AppendJoin(", ", table.Columns.Select(c => BatchInsertTable.Quote(c.Name)));
        sql.Append(") VALUES (").AppendJoin(", ", table.Columns.Select((_, i) => "@p" + i)).Append(')');
        if (table.GeneratedColumn is not null)
        {
            sql.Append(" RETURNING ").Append(BatchInsertTable.Quote(table.GeneratedColumn));
        }
        return new Plan(sql.ToString(), table);
    }
}
