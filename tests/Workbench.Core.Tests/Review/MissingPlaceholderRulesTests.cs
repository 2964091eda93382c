using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Review;
using static Workbench.Core.Tests.Review.ReviewFixtures;

namespace Workbench.Core.Tests.Review;

/// <summary>An approval is of the message as it will be sent: one that would still show a placeholder is refused, naming it.</summary>
public class MissingPlaceholderRulesTests
{
    private static ReviewCase WithTemplate(string body, Dictionary<string, string>? variables) => HeldBy(Rita) with
    {
        SubmissionJson = JsonSerializer.Serialize(new CaseSubmission
        {
            ExternalId = "ext-1",
            Workflow = "support.refund",
            TaskType = "refund",
            Requester = new Requester("cust-9", "customer", true),
            Request = "Refund order A-1",
            Proposal = new Proposal(new ResponseProposal(body, variables),
                new ActionProposal(Tool, new Dictionary<string, JsonElement> { ["amount"] = JsonSerializer.SerializeToElement(120) }, true)),
        }, WorkbenchJson.Options),
    };

    private const string Template = "Hi {{customer_name}}, your refund of {{refund_amount}} is on its way.";

    [Fact]
    public void Approving_a_message_with_a_placeholder_without_a_value_is_refused_naming_the_variable()
    {
        var c = WithTemplate(Template, new() { ["customer_name"] = "Tomasz" });

        var refusal = Refused(Rules.Act(c, Rita, Approve, null, Now));

        Assert.Equal((RefusalKind.Invalid, "$.editedVariables.refund_amount"), (refusal.Kind, refusal.Field));
        Assert.Contains("{{refund_amount}}", refusal.Detail);
    }

    [Fact]
    public void A_blank_value_counts_as_missing()
    {
        var c = WithTemplate(Template, new() { ["customer_name"] = "Tomasz", ["refund_amount"] = "  " });

        Assert.Equal("$.editedVariables.refund_amount", Refused(Rules.Act(c, Rita, Approve, null, Now)).Field);
    }

    [Fact]
    public void Giving_the_missing_variable_a_value_in_the_edit_approves()
    {
        var c = WithTemplate(Template, new() { ["customer_name"] = "Tomasz" });
        var edit = new ReviewActionRequest
        {
            Action = ReviewActionKind.ApproveWithEdits,
            EditedVariables = new Dictionary<string, string> { ["refund_amount"] = "120 EUR" },
            ConfirmedTool = Tool,
            RootCause = RootCause.Prompt,
        };

        var changed = Changed(Rules.Act(c, Rita, edit, null, Now));

        Assert.Equal("Hi Tomasz, your refund of 120 EUR is on its way.", DecisionOf(changed.Case).ResponseText);
    }

    [Fact]
    public void Editing_the_placeholder_out_of_the_text_approves()
    {
        var c = WithTemplate(Template, new() { ["customer_name"] = "Tomasz" });

        var changed = Changed(Rules.Act(c, Rita, Edit("Hi {{customer_name}}, your refund is on its way."), null, Now));

        Assert.Equal("Hi Tomasz, your refund is on its way.", DecisionOf(changed.Case).ResponseText);
    }

    [Fact]
    public void A_complete_message_and_a_reject_are_not_affected()
    {
        var complete = WithTemplate(Template, new() { ["customer_name"] = "Tomasz", ["refund_amount"] = "120 EUR" });
        var incomplete = WithTemplate(Template, null);

        Changed(Rules.Act(complete, Rita, Approve, null, Now));
        Changed(Rules.Act(incomplete, Rita, Reject("wrong_policy"), null, Now));
    }
}
