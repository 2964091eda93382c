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
    private sealed record Plan(string Sql, BatchInsertTable Table, SqliteValues.ColumnBinding[] Columns);

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
    /// The INSERTs and savepoints are SQLite statements of its own (<see cref="NativeStatement"/>), bound by position
    /// through SQLite's C API: a <see cref="SqliteCommand"/> looks up every parameter by name, encodes the name and a
    /// fresh copy of every text, and opens a data reader for every row, which was half the writer's own CPU time.
    /// With <c>checkpointInBackground</c>, the WAL is copied into the database file by a <see cref="SqliteWalCheckpointer"/>
    /// on a connection of its own after commits, instead of inside every thousandth page's commit of the writer; the
    /// writer still checkpoints itself once the WAL reaches <see cref="WalAutoCheckpointPages"/> (the few frames the
    /// background pass has not copied yet), which also lets the WAL start over and bounds its size. Not thread-safe
    /// beyond one batch at a time (it serializes callers).
    /// </summary>
    public sealed class Session(bool checkpointInBackground = true, int walAutoCheckpointPages = Session.WalAutoCheckpointPages,
        Microsoft.Extensions.Logging.ILogger? logger = null) : IDisposable
    {
        /// <summary>The writer's own checkpoint threshold with a background checkpointer (SQLite's default is 1,000 pages).</summary>
        public const int WalAutoCheckpointPages = 4000;

        private readonly SemaphoreSlim _turn = new(1, 1);
        private readonly Dictionary<Type, (Plan Plan, NativeStatement Statement)> _inserts = [];
        private readonly SqliteValues _values = new();
        private SqliteConnection? _connection;
        private NativeStatement? _savepoint, _release, _rollback;
        private bool _disposed;

        /// <summary>The background checkpointer, once the first batch opened the connection (null without one).</summary>
        public SqliteWalCheckpointer? Checkpointer { get; private set; }

        /// <summary>How many times the connection was opened (once, unless a batch failed for another reason than a constraint).</summary>
        internal int Opens { get; private set; }

        /// <summary>How many INSERTs were prepared (one per table the writer wrote to, again only after a new connection).</summary>
        internal int Prepared { get; private set; }

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
                    SqliteBusy.SetNative(connection, gate?.RemainingFor(db) ?? lockBudget ?? DatabaseSettings.DefaultSqliteBusyTimeout);
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
                // frames); in memory here. The busy timeout is set for each batch, to what is left of its budget.
                setup.CommandText = SqliteConnectionSetup.Pragmas +
                    $"PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint={(checkpointInBackground ? walAutoCheckpointPages : 1000)};";
                setup.ExecuteNonQuery();
            }
            _connection = connection;
            if (checkpointInBackground)
            {
                Checkpointer ??= new SqliteWalCheckpointer(connectionString, logger);
            }
            return connection;
        }

        private async Task<Exception?[]> WriteAsync(WorkbenchDbContext db, SqliteConnection connection, AuditChainInterceptor? chainInterceptor,
            IReadOnlyList<IReadOnlyList<object>> groups, CancellationToken ct)
        {
            var results = new Exception?[groups.Count];
            // Audit events get their place in the hash chain here, as the chain interceptor gives it in SaveChanges.
            using var chain = chainInterceptor is null ? null : await chainInterceptor.BeginSqliteAppendAsync(db, ct);
            // BEGIN IMMEDIATE: the file's write lock is waited for here (the busy timeout), not by the statements after it.
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
            var handle = connection.Handle!;
            var savepoint = _savepoint ??= new NativeStatement(handle, "SAVEPOINT wb_group");
            var release = _release ??= new NativeStatement(handle, "RELEASE wb_group");
            var rollback = _rollback ??= new NativeStatement(handle, "ROLLBACK TO wb_group");
            for (var g = 0; g < groups.Count; g++)
            {
                savepoint.Run();
                chain?.Mark();
                try
                {
                    foreach (var row in groups[g])
                    {
                        if (chain is not null && row is Entities.AuditEventRecord audit)
                        {
                            chain.Seal(audit);
                        }
                        Insert(db, handle, row);
                    }
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
                {
                    rollback.Run();
                    chain?.Rollback();
                    results[g] = new DbUpdateException("A constraint refused a row of this group: " + ex.Message, ex);
                }
                release.Run();
            }
            await tx.CommitAsync(ct);
            chain?.Committed();
            return results;
        }

        /// <summary>Inserts the row through its table's statement, prepared for the first row of that table on this connection.</summary>
        private void Insert(WorkbenchDbContext db, SQLitePCL.sqlite3 handle, object row)
        {
            if (!_inserts.TryGetValue(row.GetType(), out var entry))
            {
                var entityType = db.Model.FindEntityType(row.GetType())
                    ?? throw new InvalidOperationException($"{row.GetType().Name} is not an entity of the model.");
                var plan = Plans.GetOrAdd(entityType, BuildPlan);
                entry = (plan, new NativeStatement(handle, plan.Sql));
                _inserts[row.GetType()] = entry;
                Prepared++;
            }
            var (p, statement) = entry;
            var table = p.Table;
            var columns = p.Columns;
            for (var i = 0; i < columns.Length; i++)
            {
                _values.Bind(handle, statement.Handle, i + 1, columns[i], columns[i].Column.ValueOf(row));
            }
            if (table.Generated is null)
            {
                statement.Run();
                return;
            }
            table.CheckGeneratedUnset(row);
            // As SaveChanges would: the entity carries its database-generated key afterwards.
            table.SetGenerated(row, statement.Run()
                ?? throw new InvalidOperationException($"The INSERT into {table.Name} returned no generated key."));
        }

        private void Reset()
        {
            foreach (var (_, statement) in _inserts.Values)
            {
                statement.Dispose();
            }
            _inserts.Clear();
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

    private static Plan BuildPlan(IEntityType entityType)
    {
        var table = BatchInsertTable.Of(entityType);
        var sql = new StringBuilder("INSERT INTO ").Append(BatchInsertTable.Quote(table.Name)).Append(" (");
        sql.AppendJoin(", ", table.Columns.Select(c => BatchInsertTable.Quote(c.Name)));
        sql.Append(") VALUES (").AppendJoin(", ", table.Columns.Select((_, i) => "?" + (i + 1))).Append(')');
        if (table.GeneratedColumn is not null)
        {
            sql.Append(" RETURNING ").Append(BatchInsertTable.Quote(table.GeneratedColumn));
        }
        return new Plan(sql.ToString(), table, [.. table.Columns.Select(SqliteValues.ColumnBinding.Of)]);
    }
}
