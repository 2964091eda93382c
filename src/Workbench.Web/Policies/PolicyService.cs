using System.Globalization;
using System.Text.RegularExpressions;
using Workbench.Core.Policy;
using Workbench.Core.Policy.Scenarios;

namespace Workbench.Web.Policies;

/// <summary>Policy lifecycle settings (<c>Policy:*</c>).</summary>
public sealed record PolicyLifecycleOptions
{
    /// <summary>A folder of scenario files (YAML) every draft must pass before it is published; none when unset.</summary>
    public string? ScenariosPath { get; init; }
    /// <summary>How often each instance checks for a newly published version (the cross-instance switch-over time).</summary>
    public int PollMilliseconds { get; init; } = 500;
}

/// <summary>One scenario file run against a draft.</summary>
public sealed record ScenarioFileResult(string File, ScenarioRunResult Run);

/// <summary>A draft checked: compiled or refused (errors with line and column), and its scenario tests.</summary>
public sealed record DraftCheck(CompiledPolicy? Policy, IReadOnlyList<PolicyError> Errors, IReadOnlyList<ScenarioFileResult> Scenarios)
{
    public bool Valid => Policy is not null;
    public bool ScenariosPassed => Scenarios.All(s => s.Run.Passed);
    public bool Publishable => Valid && ScenariosPassed;
    public int ScenarioCount => Scenarios.Sum(s => s.Run.Results.Count);
    public int ScenarioFailures => Scenarios.Sum(s => s.Run.Results.Count(r => !r.Passed) + s.Run.Errors.Count);
}

public sealed record PolicyVersionSummary(int Id, string Version, string PublishedBy, string Reason, DateTimeOffset PublishedAt, bool IsActive);

/// <summary>A publish or rollback: the version now in force, or why nothing was written.</summary>
public sealed record PublishResult(PolicyVersionSummary? Published, string? Refusal, DraftCheck? Check)
{
    public bool Succeeded => Published is not null;
}

