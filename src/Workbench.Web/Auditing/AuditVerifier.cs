using Workbench.Core.Audit;

namespace Workbench.Web.Auditing;

/// <summary><c>Audit:Verification:*</c>: the scheduled walk of the whole chain.</summary>
public sealed record AuditVerificationOptions
{
    public bool Enabled { get; init; } = true;
    /// <summary>Between two scheduled verifications (daily by default).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromDays(1);
    /// <summary>The first scheduled verification after start-up.</summary>
    public TimeSpan FirstRunAfter { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Runs a verification of the audit chain, records it (<c>audit_verifications</c>) and keeps the latest result for
/// whoever shows it (the Audit page, the lead's board). A broken chain is an alert: logged as critical, stored,
/// and raised through <see cref="Changed"/>. Each run passes the head the last intact run saw as an anchor, so
/// events deleted from the end since then are found too.
/// </summary>
public sealed class AuditVerifier(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, ILogger<AuditVerifier> logger)
{
    public const string Scheduled = "scheduled";
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Raised after every recorded verification, intact or not.</summary>
    public event Action<AuditVerificationRecord>? Changed;

    public async Task<(AuditChainReport Report, AuditVerificationRecord Record)> RunAsync(string requestedBy, CancellationToken ct = default)
    {
        await _one.WaitAsync(ct);
        try
        {
            var started = time.GetUtcNow();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var anchor = await db.AuditVerifications.AsNoTracking().Where(v => v.Intact).OrderByDescending(v => v.Id)
                .Select(v => new AuditAnchor(v.HeadSequence, v.HeadHash)).FirstOrDefaultAsync(ct);
            var report = await AuditChain.VerifyAsync(db, anchor, ct);
            var record = new AuditVerificationRecord
            {
                RequestedBy = requestedBy,
                StartedAt = started,
                DurationMs = (long)report.Elapsed.TotalMilliseconds,
                Intact = report.Intact,
                EventsChecked = report.EventsChecked,
                // A broken run keeps the last good anchor for the next run: it records where it stopped, not a new head.
                HeadSequence = report.Intact ? report.HeadSequence : anchor?.Sequence ?? 0,
                HeadHash = report.Intact ? report.HeadHash : anchor?.Hash ?? AuditCanonicalForm.Genesis,
                BreakSequence = report.Break?.Sequence,
                BreakEventId = report.Break?.Id,
                BreakKind = report.Break?.Kind.ToString().ToLowerInvariant(),
                Message = report.Break?.Message,
            };
            db.AuditVerifications.Add(record);
            await db.SaveChangesAsync(ct);
            if (!report.Intact)
            {
                logger.LogCritical("ALERT: the audit chain is broken. {Message} (verification {Id}, asked by {RequestedBy})",
                    report.Break!.Message, record.Id, requestedBy);
            }
            Changed?.Invoke(record);
            return (report, record);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>The latest recorded verification (of any instance), or null when none ran yet.</summary>
    public async Task<AuditVerificationRecord?> LatestAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AuditVerifications.AsNoTracking().OrderByDescending(v => v.Id).FirstOrDefaultAsync(ct);
    }
}

/// <summary>The daily verification (<c>Audit:Verification:Interval</c>).</summary>
public sealed class AuditVerificationWorker(AuditVerifier verifier, IOptions<AuditVerificationOptions> options, TimeProvider time,
    ILogger<AuditVerificationWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return;
        }
        await Task.Delay(o.FirstRunAfter, time, stoppingToken);
        using var timer = new PeriodicTimer(o.Interval, time);
        do
        {
            try
            {
                await verifier.RunAsync(AuditVerifier.Scheduled, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The scheduled audit chain verification failed to run; next try in {Interval}", o.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
