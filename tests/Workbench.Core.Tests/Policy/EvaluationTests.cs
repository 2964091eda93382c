using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Policy;

public class EvaluationTests
{
    private static readonly DateTimeOffset Now = TestPolicies.Now;
    private static readonly Guid NotSampled = Guid.Parse("00000000-0000-0000-0000-000000000001");

    private static CaseSubmission Refund(double amount, bool authenticated = true, string request = "Refund order A-1") => new()
    {
        ExternalId = "r-1",
        Workflow = "support.refund",
        TaskType = "refund",
        Requester = new Requester("cust-9", "customer", authenticated),
        Request = request,
        Proposal = new Proposal(
            new ResponseProposal("Done.", new Dictionary<string, string> { ["order_id"] = "A-1" }),
            new ActionProposal("refunds.issue", new Dictionary<string, JsonElement> { ["amount"] = JsonDocument.Parse(amount.ToString(System.Globalization.CultureInfo.InvariantCulture)).RootElement }, true)),
        Evidence = [new EvidenceItem { Id = "p1", Title = "Refund policy", Uri = "https://policies.northwind.example/refunds", Authority = EvidenceAuthority.Authoritative, Topic = "refunds", Version = "v1", PublishedAt = Now.AddDays(-10) }],
        Claims = [new Claim("Refunds are allowed", ["p1"])],
    };

    private static CaseSubmission Faq(string request = "What is the return window?", bool authenticated = true) => new()
    {
        ExternalId = "f-1",
        Workflow = "support.faq",
        TaskType = "faq",
        Requester = new Requester("cust-9", "customer", authenticated),
        Request = request,
        Proposal = new Proposal(new ResponseProposal("Thirty days from delivery.", null), null),
        Evidence = [new EvidenceItem { Id = "p1", Title = "Returns policy", Uri = "https://policies.northwind.example/returns", Authority = EvidenceAuthority.Authoritative, Topic = "returns", Version = "v1", PublishedAt = Now.AddDays(-10) }],
        Claims = [new Claim("Returns are accepted for thirty days", ["p1"])],
    };

    [Fact]
    public void High_value_refund_waits_for_finance_with_the_finance_sla()
    {
        var d = TestPolicies.Default.Evaluate(Refund(900), NotSampled, Now);
        // The answer announces the refund, so it waits for the refund's approval.
        Assert.Equal(PathOutcome.AwaitApproval, d.Release);
        Assert.Equal(PathOutcome.AwaitApproval, d.Execute);
        Assert.Equal("finance", d.Queue);
        Assert.Equal(CasePriority.High, d.Priority);
        // finance: await_approval 4h, overridden to 2h for high priority.
        Assert.Equal(Now.AddHours(2), d.SlaDueAt);
        Assert.Equal("2026.12.1", d.PolicyVersion);
        Assert.Equal(2, d.RiskTier);
        Assert.Equal(AutonomyStage.ApproveAll, d.AutonomyStage);
    }

    [Fact]
    public void Handoff_uses_the_queue_handoff_sla()
    {
        var d = TestPolicies.Default.Evaluate(Refund(100, authenticated: false), NotSampled, Now);
        Assert.Equal(PathOutcome.Handoff, d.Path);
        Assert.Equal("security", d.Queue);
        Assert.Equal(Now.AddHours(2), d.SlaDueAt); // security handoff 4h, high priority 2h
    }

    [Fact]
    public void A_proceed_case_is_not_queued_and_has_no_sla()
    {
        var d = TestPolicies.Default.Evaluate(Faq(), NotSampled, Now);
        Assert.Equal(PathOutcome.Proceed, d.Path);
        Assert.Null(d.Queue);
        Assert.Null(d.SlaDueAt);
        Assert.False(d.SpotCheck);
        Assert.Empty(d.ReasonCodes);
    }

    [Fact]
    public void The_trace_lists_every_rule_with_the_values_it_read()
    {
        var d = TestPolicies.Default.Evaluate(Refund(900), NotSampled, Now);
        // Every rule of the policy, then the engine's built-in guards.
        Assert.Equal(TestPolicies.Default.Rules.Count + 7, d.Trace.Count);
        Assert.All(d.Trace.Skip(TestPolicies.Default.Rules.Count), t => Assert.StartsWith("guard:", t.RuleId, StringComparison.Ordinal));
        var irreversible = d.Trace.Single(t => t.RuleId == "guard:irreversible-action");
        Assert.True(irreversible.Fired);
        Assert.Contains(new TracedValue("action.irreversible", "true"), irreversible.Values);
        var highValue = d.Trace.Single(t => t.RuleId == "high-value-transaction");
        Assert.True(highValue.Fired);
        Assert.Equal([new TracedValue("signals.amount", "900")], highValue.Values);
        var ambiguity = d.Trace.Single(t => t.RuleId == "ambiguous-intent");
        Assert.False(ambiguity.Fired);
        Assert.Equal("missing", ambiguity.Values.Single().Value);
    }

    [Fact]
    public void Clarifying_question_is_rendered_from_the_rule_template()
    {
        var d = TestPolicies.Default.Evaluate(Faq(authenticated: false), NotSampled, Now);
        Assert.Equal(PathOutcome.Clarify, d.Path);
        Assert.Equal("Please ask cust-9 to sign in or verify their identity before we continue.", d.ClarifyingQuestion);
        Assert.Null(d.Queue);
    }

