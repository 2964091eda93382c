using BenchmarkDotNet.Attributes;
using RulesEngine.Models;
using Workbench.Contracts;
using Workbench.Core.Policy;
using Workbench.Core.Policy.Signals;

namespace Workbench.Benchmarks;

/// <summary>
/// The default policy on a realistic case: rule evaluation alone (fast path on a derived frame), the pipeline
/// (derive + rules), the full decision with trace, and the same rules in microsoft/RulesEngine.
/// </summary>
public class PolicyBenchmarks
{
    private CompiledPolicy _policy = null!;
    private CaseSubmission _case = null!;
    private CaseSubmission _overThreshold = null!;
    private SignalFrame _frame = null!;
    private bool[] _fired = null!;
    private RulesEngine.RulesEngine _rulesEngine = null!;
    private DerivedInput _input = null!;
    private readonly Guid _caseId = Guid.Parse("4f2c7a1e-9b0d-4c35-8e21-6a7d5b3c9f10");

    [GlobalSetup]
    public void Setup()
    {
        var load = PolicyLoader.Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "default.yaml")));
        _policy = load.Policy ?? throw new InvalidOperationException(string.Join("\n", load.Errors));
        _case = SampleCase.Create();
        _overThreshold = SampleCase.Create(900m);
        _frame = _policy.Derive(_case, SampleCase.Now);
        _fired = new bool[_policy.Rules.Count];
        _rulesEngine = RulesEngineEquivalent.Create();
        _input = DerivedInput.From(_frame);
        RulesEngineEquivalent.AssertSameRulesFire(_policy, _frame, _rulesEngine, _input);
    }

    [Benchmark(Description = "Rules on derived frame (Workbench)")]
    public RuleVerdict RuleEvaluation() => _policy.EvaluateRules(_frame, _fired);

    [Benchmark(Description = "Rules on derived input (RulesEngine)")]
    public async Task<List<RuleResultTree>> RulesEngineEvaluation() => await _rulesEngine.ExecuteAllRulesAsync(RulesEngineEquivalent.WorkflowName, _input);

    [Benchmark(Description = "Derive + rules (Workbench)")]
    public RuleVerdict DeriveAndEvaluate() => _policy.EvaluateRules(_policy.Derive(_case, SampleCase.Now), _fired);

    [Benchmark(Description = "Full decision with trace (Workbench)")]
    public PolicyDecision FullDecision() => _policy.Evaluate(_case, _caseId, SampleCase.Now);

    // The same case with a refund over the approval threshold: held for approval under any policy that has one, so the
    // decision always picks a queue and computes its SLA deadline. Compares engines on a decision of the same shape.
    [Benchmark(Description = "Full decision with trace, refund over the threshold (Workbench)")]
    public PolicyDecision FullDecisionOverThreshold() => _policy.Evaluate(_overThreshold, _caseId, SampleCase.Now);
}
