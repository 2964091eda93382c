using System.Text;
using Workbench.Contracts;
using Workbench.Core.Policy.Language;
using Workbench.Core.Policy.Signals;

namespace Workbench.Core.Policy;

/// <summary>
/// A loaded, checked and compiled policy (see <see cref="PolicyLoader"/>). Immutable and thread-safe: one instance
/// serves every evaluation of its version.
/// </summary>
public sealed class CompiledPolicy
{
    private const int StackallocLimit = 256;
    private const string DefaultQuestion = "Could you clarify the request so that it can be completed?";

    private readonly PolicyRule[] _rules;
    private readonly Func<SignalFrame, bool>[] _predicates;
    private readonly (string Path, int Slot)[][] _reads;
    private readonly PathOutcome[] _outcomes;
    private readonly OutcomeScope[] _scopes;
    private readonly int[] _priorities;
    private readonly int[] _approvals;
    private readonly bool[] _hasQueue;
    private readonly int[] _rank;
    private readonly Dictionary<string, QueueDefinition> _queues;

    internal CompiledPolicy(
        string version,
        IReadOnlyList<PathOutcome> precedence,
        SignalCatalog catalog,
        IReadOnlyDictionary<string, WorkflowDefinition> workflows,
        IReadOnlyList<QueueDefinition> queues,
        IReadOnlyDictionary<string, ReasonCodeDefinition> reasonCodes,
        IReadOnlyList<PolicyRule> rules,
        IReadOnlyList<CompiledCondition> conditions,
        string defaultQueue,
        string? spotCheckQueue,
        ActionCatalogue actions,
        ExceptionLanguage exceptionLanguage,
        AuthoritativeSources? authoritativeSources,
        IReadOnlySet<string>? authenticatedRequestersFrom = null)
    {
        Actions = actions;
        AuthoritativeSources = authoritativeSources;
        AuthenticatedRequestersFrom = authenticatedRequestersFrom;
        ExceptionLanguage = exceptionLanguage;
        Version = version;
        Precedence = precedence;
        Signals = catalog;
        Workflows = workflows;
        Queues = queues;
        ReasonCodes = reasonCodes;
        Rules = rules;
        DefaultQueue = defaultQueue;
        SpotCheckQueue = spotCheckQueue;
        _queues = queues.ToDictionary(q => q.Name, StringComparer.Ordinal);

        _rules = [.. rules];
        _predicates = [.. conditions.Select(c => c.Predicate)];
        _reads = [.. conditions.Select(c => c.Reads.ToArray())];
        _outcomes = [.. rules.Select(r => r.Outcome)];
        _scopes = [.. rules.Select(r => r.Scope)];
        _priorities = [.. rules.Select(r => r.Priority is { } p ? (int)p : -1)];
        _approvals = [.. rules.Select(r => r.Approvals ?? 1)];
        _hasQueue = [.. rules.Select(r => r.Queue is not null)];
        // Rank by precedence: the first listed outcome is the most severe.
        _rank = new int[4];
        for (var i = 0; i < precedence.Count; i++)
        {
            _rank[(int)precedence[i]] = precedence.Count - i;
        }
    }

    public string Version { get; }

    /// <summary>Most severe first.</summary>
    public IReadOnlyList<PathOutcome> Precedence { get; }

    /// <summary>Every signal and field the policy's expressions may read.</summary>
    public SignalCatalog Signals { get; }

    public IReadOnlyDictionary<string, WorkflowDefinition> Workflows { get; }

    /// <summary>Whether a reviewer may give <c>unknown</c> as the root cause of a case of this workflow.</summary>
    public bool AllowsUnknownRootCause(string workflow) => Workflows.TryGetValue(workflow, out var w) && w.AllowUnknownRootCause;

    public IReadOnlyList<QueueDefinition> Queues { get; }

    /// <summary>Built-in and policy-defined reason codes, by code.</summary>
    public IReadOnlyDictionary<string, ReasonCodeDefinition> ReasonCodes { get; }

    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>Where queued cases of an unknown workflow go.</summary>
    public string DefaultQueue { get; }

    /// <summary>The non-blocking queue sampled proceed cases go to; null if the policy samples nothing.</summary>
    public string? SpotCheckQueue { get; }

    /// <summary>The business's action catalogue: what each tool is, whatever the AI system says of it.</summary>
    public ActionCatalogue Actions { get; }

    /// <summary>
    /// The sources the business holds authoritative; null where the policy lists none, and an evidence item's
    /// <c>authority</c> is then the AI system's word.
    /// </summary>
    public AuthoritativeSources? AuthoritativeSources { get; }

