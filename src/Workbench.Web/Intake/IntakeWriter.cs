using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Workbench.Data;
using Workbench.Data.Entities;

namespace Workbench.Web.Intake;

/// <summary>
/// Group commit for intake: submissions that arrive together are written in one transaction, and each request
/// is answered only after the transaction holding its case committed. One commit per batch instead of one per
/// case is what lets SQLite (one writer at a time) keep up with a busy agent fleet. If a batch fails — a unique
/// index said no to one of its rows — its cases are written one by one so that only the offender fails.
/// </summary>
public sealed class IntakeWriter : IAsyncDisposable
{
    /// <summary>The most cases one transaction carries.</summary>
    public const int MaxBatch = 128;

    private sealed record Pending(CaseRecord Case, AuditEventRecord Audit, IdempotencyRecord? Key, TaskCompletionSource Done);

    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IDbContextFactory<WorkbenchDbContext> _dbFactory;
    private readonly ILogger<IntakeWriter> _logger;
    private readonly Task _loop;

    public IntakeWriter(IDbContextFactory<WorkbenchDbContext> dbFactory, ILogger<IntakeWriter> logger)
    {
        _dbFactory = dbFactory;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes when the case is committed; throws what the database said otherwise.</summary>
    public Task WriteAsync(CaseRecord record, AuditEventRecord audit, IdempotencyRecord? key, CancellationToken ct)
    {
        var pending = new Pending(record, audit, key, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_channel.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("Intake is shutting down.");
        }
        // The caller may stop waiting, but the write itself is not cancelled half-way: it commits or fails whole.
        return pending.Done.Task.WaitAsync(ct);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _channel.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _channel.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            try
            {
                await SaveAsync(batch);
                foreach (var p in batch)
                {
                    p.Done.TrySetResult();
                }
            }
            catch (Exception) when (batch.Count > 1)
            {
                foreach (var p in batch)
                {
                    try
                    {
                        await SaveAsync([p]);
                        p.Done.TrySetResult();
                    }
                    catch (Exception ex)
                    {
                        p.Done.TrySetException(ex);
                    }
                }
            }
            catch (Exception ex)
            {
                foreach (var p in batch)
                {
                    p.Done.TrySetException(ex);
                }
            }
        }
    }

    private async Task SaveAsync(IReadOnlyList<Pending> batch)
    {
        await using var db = await _dbFactory.CreateDbContextAsync();
        // Only inserts of new graphs: nothing to detect, and this loop is the one serial step of intake.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        foreach (var p in batch)
        {
            db.Cases.Add(p.Case);
            db.AuditEvents.Add(p.Audit);
            if (p.Key is not null)
            {
                db.IdempotencyKeys.Add(p.Key);
            }
        }
        try
        {
            await db.SaveChangesAsync();
        }
        catch (Exception ex)
        {
            if (batch.Count == 1)
            {
                _logger.LogDebug(ex, "Writing case {CaseId} failed", batch[0].Case.Id);
            }
            // Entities keep the state EF gave them; detach so a retry in a new context starts clean.
            foreach (var entry in db.ChangeTracker.Entries().ToList())
            {
                entry.State = EntityState.Detached;
            }
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
    }
}
