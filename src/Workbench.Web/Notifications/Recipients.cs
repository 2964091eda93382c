namespace Workbench.Web.Notifications;

/// <summary>Who is told: a queue's lead and escalation chain, its reviewers, the admins; and the cases messages speak of.</summary>
public static class Recipients
{
    private const string QueuePrefix = "queue:";

    /// <summary>The recipient that stands for a queue's Slack and Teams channels.</summary>
    public static string QueueChannel(string queue) => QueuePrefix + queue;

    public static string? QueueOf(string recipient) => recipient.StartsWith(QueuePrefix, StringComparison.Ordinal) ? recipient[QueuePrefix.Length..] : null;

    /// <summary>The queue's lead as its settings name him; every lead when none is named, so a breach never goes unheard.</summary>
    public static async Task<IReadOnlyList<string>> LeadsAsync(WorkbenchDbContext db, string? queue, CancellationToken ct)
    {
        var named = queue is null ? null : await db.QueueNotifications.AsNoTracking().Where(q => q.Queue == queue).Select(q => q.Lead).FirstOrDefaultAsync(ct);
        if (named is not null)
        {
            return [named];
        }
        return await db.Users.AsNoTracking().Where(u => u.Role == UserRole.Lead).OrderBy(u => u.UserName).Select(u => u.UserName).ToListAsync(ct);
    }

    /// <summary>
    /// Who hears of a breach, in order: the queue's lead, the people its settings list after him, then the lead of the
    /// queue the policy escalates to.
    /// </summary>
    public static async Task<IReadOnlyList<string>> EscalationChainAsync(WorkbenchDbContext db, string queue, string? escalationQueue, CancellationToken ct)
    {
        var chain = new List<string>(await LeadsAsync(db, queue, ct));
        var settings = await db.QueueNotifications.AsNoTracking().FirstOrDefaultAsync(q => q.Queue == queue, ct);
        chain.AddRange(Split(settings?.EscalationChain));
        if (escalationQueue is not null && escalationQueue != queue)
        {
            chain.AddRange(await LeadsAsync(db, escalationQueue, ct));
        }
        return chain.Distinct(StringComparer.Ordinal).ToList();
    }

    public static async Task<IReadOnlyList<string>> AdminsAsync(WorkbenchDbContext db, CancellationToken ct) =>
        await db.Users.AsNoTracking().Where(u => u.Role == UserRole.Admin).OrderBy(u => u.UserName).Select(u => u.UserName).ToListAsync(ct);

    /// <summary>The reviewers who work the queue (leads see every queue and are told as leads).</summary>
    public static async Task<IReadOnlyList<string>> MembersAsync(WorkbenchDbContext db, string queue, CancellationToken ct) =>
        await db.QueueMemberships.AsNoTracking().Where(m => m.Queue == queue)
            .Join(db.Users.Where(u => u.Role == UserRole.Reviewer), m => m.UserName, u => u.UserName, (m, u) => u.UserName)
            .Distinct().OrderBy(u => u).ToListAsync(ct);

    public static async Task<IReadOnlyDictionary<Guid, CaseBrief>> CasesAsync(WorkbenchDbContext db, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var result = new Dictionary<Guid, CaseBrief>();
        foreach (var chunk in ids.Chunk(200))
        {
            foreach (var c in await db.Cases.AsNoTracking().Where(c => chunk.Contains(c.Id))
                         .Select(c => new CaseBrief(c.Id, c.ExternalId, c.Workflow, c.Queue, c.ReasonCodes, c.SlaDueAt, c.Priority, c.RiskTier, c.RequestPreview, c.Status))
                         .ToListAsync(ct))
            {
                result[c.Id] = c;
            }
        }
        return result;
    }

    public static IEnumerable<string> Split(string? names) => (names ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