    /// <summary>
    /// The API clients (ids) whose word that the requester signed in the business takes; null where the policy lists
    /// none, and every client's <c>requester.authenticated</c> is then taken as sent.
    /// </summary>
    public IReadOnlySet<string>? AuthenticatedRequestersFrom { get; }

    /// <summary>
    /// Whether the requester counts as authenticated: the client says so and the policy takes that client's word for it.
    /// A null <paramref name="clientId"/> is an evaluation outside any client (a scenario without one, a tool), which
    /// takes the submission's word.
    /// </summary>
    private bool RequesterAuthenticated(CaseSubmission submission, string? clientId) =>
        submission.Requester.Authenticated && (AuthenticatedRequestersFrom is null || clientId is null || AuthenticatedRequestersFrom.Contains(clientId));

    /// <summary>What counts as a request for an exception.</summary>
    public ExceptionLanguage ExceptionLanguage { get; }

    public QueueDefinition? FindQueue(string name) => _queues.GetValueOrDefault(name);

    /// <summary>
    /// The SLA a case runs on once a breach escalated it to <paramref name="target"/>: that queue's own SLA for the
    /// case's kind of work (spot check, hand-off, else approval — as the intake chose it) at the case's priority,
    /// counted from <paramref name="at"/> in the target's business time. Null where the target is no queue of this
    /// policy or sets no SLA for that work: the case then stays breached on the clock it missed.
    /// </summary>
    public EscalationSla? EscalationSlaOf(string target, PathOutcome release, PathOutcome execute, bool spotCheck, CasePriority priority, DateTimeOffset at)
    {
        var kind = SlaKindOf(MostSevere(release, execute), spotCheck) ?? SlaKind.AwaitApproval; // a clarified case waits for approval
        return FindQueue(target)?.DueAt(kind, priority, at) is { } due ? new EscalationSla(kind, at, due) : null;
    }

    /// <summary>What a queue's SLA measures for a case on this path; null where the path puts no case in a queue.</summary>
    private static SlaKind? SlaKindOf(PathOutcome path, bool spotCheck) => path switch
    {
        PathOutcome.AwaitApproval => SlaKind.AwaitApproval,
        PathOutcome.Handoff => SlaKind.Handoff,
        PathOutcome.Proceed when spotCheck => SlaKind.SpotCheck,
        _ => null,
    };

    /// <summary>What a built-in guard (<c>guard:…</c> in the trace) checks, in words; null for a rule id.</summary>
    public static string? GuardDescription(string ruleId) =>
        Guards.All.FirstOrDefault(g => string.Equals(g.Id, ruleId, StringComparison.Ordinal)).Description;

    /// <summary>
    /// The case's tier is the highest of the workflow's floor (the workflow it is treated under), the tool's floor and
    /// the client's declaration: the client can raise it, never lower it. An unknown workflow counts as tier 3.
    /// </summary>
    public int EffectiveTier(CaseSubmission submission, ActionFacts facts) =>
        EffectiveTier(Workflows.GetValueOrDefault(facts.EffectiveWorkflow ?? submission.Workflow), submission, facts);

    private static int EffectiveTier(WorkflowDefinition? workflow, CaseSubmission submission, ActionFacts facts) =>
        Math.Clamp(Math.Max(Math.Max(workflow?.Tier ?? 3, facts.ToolTier), submission.RiskTier ?? 0), 0, 3);

    /// <summary>Derives the signal frame for a submission with this policy's catalog, action catalogue, tier floor and required fields.</summary>
    public SignalFrame Derive(CaseSubmission submission, DateTimeOffset now) => Derive(submission, now, null);

    /// <summary>The signal frame of a submission sent by this API client (whether its requester counts as authenticated depends on it).</summary>
    public SignalFrame Derive(CaseSubmission submission, DateTimeOffset now, string? clientId)
    {
        var facts = ActionFacts.Of(submission, Actions, Workflows);
        // One lookup of the workflow the case is treated under, for both its required fields and its tier floor.
        var workflow = Workflows.GetValueOrDefault(facts.EffectiveWorkflow ?? submission.Workflow);
        return SignalDeriver.Derive(submission, now, Signals, EffectiveTier(workflow, submission, facts), workflow?.RequiredFields ?? [],
            facts, ExceptionLanguage, AuthoritativeSources, RequesterAuthenticated(submission, clientId));
    }

