using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Policy;
using Workbench.Core.Review;
using Workbench.Core.Tests.Policy;
using static Workbench.Core.Tests.Review.ReviewFixtures;

namespace Workbench.Core.Tests.Review;

/// <summary>
/// Which approvals need a deliberate confirmation, what it restates and how it is checked: the facts are the policy's,
/// so the ways an AI system could describe its action to slip past the confirmation are tried here.
/// </summary>
public class ApprovalGateTests
{
    private static CaseSubmission Refund(string workflow = "support.refund", string tool = "payments.issue_refund", bool reversible = false,
        params (string Name, object? Value)[] parameters) => new()
    {
        ExternalId = "ext-gate",
        Workflow = workflow,
        TaskType = "refund",
        Requester = new Requester("cust-1", "customer", true),
        Request = "Refund my order",
        Proposal = new Proposal(new ResponseProposal("Refunded."), new ActionProposal(tool,
            (parameters.Length == 0 ? [("order_id", "A-1"), ("amount", 387.02), ("currency", "USD")] : parameters)
                .ToDictionary(p => p.Name, p => JsonSerializer.SerializeToElement(p.Value)), reversible)),
    };

    private static ApprovalGate Gate(CaseSubmission s, int tier = 2, CompiledPolicy? policy = null) =>
        ApprovalGate.For(policy ?? TestPolicies.Default, s, tier) ?? throw new Xunit.Sdk.XunitException("expected a gate");

    [Fact]
    public void An_irreversible_refund_at_tier_2_asks_for_a_confirmation_that_restates_tool_amount_and_target()
    {
        var gate = Gate(Refund());

        Assert.Equal(ApprovalGesture.Confirm, gate.Gesture);
        Assert.Equal(("payments.issue_refund", "Issue a refund", true), (gate.Tool, gate.ToolTitle, gate.Irreversible));
        Assert.Equal(("387.02", "USD"), (gate.AmountText, gate.Currency));
        Assert.Equal([new KeyValuePair<string, string>("order_id", "A-1")], gate.Target);
        Assert.Equal("Issue a refund (payments.issue_refund), 387.02 USD, on order_id A-1, irreversible", gate.Restatement);
    }

    [Fact]
    public void A_target_sent_in_two_spellings_that_disagree_is_restated_in_both_for_the_executor_may_take_either()
    {
        var gate = Gate(Refund(parameters: [("order_id", "A-1"), ("destination", "acct-customer"), ("Destination", "acct-other"),
            ("amount", 90), ("currency", "USD")]));

        Assert.Equal([new("order_id", "A-1"), new("destination", "acct-customer"), new("Destination", "acct-other")], gate.Target);
        Assert.Contains("on order_id A-1, destination acct-customer, Destination acct-other", gate.Restatement, StringComparison.Ordinal);

        // Two spellings that agree are one target, named as the catalogue names it.
        var agreeing = Gate(Refund(parameters: [("order_id", "A-1"), ("Order_Id", "A-1"), ("amount", 90), ("currency", "USD")]));
        Assert.Equal([new KeyValuePair<string, string>("order_id", "A-1")], agreeing.Target);
    }

    [Fact]
    public void A_money_action_in_a_tier_3_case_asks_for_the_amount_to_be_typed()
    {
        var gate = Gate(Refund("billing.refund", parameters: [("charge_id", "ch_1"), ("amount", 2400), ("currency", "EUR")]), tier: 3);

        Assert.Equal(ApprovalGesture.TypeAmount, gate.Gesture);
        Assert.Equal(("2,400.00", "EUR"), (gate.AmountText, gate.Currency));
    }

    [Fact]
    public void A_reversible_action_without_money_needs_no_confirmation()
    {
        var contract = Refund("sales.contract", "clm.insert_clause", reversible: true, parameters: [("contract_id", "CTR-1")]);

        Assert.Null(ApprovalGate.For(TestPolicies.Default, contract, 2));
        Assert.Null(ApprovalGate.For(TestPolicies.Default, contract with { Proposal = contract.Proposal with { Action = null } }, 2));
    }

    [Fact]
    public void An_ai_system_calling_an_irreversible_refund_reversible_still_gets_it_confirmed()
    {
        var gate = Gate(Refund(reversible: true));

        Assert.True(gate.Irreversible);
        Assert.Equal(ApprovalGesture.Confirm, gate.Gesture);
    }

    [Fact]
    public void A_reversible_tool_the_ai_system_calls_irreversible_is_confirmed_too()
    {
        var gate = Gate(Refund("sales.contract", "clm.insert_clause", reversible: false, parameters: [("contract_id", "CTR-1")]));

        Assert.Equal(ApprovalGesture.Confirm, gate.Gesture);
        Assert.Null(gate.Amount);
    }

