using Workbench.Core.Policy;
using Workbench.Web.Observability;

namespace Workbench.Web.Cases;

/// <summary>
/// The policy in force: the active published version from the database, or — on a database that has none yet —
/// the file named by <c>Policy:Path</c>, which is then recorded as the first published version.
/// Swapped atomically when a new version is published.
/// </summary>
public sealed class ActivePolicy(WorkbenchMetrics? metrics = null) : IPolicyRuntime, IQueueCatalog
{
    private volatile CompiledPolicy? _policy;

    public CompiledPolicy Policy => _policy ?? throw new InvalidOperationException("The policy is not loaded yet.");

    public bool IsLoaded => _policy is not null;

    public string Version => Policy.Version;

    public IReadOnlyList<QueueInfo> Queues { get; private set; } = [];

    public bool IsKnownWorkflow(string workflow) => Policy.Workflows.ContainsKey(workflow);

    public PolicyDecision Evaluate(CaseSubmission submission, Guid caseId, DateTimeOffset now, string clientId)
    {
        if (metrics is null)
        {
            return Policy.Evaluate(submission, caseId, now, clientId);
        }
        using var span = WorkbenchMetrics.ActivitySource.StartActivity("policy.evaluate");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var decision = Policy.Evaluate(submission, caseId, now, clientId);
        metrics.PolicyEvaluated(submission.Workflow, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        span?.SetTag("workbench.policy.version", decision.PolicyVersion);
        return decision;
    }

    /// <summary>The id of the published version in force (0 before one is loaded or when activated without one).</summary>
    public int VersionId => _versionId;

    private volatile int _versionId;

    public void Activate(CompiledPolicy policy) => Activate(policy, 0);

    public void Activate(CompiledPolicy policy, int versionId)
    {
        lock (_swap)
        {
            // Publishing here and the watcher seeing it may race: never step back to an older version.
            if (versionId != 0 && versionId < _versionId)
            {
                return;
            }
            Queues = policy.Queues.Select(q => new QueueInfo(q.Name, q.Title, Describe(q))).ToList();
            _policy = policy;
            _versionId = versionId;
        }
    }

    private readonly Lock _swap = new();

    public async Task LoadAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, IConfiguration configuration, TimeProvider time, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var active = await db.PolicyVersions.AsNoTracking().Where(p => p.IsActive).OrderByDescending(p => p.Id).FirstOrDefaultAsync(ct);
        if (active is not null)
        {
            var stored = PolicyLoader.Load(active.Yaml);
            if (stored.Policy is null)
            {
                throw new Data.WorkbenchConfigurationException(
                    $"The active policy version {active.Version} in the database does not load: {string.Join("; ", stored.Errors)}");
            }
            Activate(stored.Policy, active.Id);
            return;
        }

        var path = ResolvePath(configuration["Policy:Path"] ?? "assets/policies/default.yaml");
        if (path is null)
        {
            throw new Data.WorkbenchConfigurationException(
                $"The setting Policy:Path names '{configuration["Policy:Path"]}', which does not exist, and the database has no published policy.");
        }
        var yaml = await File.ReadAllTextAsync(path, ct);
        var result = PolicyLoader.Load(yaml);
        if (result.Policy is null)
        {
            throw new Data.WorkbenchConfigurationException(
                $"The policy file set by Policy:Path ({path}) is refused: {string.Join("; ", result.Errors.Take(5))}");
        }
        var first = new PolicyVersionRecord
        {
            Version = result.Policy.Version,
            Yaml = yaml,
            PublishedBy = "system",
            Reason = $"Initial policy from {Path.GetFileName(path)}",
            PublishedAt = time.GetUtcNow(),
            IsActive = true,
        };
        db.PolicyVersions.Add(first);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another instance recorded the same first version at the same moment: theirs is as good as ours.
        }
        Activate(result.Policy, first.Id);
    }

    /// <summary>Relative paths are tried against the working directory, then beside the app (the file ships with it).</summary>
    private static string? ResolvePath(string configured)
    {
        if (Path.IsPathRooted(configured))
        {
            return File.Exists(configured) ? configured : null;
        }
        foreach (var candidate in new[] { Path.GetFullPath(configured), Path.Combine(AppContext.BaseDirectory, configured) })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string Describe(QueueDefinition q)
    {
        var sla = new[] { ("approval", q.Sla.AwaitApproval), ("handoff", q.Sla.Handoff) }
            .Where(s => s.Item2 is not null)
            .Select(s => $"{s.Item1} within {Format(s.Item2!.Value)}");
        var text = string.Join(", ", sla);
        return q.EscalationTarget is null ? text : $"{text}; escalates to {q.EscalationTarget}";
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 && t.Minutes == 0 ? $"{(int)t.TotalHours} h" : $"{(int)t.TotalMinutes} min";
}