    /// <summary>
    /// The fast path: runs every rule on an already derived frame and folds the fired ones by precedence. No trace,
    /// no autonomy stage, no allocation. <paramref name="fired"/> receives one flag per rule (at least
    /// <see cref="Rules"/>.Count long).
    /// </summary>
    public RuleVerdict EvaluateRules(SignalFrame frame, Span<bool> fired)
    {
        var predicates = _predicates;
        var rank = _rank;
        var release = PathOutcome.Proceed;
        var execute = PathOutcome.Proceed;
        var count = 0;
        var queueRule = -1;
        var queueRank = -1;
        var priority = -1;
        var approvals = 1;
        for (var i = 0; i < predicates.Length; i++)
        {
            var hit = predicates[i](frame);
            fired[i] = hit;
            if (!hit)
            {
                continue;
            }
            count++;
            var outcome = _outcomes[i];
            var r = rank[(int)outcome];
            var scope = _scopes[i];
            if (scope != OutcomeScope.Execute && r > rank[(int)release])
            {
                release = outcome;
            }
            if (scope != OutcomeScope.Release && r > rank[(int)execute])
            {
                execute = outcome;
            }
            if (_hasQueue[i] && r > queueRank)
            {
                queueRank = r;
                queueRule = i;
            }
            priority = Math.Max(priority, _priorities[i]);
            approvals = Math.Max(approvals, _approvals[i]);
        }
        return new RuleVerdict(release, execute, count, queueRule, priority < 0 ? CasePriority.Normal : (CasePriority)priority, approvals);
    }

    /// <summary>The fast path with a scratch buffer of its own.</summary>
    public RuleVerdict EvaluateRules(SignalFrame frame)
    {
        Span<bool> fired = _rules.Length <= StackallocLimit ? stackalloc bool[_rules.Length] : new bool[_rules.Length];
        return EvaluateRules(frame, fired);
    }

    /// <summary>The whole pipeline: derive signals, run the rules, apply tier floor and autonomy stage, route, SLA, trace.</summary>
    /// <remarks>
    /// Routing: await_approval and handoff are queued in the queue named by the most severe fired rule that names
    /// one (the first such rule on a tie), else the workflow's queue; a sampled proceed goes to the spot-check
    /// queue; clarify and unsampled proceed are not queued. Priority and approvals are the maximum over fired rules.
    /// A rule-less staged-autonomy change adds STAGED_AUTONOMY: recommend_only turns an action's proceed into a
    /// handoff (a person executes), approve_all into await_approval.
    /// </remarks>
    public PolicyDecision Evaluate(CaseSubmission submission, Guid caseId, DateTimeOffset now) => Evaluate(submission, caseId, now, null);