    [Fact]
    public void Money_under_another_parameter_name_is_the_amount_restated_and_typed()
    {
        // The catalogue reads "amount"; the largest amount-like parameter counts, so a small decoy does not hide the refund.
        var gate = Gate(Refund("billing.refund", parameters: [("order_id", "A-1"), ("amount", 10), ("refundAmount", 5000), ("currency", "USD")]), tier: 3);

        Assert.Equal("5,000.00", gate.AmountText);
        Assert.False(gate.AmountMatches("10"));
        Assert.True(gate.AmountMatches("5000"));
        Assert.DoesNotContain(gate.Target, t => t.Key.Contains("amount", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_tool_the_catalogue_does_not_know_is_confirmed_with_its_parameters_restated()
    {
        var gate = Gate(Refund(tool: "payments.issue_refund ", reversible: true, parameters: [("order_id", "A-1"), ("amount", 99)]));

        Assert.False(gate.Catalogued);
        Assert.Equal(ApprovalGesture.Confirm, gate.Gesture);
        Assert.Contains(new KeyValuePair<string, string>("amount", "99"), gate.Target);
    }

    [Fact]
    public void An_unreadable_amount_cannot_be_typed_so_the_confirmation_says_what_is_wrong()
    {
        var gate = Gate(Refund("billing.refund", parameters: [("order_id", "A-1"), ("amount", "a lot"), ("currency", "USD")]), tier: 3);

        Assert.Equal(ApprovalGesture.Confirm, gate.Gesture);
        Assert.Null(gate.Amount);
        Assert.Contains("not a number", gate.AmountProblem);
    }

    [Fact]
    public void A_long_target_value_is_cut_in_the_restatement()
    {
        var gate = Gate(Refund(parameters: [("order_id", new string('x', 500)), ("amount", 5)]));

        Assert.Equal(ApprovalGate.MaxTargetLength + 1, gate.Target.Single().Value.Length);
    }

    [Theory]
    [InlineData("2400", true)]
    [InlineData("2,400.00", true)]
    [InlineData(" 2400.0 EUR ", true)]
    [InlineData("EUR 2400", true)]
    [InlineData("2400.01", false)]
    [InlineData("240", false)]
    [InlineData("", false)]
    [InlineData("2.4e3", false)]
    [InlineData("-2400", false)]
    public void The_typed_amount_must_be_the_actions(string typed, bool matches)
    {
        var gate = Gate(Refund("billing.refund", parameters: [("charge_id", "ch_1"), ("amount", 2400), ("currency", "EUR")]), tier: 3);

        Assert.Equal(matches, gate.AmountMatches(typed));
    }

    [Fact]
    public void The_policy_can_ask_for_the_amount_on_any_money_tool_and_is_refused_type_amount_without_money()
    {
        var yaml = TestPolicies.DefaultYaml.Replace("    target: [order_id, invoice_id, charge_id, account_id, destination]",
            "    target: [order_id]\n    approval_gesture: type_amount", StringComparison.Ordinal);
        var policy = PolicyLoader.Load(yaml).Policy!;
        Assert.Equal(ApprovalGesture.TypeAmount, Gate(Refund(), policy: policy).Gesture);

        var refused = PolicyLoader.Load(TestPolicies.DefaultYaml.Replace("    reported_by_response: false",
            "    reported_by_response: false\n    approval_gesture: type_amount", StringComparison.Ordinal));
        Assert.Null(refused.Policy);
        Assert.Contains(refused.Errors, e => e.Message.Contains("approval_gesture type_amount needs an 'amount'", StringComparison.Ordinal));

        var unknown = PolicyLoader.Load(yaml.Replace("approval_gesture: type_amount", "approval_gesture: shrug", StringComparison.Ordinal));
        Assert.Contains(unknown.Errors, e => e.Message.Contains("approval_gesture 'shrug' is not one of confirm, type_amount", StringComparison.Ordinal));
    }

    [Fact]
    public void An_approval_without_the_tool_named_back_is_refused_and_changes_nothing()
    {
        var refusal = Refused(Rules.Act(HeldBy(Rita), Rita, Approve with { ConfirmedTool = null }, null, Now));

        Assert.Equal(("$.confirmedTool", ProblemTypes.Validation), (refusal.Field, refusal.Type));
        Assert.Contains("Issue a refund (order system) (refunds.issue), 120.00 USD", refusal.Detail);
        Refused(Rules.Act(HeldBy(Rita), Rita, Approve with { ConfirmedTool = "payments.issue_refund" }, null, Now));
    }

    [Fact]
    public void A_tier_3_approval_needs_the_amount_typed_and_a_wrong_amount_is_refused()
    {
        var tier3 = HeldBy(Rita) with { RiskTier = 3 };

        Assert.Equal("$.confirmedAmount", Refused(Rules.Act(tier3, Rita, Approve, null, Now)).Field);
        Assert.Equal("$.confirmedAmount", Refused(Rules.Act(tier3, Rita, Approve with { ConfirmedAmount = "12" }, null, Now)).Field);
        Changed(Rules.Act(tier3, Rita, Approve with { ConfirmedAmount = "120" }, null, Now));
    }

    [Fact]
    public void Edited_parameters_are_what_the_typed_amount_must_match()
    {
        var tier3 = HeldBy(Rita) with { RiskTier = 3 };
        var edit = Edit("Refunded 90.") with
        {
            EditedParameters = new Dictionary<string, JsonElement> { ["amount"] = JsonSerializer.SerializeToElement(90) },
            ConfirmedAmount = "120",
        };

        Assert.Equal("$.confirmedAmount", Refused(Rules.Act(tier3, Rita, edit, null, Now)).Field);
        Changed(Rules.Act(tier3, Rita, edit with { ConfirmedAmount = "90" }, null, Now));
    }

    [Fact]
    public void Rejecting_needs_no_confirmation()
    {
        Changed(Rules.Act(HeldBy(Rita) with { RiskTier = 3 }, Rita, Reject("MULTI_POLICY_CONFLICT"), null, Now));
    }
}
