using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Workbench.Simulator;

/// <summary>Latencies in milliseconds; percentiles by sorting a copy at report time.</summary>
public sealed class LatencyRecorder
{
    private readonly List<double> _values = [];
    private readonly Lock _lock = new();

    public void Add(double milliseconds)
    {
        lock (_lock)
        {
            _values.Add(milliseconds);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _values.Count;
            }
        }
    }

    /// <summary>The values added since <paramref name="from"/> (an index this call moves to the end): one interval of a soak.</summary>
    public double[] Since(ref int from)
    {
        lock (_lock)
        {
            var start = Math.Min(from, _values.Count);
            var copy = _values.GetRange(start, _values.Count - start).ToArray();
            from = _values.Count;
            return copy;
        }
    }

    public double? Percentile(double p)
    {
        double[] copy;
        lock (_lock)
        {
            copy = [.. _values];
        }
        if (copy.Length == 0)
        {
            return null;
        }
        Array.Sort(copy);
        var rank = (int)Math.Ceiling(p / 100 * copy.Length) - 1;
        return copy[Math.Clamp(rank, 0, copy.Length - 1)];
    }
}

/// <summary>What the simulated AI systems and reviewers did and saw. Thread-safe counters.</summary>
public sealed class SimulationStats
{
    public long Submitted;
    public long Accepted;
    public long Replayed;
    public long Retried;
    public long Replies;
    public long Withdrawn;
    public long Delivered;
    public long OutcomesReported;
    public long ReviewDecided;
    public long ReviewApprovals;
    public long ReviewInfoRequests;
    public long ReviewRoutes;
    public long ReviewConflicts;
    public long WebhooksVerified;
    public long WebhooksRejected;
    public long Behind;

    public ConcurrentDictionary<string, long> ByOutcome { get; } = new();
    public ConcurrentDictionary<string, long> ByStatus { get; } = new();
    public ConcurrentDictionary<string, long> ByVariation { get; } = new();
    public ConcurrentDictionary<string, long> ByDecision { get; } = new();
    public ConcurrentDictionary<string, long> WebhooksByType { get; } = new();
    public ConcurrentDictionary<string, long> Errors { get; } = new();
    /// <summary>The ids of the cases answered 201, for checks against the database.</summary>
    public ConcurrentDictionary<Guid, string> AcceptedCases { get; } = new();

    public LatencyRecorder SubmitLatency { get; } = new();
    public LatencyRecorder DecisionLatency { get; } = new();
    public LatencyRecorder HandleTime { get; } = new();

    public long ErrorCount => Errors.Values.Sum();

    public static void Increment(ConcurrentDictionary<string, long> map, string key) => map.AddOrUpdate(key, 1, (_, v) => v + 1);

    public void Error(string kind) => Increment(Errors, kind);

    public string LiveLine(TimeSpan elapsed, double acceptedPerSecond) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{elapsed.TotalSeconds,6:0}s  submitted {Interlocked.Read(ref Submitted),7}  accepted/s {acceptedPerSecond,7:0.0}  " +
            $"outcomes {Format(ByOutcome)}  replies {Interlocked.Read(ref Replies)}  decided {Interlocked.Read(ref ReviewDecided)}  " +
            $"delivered {Interlocked.Read(ref Delivered)}  errors {ErrorCount}");

    private static string Format(ConcurrentDictionary<string, long> map) =>
        map.IsEmpty ? "-" : string.Join(" ", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    public string FinalTable(TimeSpan elapsed)
    {
        var rows = new List<(string, string)>
        {
            ("elapsed", elapsed.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture)),
            ("submitted", Submitted.ToString(CultureInfo.InvariantCulture)),
            ("accepted (201)", Accepted.ToString(CultureInfo.InvariantCulture)),
            ("accepted/s", (Accepted / Math.Max(0.001, elapsed.TotalSeconds)).ToString("0.0", CultureInfo.InvariantCulture)),
        };
        rows.AddRange(ByOutcome.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ($"  outcome {p.Key}", p.Value.ToString(CultureInfo.InvariantCulture))));
        rows.AddRange(ByStatus.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ($"  status at intake {p.Key}", p.Value.ToString(CultureInfo.InvariantCulture))));
        rows.AddRange(ByVariation.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ($"  variation {p.Key}", p.Value.ToString(CultureInfo.InvariantCulture))));
        rows.Add(("replayed (200) after a retry", Replayed.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("retries (429/503/network)", Retried.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("replies to questions", Replies.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("withdrawn", Withdrawn.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("decided by simulated reviewers", ReviewDecided.ToString(CultureInfo.InvariantCulture)));
        rows.AddRange(ByDecision.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ($"  {p.Key}", p.Value.ToString(CultureInfo.InvariantCulture))));
        rows.Add(("  first of two approvals", ReviewApprovals.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("  info requested", ReviewInfoRequests.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("  routed", ReviewRoutes.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("  review conflicts (409, released)", ReviewConflicts.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("decisions delivered (long-poll)", Delivered.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("webhooks verified", WebhooksVerified.ToString(CultureInfo.InvariantCulture)));
        rows.AddRange(WebhooksByType.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ($"  {p.Key}", p.Value.ToString(CultureInfo.InvariantCulture))));
        rows.Add(("webhooks refused (bad signature)", WebhooksRejected.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("downstream outcomes reported", OutcomesReported.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("intake latency p50 / p95 / p99", Percentiles(SubmitLatency)));
        rows.Add(("time to decision p50 / p95 / p99", Percentiles(DecisionLatency)));
        rows.Add(("reviewer handle time p50 / p95", Percentiles(HandleTime, 2)));
        rows.Add(("behind schedule (in-flight cap)", Behind.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("errors", ErrorCount.ToString(CultureInfo.InvariantCulture)));
        rows.AddRange(Errors.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ($"  {p.Key}", p.Value.ToString(CultureInfo.InvariantCulture))));

        var width = rows.Max(r => r.Item1.Length) + 2;
        var sb = new StringBuilder();
        foreach (var (name, value) in rows)
        {
            sb.Append(name.PadRight(width)).AppendLine(value);
        }
        return sb.ToString();
    }

    private static string Percentiles(LatencyRecorder r, int count = 3)
    {
        if (r.Count == 0)
        {
            return "-";
        }
        double[] ps = count == 3 ? [50, 95, 99] : [50, 95];
        return string.Join(" / ", ps.Select(p => Ms(r.Percentile(p)!.Value))) + " ms";
    }

    private static string Ms(double v) => v.ToString(v < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);
}
