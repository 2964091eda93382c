using Workbench.Contracts;
using Workbench.Core.Policy;

namespace Workbench.Core.Learning;

/// <summary>A stored case to replay: its id (sampling is by id), its submission as sent and when it arrived.</summary>
/// <param name="ClientId">The API client that sent the case, whose word on the requester each policy may or may not take.</param>
public sealed record SimulationCase(Guid Id, CaseSubmission Submission, DateTimeOffset SubmittedAt, string ClientId);

/// <summary>How one case fares under the policy in force and under the draft.</summary>
public sealed record SimulatedCase(
    Guid Id,
    string Workflow,
    PathOutcome BeforePath,
    PathOutcome AfterPath,
    string? BeforeQueue,
    string? AfterQueue,
    IReadOnlyList<string> FiredBefore,
    IReadOnlyList<string> FiredAfter,
    IReadOnlyList<string> RulesStarted,
    IReadOnlyList<string> RulesStopped,
    IReadOnlyList<string> ReasonsAdded,
    IReadOnlyList<string> ReasonsRemoved)
{
    /// <summary>The path or the queue differs: a reviewer (or the agent) would see it differently.</summary>
    public bool Changed => BeforePath != AfterPath || !string.Equals(BeforeQueue, AfterQueue, StringComparison.Ordinal);
}

/// <summary>What running the cases cost and how the draft changes the people needed.</summary>
/// <param name="HandleTimes">Mean handle time per queue (from the reviewers' history); others use the default.</param>
public sealed record SimulationCosts(TimeSpan DefaultHandleTime, decimal ReviewerCostPerHour, IReadOnlyDictionary<string, TimeSpan>? HandleTimes = null)
{
    public TimeSpan HandleTime(string queue) => HandleTimes?.GetValueOrDefault(queue) is { } t && t > TimeSpan.Zero ? t : DefaultHandleTime;
}

public sealed record RuleChange(string RuleId, int FiredBefore, int FiredAfter, int Started, int Stopped);

public sealed record QueueLoad(string Queue, int Before, int After, double HoursBefore, double HoursAfter, decimal CostBefore, decimal CostAfter);

public sealed record SimulationResult(
    int Cases,
    int Changed,
    IReadOnlyDictionary<(PathOutcome From, PathOutcome To), int> PathChanges,
    IReadOnlyList<RuleChange> Rules,
    IReadOnlyList<QueueLoad> Queues,
    IReadOnlyList<SimulatedCase> ChangedCases,
    bool ChangedCasesTruncated);

/// <summary>
/// Policy simulation: replays stored cases through the policy in force and through a draft — each case at the time
/// it arrived, with its own id, so time-dependent signals and spot-check sampling are exactly as they were — and
/// reports what the draft would change. Comparing against the policy in force re-evaluated (not the decision stored
/// months ago under an older version) isolates the draft's effect. Pure and thread-safe: <see cref="Evaluate"/> runs
/// in parallel, <see cref="SimulationAccumulator"/> folds the results in any order to the same totals.
/// </summary>
public static class PolicySimulation
{
    public static SimulatedCase Evaluate(CompiledPolicy current, CompiledPolicy draft, SimulationCase c)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(c);
        var before = current.Evaluate(c.Submission, c.Id, c.SubmittedAt, c.ClientId);
        var after = draft.Evaluate(c.Submission, c.Id, c.SubmittedAt, c.ClientId);
        var firedBefore = Fired(before);
        var firedAfter = Fired(after);
        return new SimulatedCase(
            c.Id,
            c.Submission.Workflow,
            before.Path,
            after.Path,
            before.Queue,
            after.Queue,
            firedBefore,
            firedAfter,
            [.. firedAfter.Except(firedBefore)],
            [.. firedBefore.Except(firedAfter)],
            [.. after.ReasonCodes.Except(before.ReasonCodes)],
            [.. before.ReasonCodes.Except(after.ReasonCodes)]);
    }

    private static List<string> Fired(PolicyDecision d) => d.Trace.Where(t => t.Fired).Select(t => t.RuleId).ToList();

    /// <summary>Replays every case (in parallel, in chunks so memory stays flat) and folds the results.</summary>
    public static SimulationResult Run(CompiledPolicy current, CompiledPolicy draft, IEnumerable<SimulationCase> cases,
        SimulationCosts costs, int listLimit = SimulationAccumulator.DefaultListLimit)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var accumulator = new SimulationAccumulator(listLimit);
        foreach (var chunk in cases.Chunk(1024))
        {
            foreach (var result in chunk.AsParallel().AsOrdered().Select(c => Evaluate(current, draft, c)))
            {
                accumulator.Add(result);
            }
        }
        return accumulator.Result(costs);
    }
}

/// <summary>Folds simulated cases into totals; not thread-safe (add from one thread).</summary>
public sealed class SimulationAccumulator(int listLimit = SimulationAccumulator.DefaultListLimit)
{
    public const int DefaultListLimit = 500;

    private readonly Dictionary<(PathOutcome, PathOutcome), int> _paths = [];
    private readonly Dictionary<string, int[]> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int[]> _queues = new(StringComparer.Ordinal);
    private readonly List<SimulatedCase> _changed = [];
    private int _cases;
    private int _changedCount;

    public void Add(SimulatedCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        _cases++;
        if (c.BeforePath != c.AfterPath)
        {
            _paths[(c.BeforePath, c.AfterPath)] = _paths.GetValueOrDefault((c.BeforePath, c.AfterPath)) + 1;
        }
        foreach (var rule in c.FiredBefore)
        {
            Rule(rule)[0]++;
        }
        foreach (var rule in c.FiredAfter)
        {
            Rule(rule)[1]++;
        }
        foreach (var rule in c.RulesStarted)
        {
            Rule(rule)[2]++;
        }
        foreach (var rule in c.RulesStopped)
        {
            Rule(rule)[3]++;
        }
        if (c.BeforeQueue is { } bq)
        {
            Queue(bq)[0]++;
        }
        if (c.AfterQueue is { } aq)
        {
            Queue(aq)[1]++;
        }
        if (c.Changed)
        {
            _changedCount++;
            if (_changed.Count < listLimit)
            {
                _changed.Add(c);
            }
        }
    }

    private int[] Rule(string id) => _rules.TryGetValue(id, out var counts) ? counts : _rules[id] = new int[4];

    private int[] Queue(string name) => _queues.TryGetValue(name, out var counts) ? counts : _queues[name] = new int[2];

    public SimulationResult Result(SimulationCosts costs)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var queues = _queues
            .OrderBy(q => q.Key, StringComparer.Ordinal)
            .Select(q =>
            {
                var hours = costs.HandleTime(q.Key).TotalHours;
                var before = q.Value[0] * hours;
                var after = q.Value[1] * hours;
                return new QueueLoad(q.Key, q.Value[0], q.Value[1], before, after,
                    Math.Round((decimal)before * costs.ReviewerCostPerHour, 2), Math.Round((decimal)after * costs.ReviewerCostPerHour, 2));
            })
            .ToList();
        var rules = _rules
            .Where(r => r.Value[2] > 0 || r.Value[3] > 0)
            .Select(r => new RuleChange(r.Key, r.Value[0], r.Value[1], r.Value[2], r.Value[3]))
            .OrderByDescending(r => r.Started + r.Stopped)
            .ThenBy(r => r.RuleId, StringComparer.Ordinal)
            .ToList();
        return new SimulationResult(_cases, _changedCount, new Dictionary<(PathOutcome, PathOutcome), int>(_paths), rules, queues,
            [.. _changed], _changedCount > _changed.Count);
    }
}