/// <summary>
/// The policy lifecycle without the UI: versions, drafts (validation + scenario tests), publish and rollback.
/// Publishing writes the new version, deactivates the old one and records the audit event in one transaction, then
/// swaps the policy in this instance at once; other instances pick it up through <see cref="PolicyVersionWatcher"/>.
/// </summary>
public sealed partial class PolicyService(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    ActivePolicy active,
    TimeProvider time,
    IOptions<PolicyLifecycleOptions> options,
    IHostEnvironment environment)
{
    public const int MaxReasonLength = 1024;

    public async Task<IReadOnlyList<PolicyVersionSummary>> HistoryAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.PolicyVersions.AsNoTracking()
            .Select(p => new PolicyVersionSummary(p.Id, p.Version, p.PublishedBy, p.Reason, p.PublishedAt, p.IsActive))
            .ToListAsync(ct);
        return rows.OrderByDescending(p => p.Id).ToList();
    }

    public async Task<PolicyVersionRecord?> VersionAsync(int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PolicyVersions.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
    }

    public async Task<PolicyVersionRecord?> ActiveVersionAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PolicyVersions.AsNoTracking().Where(p => p.IsActive).OrderByDescending(p => p.Id).FirstOrDefaultAsync(ct);
    }

    /// <summary>The scenario files every draft must pass (name and text), read fresh so an edited file counts at once.</summary>
    public IReadOnlyList<(string File, string Yaml)> ScenarioFiles()
    {
        var configured = options.Value.ScenariosPath;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return [];
        }
        var folder = new[] { configured, Path.Combine(environment.ContentRootPath, configured), Path.Combine(AppContext.BaseDirectory, configured) }
            .FirstOrDefault(Directory.Exists);
        if (folder is null)
        {
            throw new WorkbenchConfigurationException($"The setting Policy:ScenariosPath names '{configured}', which is not a folder.");
        }
        return Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToList();
    }

    /// <summary>Compiles the draft and, when it compiles, runs every scenario file against it. Never throws for bad input.</summary>
    public DraftCheck Check(string yaml)
    {
        var load = PolicyLoader.Load(yaml ?? "");
        if (load.Policy is null)
        {
            return new DraftCheck(null, load.Errors, []);
        }
        var now = time.GetUtcNow();
        var scenarios = ScenarioFiles().Select(f => new ScenarioFileResult(f.File, ScenarioRunner.Run(load.Policy, f.Yaml, now))).ToList();
        return new DraftCheck(load.Policy, [], scenarios);
    }

    /// <summary>Publishes a draft as the new active version. Refused (nothing written) unless it compiles, passes every scenario and has a new version name.</summary>
    public async Task<PublishResult> PublishAsync(string yaml, string reason, string actor, string actorRole, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return new PublishResult(null, "Give a reason for publishing: it is shown in the version history and the audit log.", null);
        }
        if (reason.Length > MaxReasonLength)
        {
            return new PublishResult(null, $"The reason is longer than {MaxReasonLength} characters.", null);
        }
        var check = Check(yaml);
        if (!check.Valid)
        {
            return new PublishResult(null,
                $"The draft has {check.Errors.Count} error{(check.Errors.Count == 1 ? "" : "s")} and cannot be published. First: {check.Errors[0]}", check);
        }
        if (!check.ScenariosPassed)
        {
            var failed = FailedScenarios(check);
            return new PublishResult(null,
                $"{failed.Count} scenario test{(failed.Count == 1 ? "" : "s")} failed, so the draft cannot be published. First: {failed[0]}", check);
        }
        return await StoreAsync(check.Policy!, yaml, reason.Trim(), actor, actorRole, AuditEventTypes.PolicyPublished, null, ct) is { } stored
            ? new PublishResult(stored, null, check)
            : new PublishResult(null, $"Version '{check.Policy!.Version}' is already published. Give the draft a new version (for example '{await SuggestVersionAsync(check.Policy!.Version, ct)}').", check);
    }

    /// <summary>Each failed scenario of a check, with its file and what differed.</summary>
    private static List<string> FailedScenarios(DraftCheck check) =>
        [.. check.Scenarios.SelectMany(s => s.Run.Errors.Select(e => $"{s.File}: {e}")
            .Concat(s.Run.Results.Where(r => !r.Passed).Select(r => $"{s.File}: '{r.Name}' — {r.Difference}")))];

    /// <summary>
    /// Rolls back: publishes an earlier version's text again as a new version (history is never rewritten). Refused,
    /// with nothing written, when that text no longer loads or fails a scenario test that a publish must pass.
    /// </summary>
    public async Task<PublishResult> RollbackAsync(int versionId, string reason, string actor, string actorRole, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return new PublishResult(null, "Give a reason for the rollback: it is shown in the version history and the audit log.", null);
        }
        if (reason.Length > MaxReasonLength)
        {
            return new PublishResult(null, $"The reason is longer than {MaxReasonLength} characters.", null);
        }
        var earlier = await VersionAsync(versionId, ct);
        if (earlier is null)
        {
            return new PublishResult(null, $"There is no policy version {versionId}.", null);
        }
        if (earlier.IsActive)
        {
            return new PublishResult(null, $"Version {earlier.Version} is already the one in force.", null);
        }
        var version = await SuggestVersionAsync(earlier.Version + "-rollback", ct);
        var yaml = WithVersion(earlier.Yaml, version);
        var check = Check(yaml);
        if (!check.Valid)
        {
            // Only possible if the language grew stricter since: say so rather than publish something that fails.
            return new PublishResult(null, $"Version {earlier.Version} no longer loads: {check.Errors[0]}", check);
        }
        if (!check.ScenariosPassed)
        {
            // The scenario files say what every version in force must keep. One added after this version was published
            // may be exactly what it got wrong: putting it back in force would reopen that hole, so a rollback passes
            // the same tests a publish does.
            var failed = FailedScenarios(check);
            return new PublishResult(null,
                $"Version {earlier.Version} fails {failed.Count} of the scenario tests every version in force must pass, so it cannot be put back. " +
                $"Publish a draft that passes them instead. First: {failed[0]}", check);
        }
        var stored = await StoreAsync(check.Policy!, yaml, reason.Trim(), actor, actorRole, AuditEventTypes.PolicyRolledBack, earlier, ct);
        return stored is null
            ? new PublishResult(null, "Another lead published at the same moment; reload and try again.", null)
            : new PublishResult(stored, null, check);
    }

    private async Task<PolicyVersionSummary?> StoreAsync(CompiledPolicy policy, string yaml, string reason, string actor, string actorRole,
        string auditType, PolicyVersionRecord? rolledBackTo, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.PolicyVersions.AnyAsync(p => p.Version == policy.Version, ct))
        {
            return null;
        }
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var previous = await db.PolicyVersions.Where(p => p.IsActive).ToListAsync(ct);
        foreach (var p in previous)
        {
            p.IsActive = false;
        }
        var record = new PolicyVersionRecord
        {
            Version = policy.Version,
            Yaml = yaml,
            PublishedBy = actor,
            Reason = reason,
            PublishedAt = now,
            IsActive = true,
        };
        db.PolicyVersions.Add(record);
        Audit.Add(db, auditType, actor, actorRole, now, null, new
        {
            policy.Version,
            Previous = previous.Select(p => p.Version).FirstOrDefault(),
            RolledBackTo = rolledBackTo?.Version,
            Reason = reason,
            // A path given more autonomy is a decision someone must own: the audit names each one beside the reason.
            AutonomyChanges = AutonomyChanges(active.IsLoaded ? active.Policy : null, policy),
            // So is a change to whose word on the requester's sign-in is taken (a version without the list takes everyone's).
            // Lists always, with a flag for "every system" (no list in the policy): an empty list means nobody's word.
            SignInTrust = SignInTrustChanges(active.IsLoaded ? active.Policy : null, policy) is { } trust
                ? new { From = trust.From ?? [], FromEverySystem = trust.From is null, To = trust.To ?? [], ToEverySystem = trust.To is null, trust.Widens }
                : null,
        });
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            return null; // the unique version index: someone published the same name first
        }
        active.Activate(policy, record.Id);
        return new PolicyVersionSummary(record.Id, record.Version, record.PublishedBy, record.Reason, record.PublishedAt, true);
    }

    /// <summary>A workflow whose autonomy stage differs between the version in force and the one being published.</summary>
    public sealed record AutonomyChange(string Workflow, int Tier, AutonomyStage? From, AutonomyStage To);

    /// <summary>Every workflow whose stage the new version changes (a new workflow counts as changed from nothing).</summary>
    public static IReadOnlyList<AutonomyChange> AutonomyChanges(CompiledPolicy? before, CompiledPolicy after) =>
        [.. after.Workflows.Values
            .Select(w => (w, Old: before?.Workflows.GetValueOrDefault(w.Name)?.Autonomy))
            .Where(x => x.Old != x.w.Autonomy)
            .OrderBy(x => x.w.Name, StringComparer.Ordinal)
            .Select(x => new AutonomyChange(x.w.Name, x.w.Tier, x.Old, x.w.Autonomy))];

    /// <summary>
    /// The AI systems whose word that a requester signed in is taken, before and after a publish (null: every system's);
    /// see <see cref="CompiledPolicy.AuthenticatedRequestersFrom"/>.
    /// </summary>
    public sealed record SignInTrustChange(IReadOnlyList<string>? From, IReadOnlyList<string>? To)
    {
        /// <summary>The new version takes the word of a system the one before did not (or of every system).</summary>
        public bool Widens => To is null ? From is not null : From is not null && To.Except(From, StringComparer.Ordinal).Any();
    }

    /// <summary>Null when the new version trusts the same systems on sign-in as the one in force.</summary>
    public static SignInTrustChange? SignInTrustChanges(CompiledPolicy? before, CompiledPolicy after)
    {
        var (from, to) = (before?.AuthenticatedRequestersFrom, after.AuthenticatedRequestersFrom);
        if (before is not null && (from is null ? to is null : to is not null && to.SetEquals(from)))
        {
            return null;
        }
        return new SignInTrustChange(from?.Order(StringComparer.Ordinal).ToList(), to?.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>What rolling back to this version would change in whose word on sign-in is taken; null when nothing, or the version does not load.</summary>
    public async Task<SignInTrustChange?> RollbackSignInTrustAsync(int versionId, CancellationToken ct)
    {
        var earlier = await VersionAsync(versionId, ct);
        return earlier is not null && active.IsLoaded && PolicyLoader.Load(earlier.Yaml).Policy is { } policy
            ? SignInTrustChanges(active.Policy, policy)
            : null;
    }

    /// <summary>A version name not yet taken: the last number bumped ("2026.11.1" → "2026.11.2"), or ".1", ".2" … appended.</summary>
    public async Task<string> SuggestVersionAsync(string basis, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var taken = (await db.PolicyVersions.AsNoTracking().Select(p => p.Version).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var match = TrailingNumber().Match(basis);
        var (stem, n) = match.Success
            ? (basis[..match.Index], long.Parse(match.Value, CultureInfo.InvariantCulture) + 1)
            : (basis + ".", 1L);
        while (taken.Contains(stem + n.ToString(CultureInfo.InvariantCulture)))
        {
            n++;
        }
        return stem + n.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The YAML with its top-level <c>version:</c> replaced (or added at the top).</summary>
    public static string WithVersion(string yaml, string version)
    {
        var line = $"version: \"{version}\"";
        return VersionLine().IsMatch(yaml) ? VersionLine().Replace(yaml, line, 1) : line + "\n" + yaml;
    }

    [GeneratedRegex(@"[0-9]{1,9}$")]
    private static partial Regex TrailingNumber();

    [GeneratedRegex(@"^version:[^\r\n]*", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
