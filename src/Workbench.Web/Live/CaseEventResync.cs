using System.Data.Common;
using System.Diagnostics;

namespace Workbench.Web.Live;

/// <summary>What a resync found: how many audit events after which position, of how many cases, up to which position.</summary>
public sealed record ResyncResult(long After, long UpTo, int Events, int Cases, TimeSpan Took);

/// <summary>
/// Reads from the database what an instance may have missed while Redis did not carry case events, and delivers it
/// to this instance's pages and long-polls. The position is the audit chain's sequence: every change of a case writes
/// its audit event in the same transaction, and the chain is appended under a lock held to the commit, so the
/// sequence is gapless and committed in order (docs/adr/0010-resync-from-the-audit-sequence.md).
/// </summary>
public sealed class CaseEventResync(IDbContextFactory<WorkbenchDbContext> dbFactory, CaseEvents events, ILogger<CaseEventResync> logger)
{
    /// <summary>At most this many audit events are read in one resync; a longer outage delivers the latest of them.</summary>
    public const int MaxEvents = 20_000;

    private const string CasePrefix = "case.";

    /// <summary>The last position of the audit chain, or null when the database cannot be read now.</summary>
    public async Task<long?> HeadAsync(CancellationToken ct)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            return await db.AuditEvents.MaxAsync(e => (long?)e.Sequence, ct) ?? 0;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            logger.LogDebug("The audit position could not be read: {Error}", ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Delivers here one event per case that changed after <paramref name="after"/> (the kind of its latest audit event,
    /// the case's queue and status now): pages re-read what they show and long-polls re-read their case. Events this
    /// instance had already delivered are delivered again, which costs a re-read only.
    /// </summary>
    public async Task<ResyncResult?> ReplayAsync(long after, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var rows = await db.AuditEvents.AsNoTracking()
                .Where(e => e.Sequence > after && e.CaseId != null && e.Type.StartsWith(CasePrefix))
                .OrderBy(e => e.Sequence)
                .Take(MaxEvents)
                .Select(e => new { e.Sequence, CaseId = e.CaseId!.Value, e.Type, e.Actor, e.At })
                .ToListAsync(ct);
            var upTo = rows.Count == 0 ? after : rows[^1].Sequence;
            var latest = rows.GroupBy(r => r.CaseId).Select(g => g.Last()).OrderBy(r => r.Sequence).ToList();
            var ids = latest.Select(r => r.CaseId).ToList();
            var cases = await db.Cases.AsNoTracking().Where(c => ids.Contains(c.Id))
                .Select(c => new { c.Id, c.Queue, c.Status }).ToDictionaryAsync(c => c.Id, ct);
            foreach (var r in latest)
            {
                if (cases.TryGetValue(r.CaseId, out var c))
                {
                    events.Deliver(new CaseEvent(KindOf(r.Type), c.Id, c.Queue, null, c.Status, r.Actor, r.At));
                }
            }
            return new ResyncResult(after, upTo, rows.Count, latest.Count, clock.Elapsed);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            logger.LogWarning("Reading the case changes after audit position {After} failed: {Error}; long-polls still re-check " +
                              "the database on their own timer", after, ex.Message);
            return null;
        }
    }

    /// <summary>The live event kind of an audit type: its name without <c>case.</c>, but <c>case.submitted</c> is <c>created</c>.</summary>
    public static string KindOf(string auditType) => auditType == AuditEventTypes.CaseSubmitted
        ? CaseEventKinds.Created
        : auditType[CasePrefix.Length..];
}
