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
    /// For each authoritative item, the ids of other authoritative items on the same topic with another version.
    /// <paramref name="counts"/> says which items marked authoritative count as such (the policy's list of sources);
    /// all of them without it.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Conflicts(IReadOnlyList<EvidenceItem> evidence, Func<EvidenceItem, bool>? counts = null)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var authoritative = evidence.Where(e => e.Authority == EvidenceAuthority.Authoritative && !string.IsNullOrWhiteSpace(e.Topic) && (counts?.Invoke(e) ?? true)).ToList();
        foreach (var e in authoritative)
        {
            var others = authoritative
                .Where(o => o.Id != e.Id && string.Equals(o.Topic, e.Topic, StringComparison.OrdinalIgnoreCase) &&
                            !string.Equals(o.Version ?? "", e.Version ?? "", StringComparison.OrdinalIgnoreCase))
                .Select(o => o.Id)
                .ToList();
            if (others.Count > 0)
            {
                result[e.Id] = others;
            }
        }
        return result;
    }

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
