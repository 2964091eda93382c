using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Workbench.Data.Entities;

namespace Workbench.Data;

/// <summary>
/// New rows of the model written to PostgreSQL without SaveChanges: one multi-row INSERT per table (rows in the
/// order given, tables in the order their first row comes), all sent as one <see cref="NpgsqlBatch"/> in one
/// transaction on the context's own connection — one round trip for the rows instead of one statement per row,
/// and no change tracking. The columns and values come from the EF model (<see cref="BatchInsertTable"/>), so the
/// rows are exactly those SaveChanges would write. Audit events are sealed into the hash chain inside the
/// transaction, after the chain's lock, as the chain interceptor does in a save.
/// All or nothing: a constraint that refuses any row (a taken external id, an idempotency key another request won)
/// rolls the whole batch back and throws a <see cref="DbUpdateException"/>; the caller decides what to retry.
/// </summary>
public static class PostgresBatchInsert
{
    // PostgreSQL takes at most 65,535 parameters in one statement; a longer batch is cut into several INSERTs.
    private const int MaxParameters = 65_535;

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
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            List<(object Row, BatchInsertTable Table, object Id)> generated;
            try
            {
                if (chain is not null && events.Count > 0)
                {
                    await chain.SealPostgresAsync(db, events, ct);
                }
                generated = await ExecuteAsync((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction(), tables, ct);
            }
            catch (PostgresException ex) when (ex.SqlState.StartsWith("23", StringComparison.Ordinal) /* integrity constraint violation */)
            {
                await tx.RollbackAsync(CancellationToken.None);
                throw new DbUpdateException("A constraint refused a row of this batch: " + ex.MessageText, ex);
            }
            await tx.CommitAsync(ct);
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

    private static async Task<List<(object Row, BatchInsertTable Table, object Id)>> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        List<(BatchInsertTable Table, List<object> Rows)> tables, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
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
            var perStatement = MaxParameters / table.Columns.Length;
            for (var start = 0; start < rows.Count; start += perStatement)
            {
                batch.BatchCommands.Add(Insert(table, rows.GetRange(start, Math.Min(perStatement, rows.Count - start)), returningTable));
            }
        }
        var keys = new List<(object Row, BatchInsertTable Table, object Id)>();
        if (returning.Count == 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
            return keys;
        }
        await using var reader = await batch.ExecuteReaderAsync(ct);
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
    /// <c>INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) [RETURNING n, key, unique]</c>, parameters positional and typed by
    /// the EF type mappings (each value's parameter is a copy of its column's, as the SQLite writer rebinds one).
    /// </summary>
    private static NpgsqlBatchCommand Insert(BatchInsertTable table, List<object> rows, int returningTable)
    {
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder("INSERT INTO ").Append(BatchInsertTable.Quote(table.Name)).Append(" (")
            .AppendJoin(", ", table.Columns.Select(c => BatchInsertTable.Quote(c.Name))).Append(") VALUES ");
        using var factory = new NpgsqlCommand();
        var templates = table.Columns.Select(c => (NpgsqlParameter)c.Mapping.CreateParameter(factory, "", null, c.Nullable)).ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var i = 0; i < table.Columns.Length; i++)
            {
                var parameter = templates[i].Clone();
                parameter.Value = table.Columns[i].ValueOf(rows[r]);
                command.Parameters.Add(parameter);
                sql.Append(i == 0 ? "$" : ", $").Append(command.Parameters.Count);
            }
            sql.Append(')');
        }
        if (returningTable >= 0)
        {
            sql.Append(" RETURNING ").Append(returningTable).Append(", ").Append(BatchInsertTable.Quote(table.GeneratedColumn!))
                .Append(", ").Append(BatchInsertTable.Quote(table.UniqueColumn!.Name));
        }
        command.CommandText = sql.ToString();
        return command;
    }
}
