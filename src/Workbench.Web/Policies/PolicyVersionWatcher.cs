using Workbench.Core.Policy;

namespace Workbench.Web.Policies;

/// <summary>
/// Makes a version published on another instance active here: every <c>Policy:PollMilliseconds</c> (500 ms) it reads
/// the id of the active version — one indexed single-row query — and loads the YAML only when it changed. Chosen over
/// the Redis relay because it needs no extra server, works on every provider and heals itself after any missed
/// message; the cost is one tiny query per instance twice a second.
/// </summary>
public sealed class PolicyVersionWatcher(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    ActivePolicy active,
    IOptions<PolicyLifecycleOptions> options,
    ILogger<PolicyVersionWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(50, options.Value.PollMilliseconds)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Checking for a newly published policy version failed; trying again.");
            }
        }
    }

    /// <summary>Activates the published version if it is newer than the one in force here.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var id = await db.PolicyVersions.AsNoTracking().Where(p => p.IsActive).OrderByDescending(p => p.Id).Select(p => p.Id).FirstOrDefaultAsync(ct);
        if (id == 0 || id == active.VersionId)
        {
            return;
        }
        var yaml = await db.PolicyVersions.AsNoTracking().Where(p => p.Id == id).Select(p => p.Yaml).FirstAsync(ct);
        var load = PolicyLoader.Load(yaml);
        if (load.Policy is null)
        {
            logger.LogError("Published policy version {Id} does not load here: {Error}", id, load.Errors[0]);
            return;
        }
        active.Activate(load.Policy, id);
        logger.LogInformation("Policy version {Version} (id {Id}) is now in force on this instance.", load.Policy.Version, id);
    }
}
