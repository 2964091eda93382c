using System.Collections.Concurrent;
using Workbench.Core.Policy;

namespace Workbench.Web.Cases;

/// <summary>
/// The policy a case was decided under, compiled from its published version: what the case page reads when it explains a
/// decision (a rule's description, which sources were listed), so that a later publish does not make the page disagree
/// with the case's stored trace. A published version never changes, so each is compiled once (a few kept).
/// </summary>
public sealed class DecidedPolicies(IDbContextFactory<WorkbenchDbContext> dbFactory, ActivePolicy active)
{
    private const int Kept = 16;
    // A version that is not stored or no longer loads is remembered too (as null), so a page does not look it up again.
    private readonly ConcurrentDictionary<string, CompiledPolicy?> _compiled = new(StringComparer.Ordinal);

    /// <summary>The version the case's trace was written under (its evaluation's, else the case's own).</summary>
    public Task<CompiledPolicy?> ForCaseAsync(CaseRecord c, CancellationToken ct = default) =>
        ForVersionAsync(c.Evaluation?.PolicyVersion ?? c.PolicyVersion, ct);

    /// <summary>
    /// The published version of this name, compiled; null when none is stored under it or its text no longer loads (a
    /// case always names a stored version: intake evaluates only with one the database holds).
    /// </summary>
    public async Task<CompiledPolicy?> ForVersionAsync(string version, CancellationToken ct = default)
    {
        if (active.IsLoaded && active.Policy.Version == version)
        {
            return active.Policy;
        }
        if (_compiled.TryGetValue(version, out var cached))
        {
            return cached;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var yaml = await db.PolicyVersions.AsNoTracking().Where(p => p.Version == version).Select(p => p.Yaml).FirstOrDefaultAsync(ct);
        var policy = yaml is null ? null : PolicyLoader.Load(yaml).Policy;
        if (_compiled.Count >= Kept)
        {
            _compiled.Clear();
        }
        _compiled[version] = policy;
        return policy;
    }
}
