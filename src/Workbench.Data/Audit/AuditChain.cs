using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Workbench.Core.Audit;
using Workbench.Data.Entities;

namespace Workbench.Data;

public enum AuditBreakKind
{
    /// <summary>The event's content no longer matches its hash.</summary>
    Changed,
    /// <summary>A sequence number is missing.</summary>
    Deleted,
    /// <summary>The event does not link to the one before it.</summary>
    Reordered,
    /// <summary>Events that an earlier verification saw at the end of the chain are gone, or were rewritten.</summary>
    Truncated,
    /// <summary>An event has no hash (written before the chain existed and never sealed).</summary>
    Unsealed,
}

/// <summary>The first broken link: which row (sequence and id) and what is wrong with it.</summary>
public sealed record AuditBreak(long Sequence, long? Id, AuditBreakKind Kind, string Message);

/// <summary>The last event a verification saw: the next verification checks it is still there, unchanged.</summary>
public sealed record AuditAnchor(long Sequence, string Hash);

public sealed record AuditChainReport(bool Intact, long EventsChecked, long HeadSequence, string HeadHash, AuditBreak? Break, TimeSpan Elapsed);

/// <summary>The chain check of one case's events: each event's own hash, and its links to its neighbours.</summary>
public sealed record AuditEventCheck(long Id, long Sequence, bool Intact, string? Problem);

public static class AuditChain
{
    /// <summary>
    /// Walks the whole chain in sequence order, streaming (one row in memory at a time), and stops at the first
    /// broken link. With <paramref name="anchor"/> (the head an earlier verification saw) it also notices events
    /// deleted from the end, or a chain recomputed after a change — what the chain alone cannot show.
    /// </summary>
    public static async Task<AuditChainReport> VerifyAsync(WorkbenchDbContext db, AuditAnchor? anchor = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var hasher = new AuditCanonicalForm.Hasher();
        long expected = 1;
        var prev = AuditCanonicalForm.Genesis;
        long checkedCount = 0;
        AuditBreak? broken = null;
        await foreach (var e in StreamAsync(db, ct))
        {
            broken = Check(e, expected, prev, hasher);
            if (broken is null && anchor is not null && e.Sequence == anchor.Sequence && e.Hash != anchor.Hash)
            {
                broken = new AuditBreak(e.Sequence, e.Id, AuditBreakKind.Truncated,
                    $"Event {e.Sequence} (id {e.Id}) is not the event an earlier verification saw at this place: the chain was rewritten up to here.");
            }
            if (broken is not null)
            {
                break;
            }
            checkedCount++;
            prev = e.Hash;
            expected++;
        }
        var head = expected - 1;
        if (broken is null && anchor is not null && head < anchor.Sequence)
        {
            broken = new AuditBreak(head + 1, null, AuditBreakKind.Truncated,
                $"Events {head + 1} to {anchor.Sequence} are missing (deleted from the end): an earlier verification saw the chain up to {anchor.Sequence}.");
        }
        return new AuditChainReport(broken is null, checkedCount, head, prev, broken, clock.Elapsed);
    }

    private const string Columns = "\"Id\", \"Sequence\", \"PrevHash\", \"Hash\", \"CaseId\", \"Type\", \"Actor\", \"ActorRole\", \"At\", " +
        "\"RequestId\", \"RiskTier\", \"PolicyVersion\", \"ModelVersion\", \"PromptVersion\", \"RetrievalIndexVersion\", \"ToolVersions\", " +
        "\"EvidenceIds\", \"ReasonCodes\", \"ReviewerAction\", \"FinalDecision\", \"DataJson\"";

