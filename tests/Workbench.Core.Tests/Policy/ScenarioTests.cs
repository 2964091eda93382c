using Workbench.Core.Policy.Scenarios;

namespace Workbench.Core.Tests.Policy;

/// <summary>Runs every scenario file under Scenarios/ against the default policy: one test case per scenario.</summary>
public class ScenarioTests
{
    private static readonly Lazy<Dictionary<string, ScenarioResult>> Results = new(RunAll);

    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var name in Results.Value.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scenario(string name)
    {
        var result = Results.Value[name];
        Assert.True(result.Passed, result.Difference);
    }

    [Fact]
    public void There_are_at_least_sixty_scenarios_and_every_file_reads_cleanly()
    {
        Assert.True(Results.Value.Count >= 60, $"only {Results.Value.Count} scenarios");
        Assert.DoesNotContain(Results.Value.Keys, k => k.EndsWith("(file)", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_default_rule_fires_in_one_scenario_and_stays_quiet_in_another()
    {
        var decisions = Results.Value.Values.Where(r => r.Decision is not null).Select(r => r.Decision!).ToList();
        foreach (var rule in TestPolicies.Default.Rules)
        {
            Assert.True(decisions.Any(d => d.Trace.Single(t => t.RuleId == rule.Id).Fired), $"no scenario fires '{rule.Id}'");
            Assert.True(decisions.Any(d => !d.Trace.Single(t => t.RuleId == rule.Id).Fired), $"'{rule.Id}' fires in every scenario");
        }
    }

    [Fact]
    public void The_evidence_tab_marks_conflicting_versions_in_exactly_the_scenarios_the_policy_counts_them()
    {
        var checkedCases = 0;
        var conflicting = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scenarios"), "*.yaml"))
        {
            foreach (var scenario in ScenarioRunner.Read(File.ReadAllText(file), TestPolicies.Now).Scenarios.Where(x => x.Case is not null))
            {
                var counted = TestPolicies.Default.Derive(scenario.Case!, TestPolicies.Now).GetNumber("evidence.version_conflicts");
                var marked = Workbench.Core.Policy.Signals.SignalDeriver.ConflictingVersions(scenario.Case!.Evidence, TestPolicies.Default.AuthoritativeSources);
                Assert.True((counted > 0) == (marked.Count > 0), $"{scenario.Name}: the policy counts {counted}, the tab marks [{string.Join(", ", marked.Keys)}]");
                checkedCases++;
                conflicting += marked.Count > 0 ? 1 : 0;
            }
        }
        Assert.True(checkedCases >= 60 && conflicting >= 5, $"{checkedCases} cases, {conflicting} with a conflict");
    }

    [Fact]
    public void The_default_policy_keeps_every_guardrail_a_draft_must_keep()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Policies", "scenarios");
        var files = Directory.GetFiles(folder, "*.yaml");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var run = ScenarioRunner.Run(TestPolicies.Default, File.ReadAllText(file), TestPolicies.Now);
            Assert.True(run.Errors.Count == 0, string.Join("; ", run.Errors));
            Assert.True(run.Passed, string.Join("\n", run.Results.Where(r => !r.Passed).Select(r => $"{r.Name}: {r.Difference}")));
            Assert.True(run.Results.Count >= 5, $"{Path.GetFileName(file)} has only {run.Results.Count} scenarios");
        }
    }

    [Fact]
    public void A_failing_scenario_explains_the_difference()
    {
        const string scenarios = """
            scenarios:
              - name: wrong on purpose
                case:
                  workflow: support.refund
                  request: Refund A-1 just this once
                  requester: { id: c, authenticated: true }
                  action: { tool: refunds.issue, reversible: true, parameters: { order_id: A-1, amount: 700 } }
                  evidence: [{ id: p1, uri: "https://policies.northwind.example/refunds", authority: authoritative, topic: refunds, version: "1", age_days: 3 }]
                expect: { release: proceed, execute: proceed, reasons: [HIGH_VALUE_TRANSACTION], queue: support }
            """;
        var result = Assert.Single(ScenarioRunner.Run(TestPolicies.DefaultYaml, scenarios, TestPolicies.Now).Results);
        Assert.False(result.Passed);
        Assert.Contains("release: expected proceed, got await_approval", result.Difference, StringComparison.Ordinal);
        Assert.Contains("execute: expected proceed, got await_approval", result.Difference, StringComparison.Ordinal);
        Assert.Contains("(unexpected EXCEPTION_REQUESTED, IRREVERSIBLE_ACTION)", result.Difference, StringComparison.Ordinal);
        Assert.Contains("queue: expected support, got finance", result.Difference, StringComparison.Ordinal);
        Assert.Contains("fired rules: [high-value-transaction, exception-language, guard:irreversible-action]", result.Difference, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_policy_or_scenario_file_is_reported_not_thrown()
    {
        var badPolicy = ScenarioRunner.Run("version: x\nrules: [", "scenarios: []", TestPolicies.Now);
        Assert.False(badPolicy.Passed);
        Assert.NotEmpty(badPolicy.Errors);
        var badScenario = ScenarioRunner.Run(TestPolicies.Default, "scenarios:\n  - name: n\n    case: { workflow: support.faq, colour: red }\n    expect: { release: proceed, execute: proceed }\n", TestPolicies.Now);
        var error = Assert.Single(badScenario.Errors);
        Assert.Equal((3, 36), (error.Line, error.Column));
        Assert.StartsWith("scenario 'n': unknown key 'colour'", error.Message, StringComparison.Ordinal);
        Assert.False(Assert.Single(badScenario.Results).Passed);
    }

    private static Dictionary<string, ScenarioResult> RunAll()
    {
        var all = new Dictionary<string, ScenarioResult>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scenarios"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var run = ScenarioRunner.Run(TestPolicies.Default, File.ReadAllText(file), TestPolicies.Now);
            if (run.Errors.Count > 0)
            {
                // Reported as a failing case rather than thrown, so one broken file does not hide the others.
                all.Add($"{Path.GetFileNameWithoutExtension(file)}: (file)", new ScenarioResult("(file)", false, string.Join("; ", run.Errors), null));
            }
            foreach (var r in run.Results)
            {
                all.Add($"{Path.GetFileNameWithoutExtension(file)}: {r.Name}", r);
            }
        }
        return all;
    }
}
