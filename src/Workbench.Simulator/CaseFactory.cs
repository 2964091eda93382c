using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Simulator;

/// <summary>
/// Realistic submissions: the sample cases of <c>assets/samples/cases</c>, each with a fresh externalId, its dates
/// moved to now, and (for a share of them) one variation that changes the policy's path: another amount, a higher
/// tier, a conflicting or stale source, a failing tool chain, exception language, an unverified requester.
/// </summary>
public sealed class CaseFactory
{
    /// <summary>The day the sample files were written for (as in the app's demo data): their dates move by now − this.</summary>
    public static readonly DateTimeOffset SamplesAsOf = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public static readonly string[] Variations =
        ["amount", "tier", "conflicting_evidence", "stale_evidence", "failing_tools", "exception_language", "unverified_requester", "ambiguous_intent"];

    private readonly IReadOnlyList<CaseSubmission> _samples;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private readonly string _runId;
    private readonly double _variationShare;
    private readonly string? _callbackUrl;
    private long _sequence;

    public CaseFactory(IReadOnlyList<CaseSubmission> samples, int seed, string runId, double variationShare, string? callbackUrl)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("No sample cases to draw from.", nameof(samples));
        }
        _samples = samples;
        _random = new Random(seed);
        _runId = runId;
        _variationShare = variationShare;
        _callbackUrl = callbackUrl;
    }

    /// <summary>Reads the sample files (searched relative to the working directory, the repository root and the tool).</summary>
    public static IReadOnlyList<CaseSubmission> LoadSamples(string path, IReadOnlyCollection<string> workflows)
    {
        var candidates = new List<string> { Path.GetFullPath(path), Path.Combine(AppContext.BaseDirectory, path) };
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, path));
        }
        var directory = candidates.FirstOrDefault(Directory.Exists)
            ?? throw new ArgumentException($"The samples folder '{path}' does not exist (give it with --samples).");
        var samples = Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize<CaseSubmission>(File.ReadAllText(f), WorkbenchJson.Options)
                ?? throw new ArgumentException($"{f} is empty."))
            .Where(s => workflows.Count == 0 || workflows.Contains(s.Workflow))
            .ToList();
        return samples.Count > 0
            ? samples
            : throw new ArgumentException($"No sample case in '{directory}' matches the workflows {string.Join(", ", workflows)}.");
    }

    /// <summary>The next submission and the name of its variation ("none" when it is the sample as written).</summary>
    public (CaseSubmission Submission, string Variation) Next(DateTimeOffset now)
    {
        CaseSubmission sample;
        string variation;
        double r1, r2;
        long n;
        lock (_lock)
        {
            sample = _samples[_random.Next(_samples.Count)];
            variation = _random.NextDouble() < _variationShare ? Variations[_random.Next(Variations.Length)] : "none";
            r1 = _random.NextDouble();
            r2 = _random.NextDouble();
            n = ++_sequence;
        }
        var shift = now - SamplesAsOf;
        var s = sample with
        {
            ExternalId = $"sim-{_runId}-{n:D7}",
            Evidence = sample.Evidence.Select(e => e with { PublishedAt = e.PublishedAt + shift }).ToList(),
            CallbackUrl = _callbackUrl ?? sample.CallbackUrl,
        };
        s = variation switch
        {
            "amount" => WithAmount(s, r1),
            "tier" => s with { RiskTier = Math.Min(3, (s.RiskTier ?? 0) + 1 + (int)(r1 * 2)) },
            "conflicting_evidence" => WithConflict(s, now),
            "stale_evidence" => s with { Evidence = s.Evidence.Select(e => e with { PublishedAt = e.PublishedAt - TimeSpan.FromDays(400 + (int)(r1 * 300)) }).ToList() },
            "failing_tools" => WithFailingTools(s, r1),
            "exception_language" => s with { Request = s.Request + (r1 < 0.5 ? " Can you make an exception just this once?" : " Please override the usual rule here, it's urgent.") },
            "unverified_requester" => s with { Requester = s.Requester with { Authenticated = false } },
            "ambiguous_intent" => WithSignal(s, "intent_ambiguity", 0.6 + r2 * 0.35),
            _ => s,
        };
        return (s, variation);
    }

    // Scales the amount (signal and action parameter alike) by 0.2–4×: small refunds become large ones and back.
    private static CaseSubmission WithAmount(CaseSubmission s, double r)
    {
        var factor = 0.2 + r * 3.8;
        var amount = s.Signals.TryGetValue("amount", out var a) && a.Kind == SignalKind.Number ? a.Number : 120;
        var scaled = Math.Round(amount * factor, 2);
        var result = WithSignal(s, "amount", scaled);
        if (s.Proposal.Action is { Parameters: { } parameters } action && parameters.ContainsKey("amount"))
        {
            var p = new Dictionary<string, JsonElement>(parameters) { ["amount"] = JsonSerializer.SerializeToElement(scaled) };
            result = result with { Proposal = result.Proposal with { Action = action with { Parameters = p } } };
        }
        return result;
    }

    private static CaseSubmission WithSignal(CaseSubmission s, string name, double value) =>
        s with { Signals = new Dictionary<string, SignalValue>(s.Signals) { [name] = value } };

    // A second authoritative source on the same topic in another version, published later: a multi-policy conflict.
    private static CaseSubmission WithConflict(CaseSubmission s, DateTimeOffset now)
    {
        var source = s.Evidence.FirstOrDefault(e => e.Authority == EvidenceAuthority.Authoritative) ?? s.Evidence.FirstOrDefault();
        var topic = source?.Topic ?? "policy";
        var evidence = s.Evidence.Select(e => e.Id == source?.Id ? e with { Topic = topic, Version = e.Version ?? "v1" } : e).ToList();
        evidence.Add(new EvidenceItem
        {
            Id = "sim-conflict-" + evidence.Count,
            Title = (source?.Title ?? "Policy") + " (regional addendum)",
            // Published beside the source it amends: where that source is on the policy's list, so is the addendum.
            Uri = source?.Uri is { } uri ? uri.TrimEnd('/') + "/regional-addendum" : null,
            Snippet = "The regional addendum states different terms for this case than the main policy.",
            Authority = EvidenceAuthority.Authoritative,
            Version = (source?.Version ?? "v1") + "-addendum",
            PublishedAt = now - TimeSpan.FromDays(3),
            Score = 0.81,
            Topic = topic,
        });
        return s with { Evidence = evidence };
    }

    // The last step fails, and the agent retried the same tool without converging.
    private static CaseSubmission WithFailingTools(CaseSubmission s, double r)
    {
        var trace = s.ToolTrace.ToList();
        var tool = trace.LastOrDefault()?.Tool ?? "tool.call";
        var step = trace.Count;
        var retries = 2 + (int)(r * 3);
        for (var i = 0; i < retries; i++)
        {
            trace.Add(new ToolStep
            {
                Step = ++step,
                Tool = tool,
                Status = i % 2 == 0 ? ToolStepStatus.Failed : ToolStepStatus.TimedOut,
                DurationMs = 3000 + i * 1000,
                Input = "{\"retry\":" + (i + 1) + "}",
                Output = i % 2 == 0 ? "{\"error\":\"upstream 502\"}" : null,
            });
        }
        return s with { ToolTrace = trace };
    }
}
