using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Review;
using static Workbench.Core.Tests.Review.ReviewFixtures;

namespace Workbench.Core.Tests.Review;

/// <summary>The response template filled from its variables: what the customer reads, and what a hostile value cannot do.</summary>
public class MessageTemplateTests
{
    private static Dictionary<string, string> Vars(params (string Name, string Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    [Fact]
    public void Every_placeholder_with_a_value_is_filled_and_reported_once()
    {
        var rendered = MessageTemplate.Render("Dear {{customer_name}}, your refund of {{ amount }} for {{customer_name}}'s order.",
            Vars(("customer_name", "Ada"), ("amount", "120 EUR"), ("unused", "x")));

        Assert.Equal("Dear Ada, your refund of 120 EUR for Ada's order.", rendered.Text);
        Assert.Equal(["customer_name", "amount"], rendered.Filled);
        Assert.Empty(rendered.Missing);
        Assert.True(rendered.IsComplete);
        Assert.Equal(rendered.Text, string.Concat(rendered.Segments.Select(s => s.Text)));
        Assert.Equal(["customer_name", "amount", "customer_name"], rendered.Segments.Where(s => s.Variable is not null).Select(s => s.Variable));
    }

    [Fact]
    public void A_placeholder_without_a_value_stays_as_written_and_is_reported_missing()
    {
        var rendered = MessageTemplate.Render("Hello {{name}}, order {{order_id}} ships {{ eta }}.", Vars(("name", "Ada"), ("eta", "  ")));

        Assert.Equal("Hello Ada, order {{order_id}} ships {{ eta }}.", rendered.Text);
        Assert.Equal(["name"], rendered.Filled);
        Assert.Equal(["order_id", "eta"], rendered.Missing);
        Assert.False(rendered.IsComplete);
        var missing = rendered.Segments.Where(s => s.Missing).ToList();
        Assert.Equal(["{{order_id}}", "{{ eta }}"], missing.Select(s => s.Text));
    }

    [Fact]
    public void No_variables_at_all_leaves_every_placeholder_visible()
    {
        var rendered = MessageTemplate.Render("Hi {{name}}", null);

        Assert.Equal("Hi {{name}}", rendered.Text);
        Assert.Equal(["name"], rendered.Missing);
    }

    [Fact]
    public void A_value_that_holds_another_placeholder_is_inserted_as_text_never_substituted_again()
    {
        var rendered = MessageTemplate.Render("To {{name}}: {{body}}", Vars(("name", "{{secret}}"), ("body", "{{name}} {{ body }}"), ("secret", "s3cr3t")));

        Assert.Equal("To {{secret}}: {{name}} {{ body }}", rendered.Text);
        Assert.DoesNotContain("s3cr3t", rendered.Text);
        Assert.Equal(["name", "body"], rendered.Filled);
        Assert.Empty(rendered.Missing);
    }

    [Fact]
    public void Markup_in_a_value_is_kept_as_the_value_it_is_the_page_that_shows_it_as_text()
    {
        var value = "<script>alert(1)</script>[x](javascript:alert(1))";
        var rendered = MessageTemplate.Render("Hi {{name}}", Vars(("name", value)));

        Assert.Equal("Hi " + value, rendered.Text);
        var segment = Assert.Single(rendered.Segments, s => s.Variable == "name");
        Assert.Equal(value, segment.Text);
    }

    [Theory]
    [InlineData("{{}}")]
    [InlineData("{{ two words }}")]
    [InlineData("{{na<me}}")]
    [InlineData("{name}")]
    [InlineData("{{{name}")]
    public void Text_that_is_not_a_placeholder_is_left_alone(string template)
    {
        var rendered = MessageTemplate.Render(template, Vars(("name", "Ada"), ("two", "2")));

        Assert.Equal(template, rendered.Text);
        Assert.Empty(rendered.Filled);
        Assert.Empty(rendered.Missing);
    }

    [Fact]
    public void The_decision_of_a_review_carries_the_rendered_text_the_template_and_the_variables()
    {
        var template = "Dear {{customer_name}}, {{amount}} is on its way.";
        var c = HeldBy(Rita) with { SubmissionJson = SubmissionWith(template, Vars(("customer_name", "Ada"), ("amount", "120 EUR"))) };

        var decision = DecisionOf(Changed(Rules.Act(c, Rita, Approve, null, Now)).Case);

        Assert.Equal("Dear Ada, 120 EUR is on its way.", decision.ResponseText);
        Assert.Equal(template, decision.ResponseTemplate);
        Assert.Equal(Vars(("customer_name", "Ada"), ("amount", "120 EUR")), decision.ResponseVariables);
    }

    [Fact]
    public void An_edit_of_one_variable_keeps_the_others_and_the_template_and_starts_a_new_round()
    {
        var template = "Dear {{customer_name}}, {{amount}} is on its way.";
        var c = HeldBy(Rita) with { SubmissionJson = SubmissionWith(template, Vars(("customer_name", "Ada"), ("amount", "120 EUR"))) };
        var edit = new ReviewActionRequest
        {
            Action = ReviewActionKind.ApproveWithEdits,
            EditedVariables = Vars(("amount", "95 EUR")),
            ConfirmedTool = Tool,
            RootCause = RootCause.Prompt,
        };
        Assert.Empty(Rules.Validate(edit));

        var changed = Changed(Rules.Act(c, Rita, edit, null, Now));

        var decision = DecisionOf(changed.Case);
        Assert.Equal(DecisionKind.ApprovedWithEdits, decision.Decision);
        Assert.Equal("Dear Ada, 95 EUR is on its way.", decision.ResponseText);
        Assert.Equal(template, decision.ResponseTemplate);
        Assert.Equal(Vars(("amount", "95 EUR"), ("customer_name", "Ada")), decision.ResponseVariables);
        Assert.Equal("""{"amount":"95 EUR"}""", changed.Action!.EditedVariablesJson);
    }

    [Fact]
    public void A_reject_releases_no_text_template_or_variables()
    {
        var c = HeldBy(Rita) with { SubmissionJson = SubmissionWith("Hi {{name}}", Vars(("name", "Ada"))) };

        var decision = DecisionOf(Changed(Rules.Act(c, Rita, Reject("MULTI_POLICY_CONFLICT"), null, Now)).Case);

        Assert.Null(decision.ResponseText);
        Assert.Null(decision.ResponseTemplate);
        Assert.Null(decision.ResponseVariables);
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("{{x}}")]
    [InlineData("")]
    public void An_edited_variable_with_a_name_outside_the_placeholder_grammar_is_refused(string name)
    {
        var errors = Rules.Validate(new ReviewActionRequest { Action = ReviewActionKind.ApproveWithEdits, EditedVariables = Vars((name, "v")) });

        Assert.Contains("$.editedVariables", errors.Keys);
    }

    [Fact]
    public void An_edited_variable_over_4096_characters_is_refused()
    {
        var errors = Rules.Validate(new ReviewActionRequest { Action = ReviewActionKind.ApproveWithEdits, EditedVariables = Vars(("name", new string('x', 4097))) });

        Assert.Contains("$.editedVariables.name", errors.Keys);
    }

    private static string SubmissionWith(string template, Dictionary<string, string> variables)
    {
        var s = JsonSerializer.Deserialize<CaseSubmission>(SubmissionJson, WorkbenchJson.Options)!;
        return JsonSerializer.Serialize(s with { Proposal = s.Proposal with { Response = new ResponseProposal(template, variables) } }, WorkbenchJson.Options);
    }
}