    /// <summary>
    /// Decides a case as sent by this API client: whether the requester counts as authenticated depends on it
    /// (<see cref="AuthenticatedRequestersFrom"/>). Intake and the simulation pass the client; null takes the submission's word.
    /// </summary>
    public PolicyDecision Evaluate(CaseSubmission submission, Guid caseId, DateTimeOffset now, string? clientId)
    {
        var frame = Derive(submission, now, clientId);
        var fired = new bool[_rules.Length];
        var verdict = EvaluateRules(frame, fired);
        var release = verdict.Release;
        var execute = verdict.Execute;

        var reasons = new List<string>();
        for (var i = 0; i < _rules.Length; i++)
        {
            if (fired[i] && _rules[i].ReasonCode is { } code && !reasons.Contains(code))
            {
                reasons.Add(code);
            }
        }

        var facts = frame.Action;
        var tier = (int)frame.Numbers[SignalCatalog.Tier];
        var effectiveWorkflow = facts.EffectiveWorkflow ?? submission.Workflow;
        var known = Workflows.TryGetValue(effectiveWorkflow, out var workflow);
        var guards = new Guards(this, facts, tier, frame.Numbers[SignalCatalog.AuthoritativeCount]);
        execute = guards.Apply(execute, reasons, out var guardQueue);

        // An unknown workflow gets the most careful stage: the AI recommends, a human executes. Autonomy earned on a
        // workflow does not reach an action of a higher tier than the workflow's own: that action needs an approval.
        var stage = known ? workflow!.Autonomy : AutonomyStage.RecommendOnly;
        if (known && tier > workflow!.Tier && stage is AutonomyStage.Sampled or AutonomyStage.Auto)
        {
            stage = AutonomyStage.ApproveAll;
        }
        var hasAction = submission.Proposal.Action is not null;
        if (hasAction && execute == PathOutcome.Proceed && stage is AutonomyStage.RecommendOnly or AutonomyStage.ApproveAll)
        {
            execute = stage == AutonomyStage.RecommendOnly ? PathOutcome.Handoff : PathOutcome.AwaitApproval;
            AddReason(reasons, BuiltInReasonCodes.StagedAutonomy);
        }

        // A response that reports the action ("I've refunded …") waits for the action's decision: the reviewer decides both.
        if (guards.ReleaseFollowsAction(release, execute, submission.Proposal.Response is not null))
        {
            release = MostSevere(release, execute);
            AddReason(reasons, BuiltInReasonCodes.ReleaseFollowsAction);
            guards.Fired[Guards.ReleaseFollows] = true;
        }

        var path = MostSevere(release, execute);
        var spotCheck = stage == AutonomyStage.Sampled && path == PathOutcome.Proceed
            && SpotCheckQueue is not null && IsSampled(caseId, workflow!.SpotCheckRate);

        string? queue = null;
        DateTimeOffset? due = null;
        // Where the rules and guards route the case: the queue that reviews it, now or once its question is answered.
        var routed = verdict.QueueRuleIndex >= 0 ? _rules[verdict.QueueRuleIndex].Queue : guardQueue ?? (known ? workflow!.Queue : DefaultQueue);
        if (SlaKindOf(path, spotCheck) is { } kind)
        {
            queue = kind == SlaKind.SpotCheck ? SpotCheckQueue : routed;
            due = FindQueue(queue!)?.DueAt(kind, verdict.Priority, now);
        }

        string? question = null;
        if (path == PathOutcome.Clarify)
        {
            var template = _rules.Where((r, i) => fired[i] && r.Outcome == PathOutcome.Clarify && r.QuestionTemplate is not null)
                .Select(r => r.QuestionTemplate).FirstOrDefault();
            question = template is null ? DefaultQuestion : RenderTemplate(template, frame);
        }

        var trace = new RuleTrace[_rules.Length + Guards.Count];
        // Many rules read the same signals: each value is formatted once per evaluation.
        var formatted = new string?[frame.Present.Length];
        for (var i = 0; i < _rules.Length; i++)
        {
            var reads = _reads[i];
            var values = new TracedValue[reads.Length];
            for (var j = 0; j < reads.Length; j++)
            {
                var slot = reads[j].Slot;
                values[j] = new TracedValue(reads[j].Path, formatted[slot] ??= frame.Format(slot));
            }
            trace[i] = new RuleTrace(_rules[i].Id, fired[i], values);
        }
        guards.Trace(trace.AsSpan(_rules.Length));

        return new PolicyDecision
        {
            Release = release,
            Execute = execute,
            ReasonCodes = reasons,
            Queue = queue,
            ClarifiedQueue = path == PathOutcome.Clarify ? routed : null,
            Priority = verdict.Priority,
            SlaDueAt = due,
            ApprovalsRequired = verdict.Approvals,
            RiskTier = tier,
            AutonomyStage = stage,
            SpotCheck = spotCheck,
            ClarifyingQuestion = question,
            PolicyVersion = Version,
            Trace = trace,
            RequesterAuthenticated = frame.Bools[SignalCatalog.RequesterAuthenticated],
        };
    }

    /// <summary>Deterministic sampling: the same case id is always in or out of the sample for a given rate.</summary>
    public static bool IsSampled(Guid caseId, double rate)
    {
        if (rate <= 0)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        caseId.TryWriteBytes(bytes);
        // FNV-1a over the bytes: stable across processes and runtimes, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return hash % 10000 < rate * 10000;
    }

    /// <summary>Plain substitution of <c>{{path}}</c> with the frame's values; paths were checked at load.</summary>
    internal string RenderTemplate(string template, SignalFrame frame)
    {
        var sb = new StringBuilder(template.Length);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf("{{", i, StringComparison.Ordinal);
            if (open < 0)
            {
                break;
            }
            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }
            sb.Append(template, i, open - i);
            var path = template[(open + 2)..close].Trim();
            sb.Append(Signals.TryResolve(path, out var d) ? frame.Format(d.Slot) : "");
            i = close + 2;
        }
        sb.Append(template, i, template.Length - i);
        return sb.ToString();
    }

    internal PathOutcome MostSevere(PathOutcome a, PathOutcome b) => _rank[(int)a] >= _rank[(int)b] ? a : b;

    private static void AddReason(List<string> reasons, string code)
    {
        if (!reasons.Contains(code))
        {
            reasons.Add(code);
        }
    }
}
