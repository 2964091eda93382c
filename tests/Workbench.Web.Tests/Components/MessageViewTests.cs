using System.Text.Json;
using Bunit;
using Workbench.Contracts;
using Workbench.Data.Entities;
using Workbench.Web.Components.Pages.Cases;
using Workbench.Web.Review;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Components;

/// <summary>The proposal as the customer will read it, the toggle to its template, and the edit form's variables.</summary>
public sealed class MessageViewTests : ComponentTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static CaseDetail Detail(string body, Dictionary<string, string>? variables, Action<CaseRecord>? change = null)
    {
        var s = TestCases.Submission() with { Proposal = TestCases.Submission().Proposal with { Response = new ResponseProposal(body, variables) } };
        var record = TestCases.FullRecord(Guid.NewGuid(), Now);
        record.Status = CaseStatus.Queued;
        record.SubmissionJson = JsonSerializer.Serialize(s, WorkbenchJson.Options);
        change?.Invoke(record);
        return new CaseDetail(record, s, record.Evaluation, [], [], []);
    }

    [Fact]
    public void The_proposal_shows_the_filled_message_by_default_and_the_template_on_the_toggle()
    {
        var cut = Render<ProposalPanel>(p => p.Add(x => x.Detail, Detail("Hi **{{name}}**, your refund of {{amount}} is on its way.",
            new Dictionary<string, string> { ["name"] = "Dana", ["amount"] = "$12.50" })));

        var view = cut.Find("[data-testid='proposal-response']");
        Assert.Equal("message", view.GetAttribute("data-view"));
        var body = cut.Find(".wb-untrusted");
        Assert.Equal("Hi Dana, your refund of $12.50 is on its way.", body.TextContent.Trim());
        Assert.Equal(["name", "amount"], body.QuerySelectorAll("mark.wb-var").Select(m => m.GetAttribute("data-variable")));
        Assert.NotNull(body.QuerySelector("strong > mark[data-variable='name']")); // the template's Markdown still applies around a value
        Assert.Empty(cut.FindAll("[data-testid='missing-variables']"));

        cut.Find("[data-testid='template-toggle']").Click();

        Assert.Equal("template", cut.Find("[data-testid='proposal-response']").GetAttribute("data-view"));
        Assert.Equal("Hi {{name}}, your refund of {{amount}} is on its way.", cut.Find(".wb-untrusted").TextContent.Trim());
        Assert.Equal("true", cut.Find("[data-testid='template-toggle']").GetAttribute("aria-pressed"));

        cut.Find("[data-testid='template-toggle']").Click();
        Assert.Equal("message", cut.Find("[data-testid='proposal-response']").GetAttribute("data-view"));
    }

    [Fact]
    public void A_missing_variable_stays_visible_as_its_placeholder_and_is_named_in_a_warning()
    {
        var cut = Render<ProposalPanel>(p => p.Add(x => x.Detail, Detail("Order {{order_id}} for {{name}}.", new Dictionary<string, string> { ["name"] = "Dana" })));

        var missing = cut.Find("mark.wb-var-missing");
        Assert.Equal(("order_id", "{{order_id}}"), (missing.GetAttribute("data-variable"), missing.TextContent));
        Assert.Contains("No value for {{order_id}}", cut.Find("[data-testid='missing-variables']").TextContent);
    }

    [Fact]
    public void A_hostile_value_shows_as_text_never_as_markup_markdown_or_a_placeholder()
    {
        var cut = Render<ProposalPanel>(p => p.Add(x => x.Detail, Detail("Hi {{name}}, see [the policy](https://example.com/{{name}}).",
            new Dictionary<string, string> { ["name"] = "<script>alert(1)</script> **bold** [x](javascript:alert(1)) {{secret}}", ["secret"] = "s3cr3t" })));

        var body = cut.Find(".wb-untrusted");
        Assert.Empty(body.QuerySelectorAll("script"));
        Assert.Empty(body.QuerySelectorAll("mark strong"));
        Assert.DoesNotContain("s3cr3t", body.TextContent);
        Assert.DoesNotContain("javascript:", string.Join(" ", body.QuerySelectorAll("a").Select(a => a.GetAttribute("href"))));
        Assert.Equal("<script>alert(1)</script> **bold** [x](javascript:alert(1)) {{secret}}", body.QuerySelector("mark[data-variable='name']")!.TextContent);
        // In a link's URL the placeholder stays as written: a value never becomes part of an address.
        var href = body.QuerySelector("a")!.GetAttribute("href")!;
        Assert.StartsWith("https://example.com/", href);
        Assert.Contains("name", href);
        Assert.DoesNotContain("alert", href);
    }

    [Fact]
    public void A_round_edited_by_a_reviewer_shows_his_template_and_variables()
    {
        var cut = Render<ProposalPanel>(p => p.Add(x => x.Detail, Detail("Hi {{name}}.", new Dictionary<string, string> { ["name"] = "Dana" }, c =>
        {
            c.EditedResponse = "Hello {{name}}, sorry for the wait.";
            c.EditedVariablesJson = """{"name":"Dana Roe"}""";
            c.EditedBy = "mia";
        })));

        Assert.Contains("mia edited the response", cut.Find("[data-testid='edited-in-round']").TextContent);
        Assert.Equal("Hello Dana Roe, sorry for the wait.", cut.Find("[data-testid='proposal-edited'] .wb-untrusted").TextContent.Trim());
    }

    [Fact]
    public void The_action_s_parameters_and_the_case_id_show_what_they_hide_in_brackets()
    {
        var s = TestCases.Submission();
        s = s with
        {
            Proposal = s.Proposal with
            {
                Action = new ActionProposal("payments.issue_refund", new Dictionary<string, JsonElement>
                {
                    ["orderId"] = JsonSerializer.SerializeToElement("A-10\u202E24"), ["amount"] = JsonSerializer.SerializeToElement(120.5),
                }, Reversible: false),
            },
        };
        var record = TestCases.FullRecord(Guid.NewGuid(), Now);
        record.Status = CaseStatus.Queued;
        record.SubmissionJson = JsonSerializer.Serialize(s, WorkbenchJson.Options);
        var cut = Render<ProposalPanel>(p => p.Add(x => x.Detail, new CaseDetail(record, s, record.Evaluation, [], [], [])));

        Assert.Contains("A-10⟦U+202E⟧24", cut.Markup);
        Assert.DoesNotContain('\u202E', cut.Markup);

        var id = Render<Workbench.Web.Components.Shared.IdText>(p => p.Add(x => x.Value, "ext-\u200B0000000000000000042"));
        Assert.Equal("ext-⟦U+200B⟧0000000000000000042", id.Find(".wb-id-head").TextContent + id.Find(".wb-id-tail").TextContent);
        var link = Render<Workbench.Web.Components.Shared.SafeLink>(p => p.Add(x => x.Url, "https://kb.example/\u202Efdp.exe"));
        Assert.Equal("https://kb.example/⟦U+202E⟧fdp.exe", link.Find("a").TextContent);
    }
}
