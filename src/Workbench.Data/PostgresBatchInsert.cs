using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Workbench.Data.Entities;

namespace Workbench.Data;

/// <summary>
/// New rows of the model written to PostgreSQL without SaveChanges: one INSERT per table whose rows come as one
/// array per column (<c>INSERT … SELECT * FROM unnest(…)</c>; rows in the order given, tables in the order their
/// first row comes), all sent as one prepared <see cref="NpgsqlBatch"/> ending in the transaction's COMMIT, on the context's own
/// connection — one round trip for the rows instead of one statement per row, and no change tracking. The columns
/// and values come from the EF model (<see cref="BatchInsertTable"/>), so the rows are exactly those SaveChanges
/// would write. Audit events are sealed into the hash chain inside the
/// transaction, after the chain's lock, as the chain interceptor does in a save; from the head the last batch of this
/// instance committed when nothing moved it since, so that the group is one round trip.
/// All or nothing: a constraint that refuses any row (a taken external id, an idempotency key another request won)
/// rolls the whole batch back and throws a <see cref="DbUpdateException"/>; the caller decides what to retry.
/// </summary>
public static class PostgresBatchInsert
{
    public static bool IsAvailable(WorkbenchDbContext db) => db.Database.IsNpgsql();

    /// <summary>Inserts the rows in one transaction and commits, or throws with nothing written.</summary>
    public static async Task InsertAsync(WorkbenchDbContext db, IReadOnlyList<object> rows, CancellationToken ct = default)
    {
        if (!IsAvailable(db))
        {
            throw new InvalidOperationException("PostgresBatchInsert runs on PostgreSQL only.");
        }
        var tables = new List<(BatchInsertTable Table, List<object> Rows)>();
        var byType = new Dictionary<Type, List<object>>();
        foreach (var row in rows)
        {
            if (!byType.TryGetValue(row.GetType(), out var list))
            {
                var entityType = db.Model.FindEntityType(row.GetType())
                    ?? throw new InvalidOperationException($"{row.GetType().Name} is not an entity of the model.");
                list = [];
                byType[row.GetType()] = list;
                tables.Add((BatchInsertTable.Of(entityType), list));
            }
            list.Add(row);
        }
        foreach (var (table, list) in tables)
        {
            foreach (var row in list)
            {
                table.CheckGeneratedUnset(row);
            }
        }
        var events = rows.OfType<AuditEventRecord>().ToList();
        var chain = db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<AuditChainInterceptor>().FirstOrDefault();

        await db.Database.OpenConnectionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        try
        {
            // The transaction is begun and committed in SQL, not through a DbTransaction, so that each goes in a round
            // trip there is anyway: BEGIN, the chain's lock, the rows and COMMIT in one batch when the head is the one
            // this instance's last batch left; otherwise BEGIN with the lock and the head's read, then the rows and COMMIT.
            // Usually one: the events continue from the head this instance's last batch committed, and the chain's
            // lock goes in the rows' batch (see AuditChainInterceptor.TrySealPostgresFromLastBatch).
            List<(object Row, BatchInsertTable Table, object Id)> generated;
            var sealing = chain is not null && events.Count > 0;
            try
            {
                if (sealing && chain!.TrySealPostgresFromLastBatch(events))
                {
                    try
                    {
                        generated = await ExecuteAsync(connection, tables, begin: true, lockChain: true, ct);
                    }
                    catch (PostgresException pg) when (AuditChainInterceptor.IsSequenceTaken(db, pg))
                    {
                        // Another writer moved the head since: nothing of this batch was written. Again, reading it.
                        await RollbackAsync(connection);
                        chain.ForgetPostgresBatchHead();
                        await chain.SealPostgresAsync(db, events, beginTransaction: true, ct);
                        generated = await ExecuteAsync(connection, tables, begin: false, lockChain: false, ct);
                    }
                }
                else if (sealing)
                {
                    await chain!.SealPostgresAsync(db, events, beginTransaction: true, ct);
                    generated = await ExecuteAsync(connection, tables, begin: false, lockChain: false, ct);
                }
                else
                {
                    generated = await ExecuteAsync(connection, tables, begin: true, lockChain: false, ct);
                }
            }
            catch (Exception ex)
            {
                // The server skipped the rest of the batch, COMMIT included: end the transaction now, so the chain's
                // lock is not held by a pooled connection until its next use.
                await RollbackAsync(connection);
                chain?.ForgetPostgresBatchHead();
                if (ex is PostgresException pg && pg.SqlState.StartsWith("23", StringComparison.Ordinal) /* integrity constraint violation */)
                {
                    throw new DbUpdateException("A constraint refused a row of this batch: " + pg.MessageText, ex);
                }
                throw;
            }
            if (sealing)
            {
                chain!.PostgresBatchCommitted(events[^1]);
            }
            // As SaveChanges would: the entities carry their database-generated keys afterwards (not before the
            // commit: a batch that failed is written again, and the database must give the keys again).
            foreach (var (row, table, id) in generated)
            {
                table.SetGenerated(row, id);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Ends a transaction the batch left open or failed; nothing to do (and nothing thrown) when the connection is gone.</summary>
    private static async Task RollbackAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The connection broke: the server ends its session and the transaction with it.
        }
    }

    private static async Task<List<(object Row, BatchInsertTable Table, object Id)>> ExecuteAsync(NpgsqlConnection connection,
        List<(BatchInsertTable Table, List<object> Rows)> tables, bool begin, bool lockChain, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        if (begin)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        }
        if (lockChain)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(AuditChainInterceptor.PostgresLockStatement));
        }
        // A generated key comes back with the table's number and the row's value of a unique column, by which it is
        // matched to its row: RETURNING's order is not promised, and it sees only the table's own columns.
        var returning = new List<(BatchInsertTable Table, Dictionary<object, object> RowByUnique)>();
        foreach (var (table, rows) in tables)
        {
            var returningTable = -1;
            if (table.Generated is not null)
            {
                var unique = table.UniqueColumn ?? throw new NotSupportedException(
                    $"{table.Name} generates its key and has no unique column of one property to match the keys back to the rows by.");
                returningTable = returning.Count;
                returning.Add((table, rows.ToDictionary(unique.ValueOf)));
            }
            batch.BatchCommands.Add(Insert(table, rows, returningTable));
        }
        // After an error the server skips the rest of the batch, so the COMMIT runs only when every row was written.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        // The statements' text depends on the table alone, never on how many rows the group has: prepared once per
        // connection, they are neither parsed nor planned again (preparing what is prepared already costs nothing).
        await batch.PrepareAsync(ct);
        var keys = new List<(object Row, BatchInsertTable Table, object Id)>();
        if (returning.Count == 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
            return keys;
        }
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (lockChain)
        {
            await reader.NextResultAsync(ct); // past the lock's one row (void)
        }
        do
        {
            while (await reader.ReadAsync(ct))
            {
                var (table, rowByUnique) = returning[reader.GetInt32(0)];
                keys.Add((rowByUnique[reader.GetValue(2)], table, reader.GetValue(1)));
            }
        }
        while (await reader.NextResultAsync(ct));
        return keys;
    }

    /// <summary>
    /// <c>INSERT INTO t (a, b) SELECT * FROM unnest($1::text[], $2::uuid[]) [RETURNING n, key, unique]</c>: one array
    /// parameter per column, whatever the number of rows. A multi-row VALUES list has a parameter per value, so its text changes with
    /// the group's size and the server parses and plans it anew each time, its cost growing with rows × columns;
    /// this statement is the same for every group of the table. The arrays' element types are the columns' provider
    /// types (as the EF type mappings convert them), which the driver sends as the matching PostgreSQL arrays, each
    /// cast to an array of its column's type without its length: an explicit cast to <c>varchar(64)</c> would cut a
    /// longer value to fit, where the INSERT's own assignment to the column refuses it, as it does a VALUES parameter.
    /// </summary>
    private static NpgsqlBatchCommand Insert(BatchInsertTable table, List<object> rows, int returningTable)
    {
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder("INSERT INTO ").Append(BatchInsertTable.Quote(table.Name)).Append(" (")
            .AppendJoin(", ", table.Columns.Select(c => BatchInsertTable.Quote(c.Name))).Append(") SELECT * FROM unnest(");
        for (var i = 0; i < table.Columns.Length; i++)
        {
            var column = table.Columns[i];
            var values = Array.CreateInstance(column.ProviderArrayElement, rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                var value = column.ValueOf(rows[r]);
                values.SetValue(value is DBNull ? null : value, r);
            }
            command.Parameters.Add(new NpgsqlParameter { Value = values });
            sql.Append(i == 0 ? "$" : ", $").Append(i + 1).Append("::").Append(column.Mapping.StoreTypeNameBase).Append("[]");
        }
        sql.Append(')');
        if (returningTable >= 0)
        {
            sql.Append(" RETURNING ").Append(returningTable).Append(", ").Append(BatchInsertTable.Quote(table.GeneratedColumn!))
                .Append(", ").Append(BatchInsertTable.Quote(table.UniqueColumn!.Name));
        }
        command.CommandText = sql.ToString();
        return command;
    }
}
