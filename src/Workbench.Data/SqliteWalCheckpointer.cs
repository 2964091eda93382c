using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Workbench.Data;

/// <summary>
/// Copies the WAL into the database file on a connection and a thread of its own, after a writer's commits: a PASSIVE
/// checkpoint, which waits for no one and runs while the writer goes on appending. Without it, SQLite checkpoints inside
/// the commit that takes the WAL past its threshold, and the intake writer (the one serial step of intake) spent a
/// third of its commit time there, the cores otherwise idle. At most one pass every <see cref="MinInterval"/>, so hot
/// pages written again and again reach the file once per pass. A pass that fails (the file locked by another process)
/// is left for the next one; the writer's own threshold still bounds the WAL. The first failure of a run of them is
/// logged as a warning, and the first pass that works again after them.
/// </summary>
public sealed class SqliteWalCheckpointer : IDisposable
{
    /// <summary>The least time between two passes.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _connectionString;
    private readonly ILogger? _logger;
    private readonly Task _loop;
    private long _passes;
    private long _failures;

    public SqliteWalCheckpointer(string connectionString, ILogger? logger = null)
    {
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Passes run (for tests).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Passes that failed (for tests and diagnostics).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Pages in the WAL and pages of it in the database file, as the last pass found them.</summary>
    public (long Log, long Checkpointed) Last { get; private set; }

    /// <summary>A commit happened: a pass runs soon (several pokes before it make one pass).</summary>
    public void Poke()
    {
        if (_signal.CurrentCount > 0)
        {
            return;
        }
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another poke got there first.
        }
    }

    private async Task RunAsync()
    {
        SqliteConnection? connection = null;
        var failedInARow = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await _signal.WaitAsync(_stop.Token);
                await Task.Delay(MinInterval, _stop.Token);
                try
                {
                    if (connection is null)
                    {
                        connection = new SqliteConnection(_connectionString);
                        connection.Open();
                    }
                    using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA wal_checkpoint(PASSIVE);";
                    using var reader = command.ExecuteReader();
                    if (reader.Read())
                    {
                        Last = (reader.GetInt64(1), reader.GetInt64(2));
                    }
                    Interlocked.Increment(ref _passes);
                    if (failedInARow > 0)
                    {
                        _logger?.LogInformation("WAL checkpoint passes work again after {Failures} failed", failedInARow);
                        failedInARow = 0;
                    }
                }
                catch (SqliteException ex)
                {
                    Interlocked.Increment(ref _failures);
                    if (failedInARow++ == 0)
                    {
                        _logger?.LogWarning(ex, "A WAL checkpoint pass failed (SQLite error {Code}); the next commits try again, and the writer checkpoints itself past its threshold meanwhile", ex.SqliteErrorCode);
                    }
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
        finally
        {
            connection?.Dispose();
        }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        _stop.Cancel();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting.
        }
        _stop.Dispose();
    }
}