    /// <summary>
    /// Every event in sequence order, through a plain data reader: one row in memory at a time, into one reused
    /// record (a million rows through EF's materializer cost several times the hashing).
    /// </summary>
    private static async IAsyncEnumerable<AuditEventRecord> StreamAsync(WorkbenchDbContext db,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var sqlite = db.Database.ProviderName?.EndsWith(".Sqlite", StringComparison.Ordinal) == true;
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(ct);
        }
        try
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT {Columns} FROM audit_events ORDER BY \"Sequence\"";
            cmd.CommandTimeout = 0; // a long walk is not a stuck query
            await using var r = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
            var e = new AuditEventRecord { Type = "", Actor = "", ActorRole = "", DataJson = "" };
            while (await r.ReadAsync(ct))
            {
                e.Id = r.GetInt64(0);
                e.Sequence = r.GetInt64(1);
                e.PrevHash = r.GetString(2);
                e.Hash = r.GetString(3);
                e.CaseId = r.IsDBNull(4) ? null : sqlite ? Guid.Parse(r.GetString(4)) : r.GetGuid(4);
                e.Type = r.GetString(5);
                e.Actor = r.GetString(6);
                e.ActorRole = r.GetString(7);
                e.At = sqlite ? new DateTimeOffset(r.GetInt64(8), TimeSpan.Zero) : r.GetFieldValue<DateTimeOffset>(8);
                e.RequestId = Text(r, 9);
                e.RiskTier = r.IsDBNull(10) ? null : r.GetInt32(10);
                e.PolicyVersion = Text(r, 11);
                e.ModelVersion = Text(r, 12);
                e.PromptVersion = Text(r, 13);
                e.RetrievalIndexVersion = Text(r, 14);
                e.ToolVersions = Text(r, 15);
                e.EvidenceIds = Text(r, 16);
                e.ReasonCodes = Text(r, 17);
                e.ReviewerAction = Text(r, 18);
                e.FinalDecision = Text(r, 19);
                e.DataJson = r.GetString(20);
                yield return e;
            }
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    private static string? Text(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static AuditBreak? Check(AuditEventRecord e, long expected, string prev, AuditCanonicalForm.Hasher hasher)
    {
        if (e.Sequence > expected)
        {
            var what = e.Sequence == expected + 1 ? $"Event {expected} is missing" : $"Events {expected} to {e.Sequence - 1} are missing";
            return new AuditBreak(expected, e.Id, AuditBreakKind.Deleted,
                $"{what} (deleted): the chain goes on at event {e.Sequence} (id {e.Id}).");
        }
        if (e.Sequence < expected)
        {
            return new AuditBreak(e.Sequence, e.Id, AuditBreakKind.Reordered, $"Event {e.Sequence} (id {e.Id}) appears twice in the sequence.");
        }
        if (e.Hash.Length == 0)
        {
            return new AuditBreak(e.Sequence, e.Id, AuditBreakKind.Unsealed, $"Event {e.Sequence} (id {e.Id}) has no hash: it was never sealed into the chain.");
        }
        var selfOk = hasher.Matches(e);
        var linkOk = string.Equals(e.PrevHash, prev, StringComparison.Ordinal);
        return (selfOk, linkOk) switch
        {
            (true, true) => null,
            (false, true) => new AuditBreak(e.Sequence, e.Id, AuditBreakKind.Changed,
                $"Event {e.Sequence} (id {e.Id}) was changed: its content no longer matches its hash."),
            (false, false) => new AuditBreak(e.Sequence, e.Id, AuditBreakKind.Reordered,
                $"Event {e.Sequence} (id {e.Id}) is not in its place: neither its link to event {e.Sequence - 1} nor its own hash holds (moved or renumbered)."),
            (true, false) => new AuditBreak(e.Sequence, e.Id, AuditBreakKind.Reordered,
                $"Event {e.Sequence} (id {e.Id}) does not follow event {e.Sequence - 1}: its link to the previous event fails (reordered or replaced)."),
        };
    }

    /// <summary>Checks one case's events: own hash, link to the event before, and the link of the event after.</summary>
    public static async Task<IReadOnlyList<AuditEventCheck>> VerifyCaseAsync(WorkbenchDbContext db, Guid caseId, CancellationToken ct = default)
    {
        var events = await db.AuditEvents.AsNoTracking().Where(a => a.CaseId == caseId).OrderBy(a => a.Sequence).ToListAsync(ct);
        var around = events.SelectMany(e => new[] { e.Sequence - 1, e.Sequence + 1 }).Distinct().ToList();
        var neighbours = (await db.AuditEvents.AsNoTracking().Where(a => around.Contains(a.Sequence))
                .Select(a => new { a.Sequence, a.PrevHash, a.Hash }).ToListAsync(ct))
            .ToDictionary(a => a.Sequence);
        var maxSequence = await db.AuditEvents.MaxAsync(a => (long?)a.Sequence, ct) ?? 0;
        var hasher = new AuditCanonicalForm.Hasher();
        var result = new List<AuditEventCheck>(events.Count);
        foreach (var e in events)
        {
            string? problem = null;
            if (e.Hash.Length == 0)
            {
                problem = "Never sealed into the chain.";
            }
            else if (!hasher.Matches(e))
            {
                problem = "Changed: the content no longer matches its hash.";
            }
            else if (e.Sequence == 1 ? e.PrevHash != AuditCanonicalForm.Genesis
                     : !neighbours.TryGetValue(e.Sequence - 1, out var before) ? true : before.Hash != e.PrevHash)
            {
                problem = $"Does not link to event {e.Sequence - 1} (deleted, changed or reordered).";
            }
            else if (e.Sequence < maxSequence && (!neighbours.TryGetValue(e.Sequence + 1, out var after) || after.PrevHash != e.Hash))
            {
                problem = $"Event {e.Sequence + 1} does not link to it (deleted, changed or reordered).";
            }
            result.Add(new AuditEventCheck(e.Id, e.Sequence, problem is null, problem));
        }
        return result;
    }

    /// <summary>
    /// Seals events written before the chain existed (empty hash), once, at start-up before anything else writes:
    /// in id order, numbered 1, 2, 3…, each linked to the one before. Does nothing when there are none, or when the
    /// chain has already begun (then verification reports them).
    /// </summary>
    public static async Task<int> SealUnchainedAsync(WorkbenchDbContext db, CancellationToken ct = default)
    {
        // Two look-ups on the sequence index, not a scan: this runs at every start-up. Unsealed events exist only
        // from before the chain, when the first and the last event (by their provisional place) are both unsealed.
        var first = await db.AuditEvents.AsNoTracking().OrderBy(a => a.Sequence).Select(a => a.Hash).FirstOrDefaultAsync(ct);
        var last = await db.AuditEvents.AsNoTracking().OrderByDescending(a => a.Sequence).Select(a => a.Hash).FirstOrDefaultAsync(ct);
        if (first is not "" || last is not "")
        {
            return 0;
        }
        var hasher = new AuditCanonicalForm.Hasher();
        long sequence = 0;
        var prev = AuditCanonicalForm.Genesis;
        long lastId = long.MinValue;
        while (true)
        {
            var batch = await db.AuditEvents.Where(a => a.Hash == "" && a.Id > lastId).OrderBy(a => a.Id).Take(2000).ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }
            foreach (var e in batch)
            {
                // Ascending ids get ascending places no larger than their id: never a clash on the unique sequence.
                e.Sequence = ++sequence;
                e.At = AuditCanonicalForm.Truncate(e.At);
                e.PrevHash = prev;
                e.Hash = hasher.HashHex(e);
                prev = e.Hash;
                lastId = e.Id;
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        return (int)sequence;
    }
}
