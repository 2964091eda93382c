using System.Globalization;
using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Learning;
using Workbench.Core.Policy;
using Workbench.Core.Tests.Policy;

namespace Workbench.Core.Tests.Learning;

public class PolicySimulationTests
{
    private static readonly DateTimeOffset Now = TestPolicies.Now;

    private static CaseSubmission Refund(double amount) => new()
    {
        ExternalId = "r-" + amount.ToString(CultureInfo.InvariantCulture),
        Workflow = "support.refund",
        TaskType = "refund",
        Requester = new Requester("cust-9", "customer", true),
        Request = "Refund order A-1",
        Proposal = new Proposal(
            new ResponseProposal("Done.", new Dictionary<string, string> { ["order_id"] = "A-1" }),
            new ActionProposal("billing.credit", new Dictionary<string, JsonElement>
            {
                ["amount"] = JsonDocument.Parse(amount.ToString(CultureInfo.InvariantCulture)).RootElement,
            }, true)),
        Evidence = [new EvidenceItem { Id = "p1", Title = "Refund policy", Uri = "https://policies.northwind.example/refunds", Authority = EvidenceAuthority.Authoritative, Topic = "refunds", Version = "v1", PublishedAt = Now.AddDays(-10) }],
        Claims = [new Claim("Refunds are allowed", ["p1"])],
    };

    private static CompiledPolicy Draft(string from, string to)
    {
        var yaml = TestPolicies.GraduatedYaml.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(TestPolicies.GraduatedYaml, yaml);
        var result = PolicyLoader.Load(yaml);
        return result.Policy ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
    }

    private static List<SimulationCase> Cases(params double[] amounts) =>
        amounts.Select((a, i) => new SimulationCase(new Guid(i + 1, 0, 0, new byte[8]), Refund(a), Now.AddMinutes(-i), "demo-agent")).ToList();

    [Fact]
    public void Lowering_the_finance_threshold_moves_the_amounts_between_into_finance()
    {
        var draft = Draft("when: signals.amount > 500", "when: signals.amount > 100");
        var cases = Cases(50, 150, 300, 499, 800, 6000);

        var result = PolicySimulation.Run(TestPolicies.Graduated, draft, cases, new SimulationCosts(TimeSpan.FromMinutes(6), 60m));

        Assert.Equal(6, result.Cases);
        // 150, 300 and 499 now need finance's approval; 50 stays below, 800 and 6000 were there already.
        Assert.Equal(3, result.Changed);
        Assert.Equal(3, result.PathChanges[(PathOutcome.Proceed, PathOutcome.AwaitApproval)]);
        // The rule that moved them, and the guard that now holds their announcing answers with them.
        Assert.Equal([new RuleChange("guard:release-follows-action", 2, 5, 3, 0), new RuleChange("high-value-transaction", 2, 5, 3, 0)], result.Rules);
        var finance = Assert.Single(result.Queues, q => q.Queue == "finance");
        Assert.Equal((2, 5), (finance.Before, finance.After));
        // 6 minutes a case at 60 an hour: 3 more cases = 0.3 h = 18.00 more.
        Assert.Equal(0.3, finance.HoursAfter - finance.HoursBefore, 10);
        Assert.Equal(18m, finance.CostAfter - finance.CostBefore);
        Assert.All(result.ChangedCases, c => Assert.Equal(["high-value-transaction", "guard:release-follows-action"], c.RulesStarted));
        // The answer announces the credit, so it now waits with it.
        Assert.Equal(["HIGH_VALUE_TRANSACTION", "RELEASE_FOLLOWS_ACTION"], result.ChangedCases[0].ReasonsAdded);
        Assert.False(result.ChangedCasesTruncated);
    }

    [Fact]
    public void The_policy_in_force_against_itself_changes_nothing()
    {
        var cases = Cases(50, 150, 800, 6000);

        var result = PolicySimulation.Run(TestPolicies.Graduated, TestPolicies.Graduated, cases, new SimulationCosts(TimeSpan.FromMinutes(6), 60m));

        Assert.Equal(0, result.Changed);
        Assert.Empty(result.PathChanges);
        Assert.Empty(result.Rules);
        Assert.Empty(result.ChangedCases);
    }

    [Fact]
    public void The_parallel_run_equals_evaluating_each_case_one_by_one_and_the_list_is_capped()
    {
        var draft = Draft("when: signals.amount > 500", "when: signals.amount > 100");
        var cases = Cases([.. Enumerable.Range(0, 3000).Select(i => (double)(i % 1000))]);

        var run = PolicySimulation.Run(TestPolicies.Graduated, draft, cases, new SimulationCosts(TimeSpan.FromMinutes(6), 60m), listLimit: 100);

        var changedOneByOne = 0;
        var startedOneByOne = 0;
        foreach (var c in cases)
        {
            var before = TestPolicies.Graduated.Evaluate(c.Submission, c.Id, c.SubmittedAt);
            var after = draft.Evaluate(c.Submission, c.Id, c.SubmittedAt);
            if (before.Path != after.Path || before.Queue != after.Queue)
            {
                changedOneByOne++;
            }
            if (after.Trace.Any(t => t.RuleId == "high-value-transaction" && t.Fired)
                && !before.Trace.Any(t => t.RuleId == "high-value-transaction" && t.Fired))
            {
                startedOneByOne++;
            }
        }
        Assert.Equal(changedOneByOne, run.Changed);
        Assert.Equal(3 * 400, run.Changed);     // 101–500 of each thousand
        Assert.Equal(startedOneByOne, run.Rules.Single(r => r.RuleId == "high-value-transaction").Started);
        Assert.Equal(100, run.ChangedCases.Count);
        Assert.True(run.ChangedCasesTruncated);
    }

    [Fact]
    public void Handle_times_per_queue_override_the_default()
    {
        var costs = new SimulationCosts(TimeSpan.FromMinutes(6), 50m, new Dictionary<string, TimeSpan> { ["finance"] = TimeSpan.FromMinutes(30) });

        Assert.Equal(TimeSpan.FromMinutes(30), costs.HandleTime("finance"));
        Assert.Equal(TimeSpan.FromMinutes(6), costs.HandleTime("support"));
    }
}
