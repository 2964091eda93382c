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
/// prepared once per writer connection (<see cref="Session"/>) and rebound per row. The SQL and the values come from the EF model itself (table
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
    /// Inserts every group in one transaction and commits, on a connection of its own opened for this call (a writer
    /// that writes batch after batch keeps a <see cref="Session"/>). Returns, per group, null when its rows are
    /// committed, or the <see cref="DbUpdateException"/> of the constraint that refused it (that group wrote nothing).
    /// Anything else (I/O, a full disk) throws and nothing is committed.
    /// </summary>
    /// <param name="lockBudget">How long the batch may wait for its turn and the file's lock (the busy timeout when
    /// null); spent, it fails with SQLITE_BUSY and writes nothing.</param>
    public static async Task<Exception?[]> InsertAsync(WorkbenchDbContext db, IReadOnlyList<IReadOnlyList<object>> groups, CancellationToken ct = default,
        TimeSpan? lockBudget = null)
    {
        using var session = new Session(checkpointInBackground: false);
        return await session.InsertAsync(db, groups, ct, lockBudget);
    }

    /// <summary>
    /// A writer's own SQLite connection, kept open from batch to batch with its INSERTs prepared once: opening a pooled
    /// connection, setting it up and preparing five INSERTs for every batch cost about a fifth of the writer's time.
    /// With <c>checkpointInBackground</c>, the WAL is copied into the database file by a <see cref="SqliteWalCheckpointer"/>
    /// on a connection of its own after commits, instead of inside every thousandth page's commit of the writer; the
    /// writer still checkpoints itself once the WAL reaches <see cref="WalAutoCheckpointPages"/> (the few frames the
    /// background pass has not copied yet), which also lets the WAL start over and bounds its size. Not thread-safe
    /// beyond one batch at a time (it serializes callers).
    /// </summary>
    public sealed class Session(bool checkpointInBackground = true, int walAutoCheckpointPages = Session.WalAutoCheckpointPages) : IDisposable
    {
        /// <summary>The writer's own checkpoint threshold with a background checkpointer (SQLite's default is 1,000 pages).</summary>
        public const int WalAutoCheckpointPages = 4000;

        private readonly SemaphoreSlim _turn = new(1, 1);
        private readonly Dictionary<Type, (Plan Plan, SqliteCommand? Command)> _commands = [];
        private SqliteConnection? _connection;
        private SqliteCommand? _savepoint, _release, _rollback;
        private bool _disposed;

        /// <summary>The background checkpointer, once the first batch opened the connection (null without one).</summary>
        public SqliteWalCheckpointer? Checkpointer { get; private set; }

        /// <summary>How many times the connection was opened (once, unless a batch failed for another reason than a constraint).</summary>
        public int Opens { get; private set; }

        /// <summary>How many INSERTs were prepared (one per table the writer wrote to, again only after a new connection).</summary>
        public int Prepared { get; private set; }

        public async Task<Exception?[]> InsertAsync(WorkbenchDbContext db, IReadOnlyList<IReadOnlyList<object>> groups, CancellationToken ct = default,
            TimeSpan? lockBudget = null)
        {
            if (!IsAvailable(db))
            {
                throw new InvalidOperationException("SqliteBatchInsert runs on SQLite only.");
            }
            await _turn.WaitAsync(ct);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var connection = Open(db);
                // The context gives the model, the write gate and the audit chain; the rows go through the writer's
                // connection (the context's own is opened only to read the chain's head when it is not known).
                var interceptors = db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors;
                var gate = interceptors?.OfType<SqliteWriteGate>().FirstOrDefault();
                SqliteWriteGate.Turn? turn = gate is null ? null : await gate.EnterAsync(db, lockBudget, ct);
                try
                {
                    // What is left of the budget once the turn came is how long the file's lock may be waited for.
                    await SqliteBusy.ApplyAsync(connection, gate?.RemainingFor(db) ?? lockBudget ?? DatabaseSettings.DefaultSqliteBusyTimeout, ct);
                    var results = await WriteAsync(db, connection, interceptors?.OfType<AuditChainInterceptor>().FirstOrDefault(), groups, ct);
                    Checkpointer?.Poke();
                    return results;
                }
                catch
                {
                    // Busy, I/O, a full disk: the next batch starts on a new connection, whatever state this one is in.
                    Reset();
                    throw;
                }
                finally
                {
                    turn?.Dispose();
                }
            }
            finally
            {
                _turn.Release();
            }
        }

        private SqliteConnection Open(WorkbenchDbContext db)
        {
            if (_connection is { State: System.Data.ConnectionState.Open } open)
            {
                return open;
            }
            Reset();
            var connectionString = db.Database.GetConnectionString()
                ?? throw new InvalidOperationException("The context has no connection string to open the writer's connection with.");
            // Not pooled: its settings (temp store, checkpoint threshold) are this writer's and leave with it.
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
            connection.Open();
            Opens++;
            using (var setup = connection.CreateCommand())
            {
                // As every connection of the app is set up (SqliteConnectionSetup), and: each group's savepoint journals
                // the pages it changes (in a batch, the same pages again for every group), in a temporary file by
                // default, which SQLite spills to past 64 KiB (~120 KiB of file writes per case besides its WAL
                // frames); in memory here.
                setup.CommandText = SqliteConnectionSetup.Pragmas + SqliteBusy.Pragma(DatabaseSettings.DefaultSqliteBusyTimeout) +
                    $" PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint={(checkpointInBackground ? walAutoCheckpointPages : 1000)};";
                setup.ExecuteNonQuery();
            }
            SqliteBusy.SetCommandTimeout(connection, DatabaseSettings.DefaultSqliteBusyTimeout);
            _connection = connection;
            if (checkpointInBackground)
            {
                Checkpointer ??= new SqliteWalCheckpointer(connectionString);
            }
            return connection;
        }

        private async Task<Exception?[]> WriteAsync(WorkbenchDbContext db, SqliteConnection connection, AuditChainInterceptor? chainInterceptor,
            IReadOnlyList<IReadOnlyList<object>> groups, CancellationToken ct)
        {
            var results = new Exception?[groups.Count];
            // Audit events get their place in the hash chain here, as the chain interceptor gives it in SaveChanges.
            using var chain = chainInterceptor is null ? null : await chainInterceptor.BeginSqliteAppendAsync(db, ct);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
            var savepoint = _savepoint ??= Command(connection, "SAVEPOINT wb_group");
            var release = _release ??= Command(connection, "RELEASE wb_group");
            var rollback = _rollback ??= Command(connection, "ROLLBACK TO wb_group");
            // A command keeps the timeout its connection had when it was created: this batch's budget is set on each.
            foreach (var command in _commands.Values.Select(c => c.Command).Append(savepoint).Append(release).Append(rollback))
            {
                if (command is not null)
                {
                    command.Transaction = tx;
                    command.CommandTimeout = connection.DefaultTimeout;
                }
            }
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
                        if (Insert(db, connection, tx, _commands, row))
                        {
                            Prepared++;
                        }
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
            return results;
        }

        private void Reset()
        {
            foreach (var (_, command) in _commands.Values)
            {
                command?.Dispose();
            }
            _commands.Clear();
            _savepoint?.Dispose();
            _release?.Dispose();
            _rollback?.Dispose();
            _savepoint = _release = _rollback = null;
            _connection?.Dispose();
            _connection = null;
        }

        public void Dispose()
        {
            _turn.Wait();
            try
            {
                if (_disposed)
                {
                    return;
                }
                _disposed = true;
                Reset();
                Checkpointer?.Dispose();
            }
            finally
            {
                _turn.Release();
            }
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Inserts the row; true when its table's INSERT was prepared for it.</summary>
    private static bool Insert(WorkbenchDbContext db, SqliteConnection connection, SqliteTransaction tx,
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
        var prepared = command is null;
        if (command is null)
        {
            // The parameters are created once per command, by the type mappings (type, size, nullability), and
            // only their values change from row to row: creating them per row was a fifth of the writer's time.
            command = Command(connection, plan.Sql, tx);
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
            return prepared;
        }
        table.CheckGeneratedUnset(row);
        // As SaveChanges would: the entity carries its database-generated key afterwards.
        table.SetGenerated(row, command.ExecuteScalar());
        return prepared;
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
