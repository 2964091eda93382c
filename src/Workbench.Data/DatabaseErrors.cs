using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Workbench.Data;

/// <summary>
/// Tells a database that cannot be reached (or cannot take the request right now) from every other failure: the
/// API answers the first with 503 and <c>Retry-After</c>, the second stays a 500. EF wraps provider exceptions
/// (<c>DbUpdateException</c>, and the "likely due to a transient failure" <c>InvalidOperationException</c> of the
/// execution strategies), so the whole chain of inner exceptions is searched.
/// </summary>
public static class DatabaseErrors
{
    // SQL Server: timeouts, dropped or refused connections, a database being moved or not yet online, throttling
    // (the connection-level part of EF's SqlServerTransientExceptionDetector; deadlocks are not "unavailable").
    private static readonly HashSet<int> SqlServerUnavailable =
        [-2, 20, 53, 64, 121, 233, 4060, 10053, 10054, 10060, 10928, 10929, 11001, 40197, 40501, 40613, 49918, 49919, 49920];

    public static bool IsUnavailable(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 16; depth++)
        {
            switch (exception)
            {
                case PostgresException pg:
                    // Class 08: connection exceptions; 57P01–03: the server is shutting down, crashed, or starting up;
                    // 53300: too many connections. Any other server error (a constraint, a syntax error) is not an outage.
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) ||
                           pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                               or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true; // the socket: refused, reset, closed mid-read, timed out
                case SqliteException sqlite when (sqlite.SqliteErrorCode & 0xFF) is 5 or 6:
                    return true; // SQLITE_BUSY, SQLITE_LOCKED: another writer held the file past the busy timeout
                case SqlException sql when sql.Errors.Cast<SqlError>().Any(e => SqlServerUnavailable.Contains(e.Number)):
                    return true;
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsUnavailable);
            }
            exception = exception.InnerException;
        }
        return false;
    }
}
