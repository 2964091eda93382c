using Workbench.Core.Policy;
using Workbench.Core.Policy.Signals;

namespace Workbench.Web.Review;

/// <summary>What the evidence tab marks: freshness, conflicts between authoritative sources, ungrounded claims.</summary>
public static class EvidenceAnalysis
{
    /// <summary>Evidence older than this is marked stale (the default policy's threshold for tier 2 and above).</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromDays(180);

    public enum Freshness
    {
        Unknown,
        Fresh,
        Stale,
    }

    public static Freshness FreshnessOf(EvidenceItem e, DateTimeOffset now) =>
        e.PublishedAt is not { } published ? Freshness.Unknown : now - published <= FreshFor ? Freshness.Fresh : Freshness.Stale;

    /// <summary>
    /// For each authoritative item, the ids of the other authoritative items about the same document in another
    /// version: as the policy counts them (<c>MULTI_POLICY_CONFLICT</c>), with its list of authoritative sources.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Conflicts(IReadOnlyList<EvidenceItem> evidence, AuthoritativeSources? sources) =>
        SignalDeriver.ConflictingVersions(evidence, sources);

    /// <summary>Claims that cite no evidence, or only ids the case does not have.</summary>
    public static IReadOnlyList<int> UngroundedClaims(CaseSubmission s)
    {
        var ids = s.Evidence.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        return s.Claims.Select((c, i) => (c, i)).Where(x => !x.c.EvidenceIds.Any(ids.Contains)).Select(x => x.i).ToList();
    }

    /// <summary>Which claims cite each evidence item (by claim index).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<int>> CitedBy(CaseSubmission s) =>
        s.Evidence.ToDictionary(
            e => e.Id,
            e => (IReadOnlyList<int>)s.Claims.Select((c, i) => (c, i)).Where(x => x.c.EvidenceIds.Contains(e.Id)).Select(x => x.i).ToList(),
            StringComparer.Ordinal);
}
