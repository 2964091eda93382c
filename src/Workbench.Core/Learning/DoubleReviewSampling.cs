namespace Workbench.Core.Learning;

/// <summary>
/// Which queued cases get a blind second review. Deterministic per case id (a retry or a second instance decides the
/// same), and independent of the spot-check sample: the hash is salted, so a case in one sample is no likelier to be
/// in the other.
/// </summary>
public static class DoubleReviewSampling
{
    public const double DefaultShare = 0.05;

    public static bool IsSampled(Guid caseId, double share)
    {
        if (share <= 0)
        {
            return false;
        }
        if (share >= 1)
        {
            return true;
        }
        Span<byte> bytes = stackalloc byte[16];
        caseId.TryWriteBytes(bytes);
        // FNV-1a with a different offset basis than the spot-check sample, then a final avalanche so the low digits mix.
        var hash = 0x9E3779B9u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        hash ^= hash >> 16;
        hash *= 0x85EBCA6Bu;
        hash ^= hash >> 13;
        return hash % 10000 < share * 10000;
    }

    /// <summary>The share for a workflow: its override when configured, else the default share.</summary>
    public static double ShareFor(string workflow, double share, IReadOnlyDictionary<string, double>? perWorkflow) =>
        perWorkflow is not null && perWorkflow.TryGetValue(workflow, out var own) ? own : share;
}