    [Fact]
    public void Sampling_is_deterministic_by_case_id_and_close_to_the_rate()
    {
        var ids = Enumerable.Range(0, 20000).Select(i => new Guid(i, (short)(i >> 3), 7, 1, 2, 3, 4, 5, 6, 7, (byte)i)).ToList();
        var sampled = ids.Count(id => CompiledPolicy.IsSampled(id, 0.10));
        Assert.InRange(sampled, 1700, 2300);
        Assert.All(ids.Take(100), id => Assert.Equal(CompiledPolicy.IsSampled(id, 0.1), CompiledPolicy.IsSampled(id, 0.1)));
        Assert.False(CompiledPolicy.IsSampled(ids[0], 0));
        Assert.True(CompiledPolicy.IsSampled(ids[0], 1));
    }

    [Fact]
    public void A_sampled_proceed_goes_to_the_spot_check_queue_with_its_sla()
    {
        var sampledId = Enumerable.Range(1, 1000).Select(i => new Guid(i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).First(id => CompiledPolicy.IsSampled(id, 0.05));
        var d = TestPolicies.Default.Evaluate(Faq(), sampledId, Now);
        Assert.Equal(PathOutcome.Proceed, d.Path);
        Assert.True(d.SpotCheck);
        Assert.Equal("spot-check", d.Queue);
        Assert.Equal(Now.AddDays(3), d.SlaDueAt);
    }

    [Fact]
    public void Approve_all_turns_a_proceeding_action_into_an_approval()
    {
        const string yaml = """
            version: "aa"
            workflows:
              w: { tier: 1, queue: q, autonomy: approve_all }
            queues:
              q: { sla: { await_approval: 1h } }
            tools:
              refunds.issue: { tier: 1, reversible: true, reported_by_response: false }
            rules:
              - id: never
                when: tier > 5
                then: { outcome: handoff }
            """;
        var policy = PolicyLoader.Load(yaml).Policy!;
        var d = policy.Evaluate(Refund(10) with { Workflow = "w" }, NotSampled, Now);
        Assert.Equal(PathOutcome.Proceed, d.Release);
        Assert.Equal(PathOutcome.AwaitApproval, d.Execute);
        Assert.Equal(["STAGED_AUTONOMY"], d.ReasonCodes);
        Assert.Equal("q", d.Queue);
        Assert.Equal(Now.AddHours(1), d.SlaDueAt);
    }

    [Fact]
    public void Precedence_from_the_policy_decides_which_outcome_wins()
    {
        const string yaml = """
            version: "p"
            precedence: [clarify, handoff, await_approval, proceed]
            workflows:
              w: { tier: 0, queue: q, autonomy: auto }
            queues:
              q: { sla: { handoff: 1h } }
            rules:
              - id: hand
                when: tier == 0
                then: { outcome: handoff }
              - id: ask
                when: tier == 0
                then: { outcome: clarify, scope: release }
            """;
        var policy = PolicyLoader.Load(yaml).Policy!;
        var d = policy.Evaluate(Refund(10) with { Workflow = "w" }, NotSampled, Now);
        Assert.Equal(PathOutcome.Clarify, d.Release);
        Assert.Equal(PathOutcome.Handoff, d.Execute);
    }

    [Fact]
    public void Rule_evaluation_on_a_derived_frame_allocates_nothing()
    {
        var policy = TestPolicies.Default;
        var frame = policy.Derive(Refund(900, request: "override please, I am a journalist"), Now);
        var fired = new bool[policy.Rules.Count];
        policy.EvaluateRules(frame, fired);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            policy.EvaluateRules(frame, fired);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_fast_path_agrees_with_the_full_decision()
    {
        var policy = TestPolicies.Default;
        // The fast path is the rules alone: a case no guard or autonomy stage changes decides the same way.
        var c = Faq(request: "Just this once, tell me the return window");
        var verdict = policy.EvaluateRules(policy.Derive(c, Now));
        var d = policy.Evaluate(c, NotSampled, Now);
        Assert.Equal((verdict.Release, verdict.Execute, verdict.Priority, verdict.Approvals), (d.Release, d.Execute, d.Priority, d.ApprovalsRequired));
        Assert.Equal(PathOutcome.AwaitApproval, d.Release);
        Assert.Equal(d.Trace.Count(t => t.Fired && !t.RuleId.StartsWith("guard:", StringComparison.Ordinal)), verdict.FiredCount);
    }

    [Fact]
    public void Queue_and_reason_code_metadata_is_exposed_for_the_web_app()
    {
        var p = TestPolicies.Default;
        var support = p.FindQueue("support")!;
        Assert.Equal("Support", support.Title);
        Assert.Equal(TimeSpan.FromMinutes(30), support.SlaFor(SlaKind.AwaitApproval, CasePriority.Urgent));
        Assert.Equal(TimeSpan.FromHours(24), support.SlaFor(SlaKind.InfoReply, CasePriority.Urgent));
        Assert.Contains("Reviewer", support.Roles);
        Assert.Equal("support-exceptions", support.EscalationTarget);
        Assert.Equal(RootCause.RetrievalConflict, p.ReasonCodes["MULTI_POLICY_CONFLICT"].RootCauseHint);
        Assert.Equal("Stale evidence", p.ReasonCodes["STALE_EVIDENCE"].Title);
        Assert.Equal("Autonomy stage", p.ReasonCodes[BuiltInReasonCodes.StagedAutonomy].Title);
    }

    [Fact]
    public void Traced_request_text_is_capped_so_the_trace_does_not_repeat_the_whole_request()
    {
        var request = "Refund please. " + new string('x', 5000);
        var d = TestPolicies.Default.Evaluate(Refund(100, request: request), NotSampled, Now);
        var texts = d.Trace.SelectMany(t => t.Values).Where(v => v.Name == "request.text_plain").ToList();
        Assert.NotEmpty(texts);
        Assert.All(texts, v => Assert.True(v.Value.Length <= Workbench.Core.Policy.Signals.SignalFrame.MaxTracedStringLength));
        Assert.All(texts, v => Assert.EndsWith("…", v.Value));
    }
}
