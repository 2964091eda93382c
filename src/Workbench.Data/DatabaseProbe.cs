using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Workbench.Data.Entities;

namespace Workbench.Data;

/// <summary>What the readiness probe found: whether the instance can read and whether it can write.</summary>
public sealed record DatabaseProbeResult(bool CanRead, bool CanWrite, Exception? Error)
{
    public bool Ready => CanRead && CanWrite;
}

/// <summary>
/// The readiness probe of the database: a read, then a write that is rolled back — one row into <c>health_probes</c>
/// inside a transaction — on the same pooled connections and, on SQLite, through the same write gate and within the
/// same busy timeout as every other write. So readiness says what a write would meet now: another process holding the
/// file's lock, a read-only or full disk, a server that refuses writes. Opening a new connection proves none of that,
/// and on SQLite it could fail while the pooled connections that serve every request still work (the file's folder
/// made unreadable), taking a working instance out of the balancer.
/// </summary>
public static class DatabaseProbe
{
    public static async Task<DatabaseProbeResult> RunAsync(WorkbenchDbContext db, DateTimeOffset at, CancellationToken ct = default)
    {
        try
        {
            await db.HealthProbes.AsNoTracking().AnyAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new DatabaseProbeResult(false, false, ex);
        }
        try
        {
            await WriteAndRollBackAsync(db, at, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new DatabaseProbeResult(true, false, ex);
        }
        return new DatabaseProbeResult(true, true, null);
    }

    private static async Task WriteAndRollBackAsync(WorkbenchDbContext db, DateTimeOffset at, CancellationToken ct)
    {
        var entity = db.Model.FindEntityType(typeof(HealthProbeRecord))!;
        var column = entity.FindProperty(nameof(HealthProbeRecord.At))!;
        var sql = db.GetService<ISqlGenerationHelper>();
        // Raw SQL, because SaveChanges would take the SQLite write gate a second time; the value as the model stores it
        // (UTC ticks on SQLite, a timestamp on the servers).
        var insert = $"INSERT INTO {sql.DelimitIdentifier(entity.GetTableName()!)} ({sql.DelimitIdentifier(column.GetColumnName())}) VALUES ({{0}})";
        var value = column.GetTypeMapping().Converter?.ConvertToProvider(at) ?? at;
        var gate = db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<SqliteWriteGate>().FirstOrDefault();
        SqliteWriteGate.Turn? turn = gate is null ? null : await gate.EnterAsync(db, null, ct);
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await db.Database.ExecuteSqlRawAsync(insert, [value], ct);
                await tx.RollbackAsync(ct);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
        finally
        {
            turn?.Dispose();
        }
    }
}
