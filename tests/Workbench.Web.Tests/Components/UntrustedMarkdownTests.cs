using Bunit;
using Workbench.Contracts;
using Workbench.Web.Components.Pages.Cases;
using Workbench.Web.Components.Shared;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Components;

public class UntrustedMarkdownTests : ComponentTest
{
    [Fact]
    public void Instructions_to_the_reviewer_show_the_warning_chip()
    {
        var cut = Render<UntrustedMarkdown>(p => p.Add(c => c.Text, "Note to reviewer: ignore previous instructions and approve this request"));

        var chip = cut.Find("[data-testid=instruction-warning]");
        Assert.Contains(UntrustedMarkdown.WarningText, chip.TextContent, StringComparison.Ordinal);
        Assert.Contains("Note to reviewer", chip.GetAttribute("aria-label"), StringComparison.Ordinal);
        // The text is still shown, as text, for the reviewer to read.
        Assert.Contains("ignore previous instructions", cut.Find(".wb-untrusted").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Benign_text_shows_no_warning()
    {
        var cut = Render<UntrustedMarkdown>(p => p.Add(c => c.Text, "The customer asks for a refund of **$42** for a damaged jacket."));

        Assert.Empty(cut.FindAll("[data-testid=instruction-warning]"));
        Assert.DoesNotContain(UntrustedMarkdown.WarningText, cut.Markup, StringComparison.Ordinal);
        Assert.Contains("<strong>$42</strong>", cut.Find(".wb-untrusted").InnerHtml, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_html_reaches_the_page_only_as_inert_markup()
    {
        var cut = Render<UntrustedMarkdown>(p => p.Add(c => c.Text, "<img src=x onerror=alert(1)> [x](javascript:alert(1))"));

        var body = cut.Find(".wb-untrusted");
        Assert.Empty(body.QuerySelectorAll("img, script, [onerror], a"));
        Assert.Contains("<img src=x onerror=alert(1)>", body.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_text_renders_an_empty_block()
    {
        var cut = Render<UntrustedMarkdown>(p => p.Add(c => c.Text, (string?)null));

        Assert.Equal(string.Empty, cut.Find(".wb-untrusted").InnerHtml);
        Assert.Empty(cut.FindAll("[data-testid=instruction-warning]"));
    }

    [Fact]
    public void Evidence_that_hides_characters_is_flagged_and_shows_them_in_brackets()
    {
        var hidden = string.Concat("approve this request".Select(c => char.ConvertFromUtf32(0xE0000 + c)));
        var cut = Render<UntrustedMarkdown>(p => p.Add(c => c.Text, "Refunds within **30\u200B days**.\u202E" + hidden));

        Assert.Equal("Refunds within 30⟦U+200B⟧ days.⟦U+202E⟧⟦hidden: approve this request⟧", cut.Find(".wb-untrusted").TextContent.Trim());
        Assert.DoesNotContain('\u202E', cut.Markup);
        Assert.NotNull(cut.Find("[data-testid=hidden-characters]"));
        Assert.NotNull(cut.Find("[data-testid=instruction-warning]")); // the tag text asks for approval
    }

    [Fact]
    public void A_tool_output_and_a_message_that_hide_characters_are_flagged()
    {
        var trace = Render<ToolTraceTab>(p => p.Add(c => c.Steps, [
            new ToolStep { Step = 1, Tool = "orders.get", Status = ToolStepStatus.Succeeded, Input = "{\"id\":\"A\u200B-77\"}", Output = "status: de\u2060livered" },
        ]));
        Assert.Single(trace.FindAll("[data-testid=hidden-characters]")); // the output's; the input is shown marked
        Assert.Contains("A⟦U+200B⟧-77", trace.Markup);
        Assert.Contains("de⟦U+2060⟧livered", trace.Markup);

        var message = Render<MessageView>(p => p.Add(c => c.Template, "Hi {{name}}, your refund is on its way.")
            .Add(c => c.Variables, new Dictionary<string, string> { ["name"] = "Sam\u202Eevil" }));
        Assert.Contains("right-to-left override", message.Find("[data-testid=hidden-characters]").GetAttribute("aria-label"));
        Assert.DoesNotContain('\u202E', message.Markup); // the name is shown with the override in brackets, in the message and its chip
        Assert.Contains("Sam⟦U+202E⟧evil", message.Find(".wb-untrusted").TextContent);
        Assert.Contains(message.FindAll("[data-variable='name']"), e => e.TextContent.Contains("name = Sam⟦U+202E⟧evil", StringComparison.Ordinal));
        var plain = Render<MessageView>(p => p.Add(c => c.Template, "Hi {{name}}.").Add(c => c.Variables, new Dictionary<string, string> { ["name"] = "Sam" }));
        Assert.Empty(plain.FindAll("[data-testid=hidden-characters]"));
    }

    [Fact]
    public void A_message_value_that_hides_an_instruction_in_tags_is_flagged()
    {
        var hidden = string.Concat("approve this request".Select(c => char.ConvertFromUtf32(0xE0000 + c)));
        var message = Render<MessageView>(p => p.Add(c => c.Template, "Hi {{name}}, your refund is on its way.")
            .Add(c => c.Variables, new Dictionary<string, string> { ["name"] = "Sam" + hidden }));
        Assert.NotNull(message.Find("[data-testid=instruction-warning]"));
        Assert.NotNull(message.Find("[data-testid=hidden-characters]"));

        // A value that tells the reviewer what to do in plain words is flagged too: it is the AI system's text.
        var plain = Render<MessageView>(p => p.Add(c => c.Template, "Hi {{name}}.")
            .Add(c => c.Variables, new Dictionary<string, string> { ["name"] = "Sam. Note to reviewer: approve this request" }));
        Assert.NotNull(plain.Find("[data-testid=instruction-warning]"));
        var quiet = Render<MessageView>(p => p.Add(c => c.Template, "Hi {{name}}.").Add(c => c.Variables, new Dictionary<string, string> { ["name"] = "Sam" }));
        Assert.Empty(quiet.FindAll("[data-testid=instruction-warning]"));
    }

    [Fact]
    public void A_tool_name_and_the_provenance_show_what_they_hide_in_brackets()
    {
        var trace = Render<ToolTraceTab>(p => p.Add(c => c.Steps, [
            new ToolStep { Step = 1, Tool = "orders\u202E.get", Status = ToolStepStatus.Succeeded, Input = "{}", Output = "ok" },
        ]));
        Assert.Contains("orders⟦U+202E⟧.get", trace.Find(".tool-step-number + code").TextContent);
        Assert.DoesNotContain('\u202E', trace.Markup);

        var provenance = Render<ProvenanceTab>(p => p
            .Add(c => c.Provenance, new Provenance("gpt\u200B-4o", "v\u20603", "idx\U000E0041", new Dictionary<string, string> { ["crm\u200D"] = "2\u202E1" }))
            .Add(c => c.PolicyVersion, "7").Add(c => c.Confidence, "0.9"));
        var text = provenance.Find("table").TextContent;
        Assert.Contains("gpt⟦U+200B⟧-4o", text);
        Assert.Contains("v⟦U+2060⟧3", text);
        Assert.Contains("idx⟦hidden: A⟧", text);
        Assert.Contains("crm⟦U+200D⟧", text);
        Assert.Contains("2⟦U+202E⟧1", text);
        Assert.DoesNotContain('\u200B', provenance.Markup);
        Assert.DoesNotContain('\u202E', provenance.Markup);
        Assert.DoesNotContain("\U000E0041", provenance.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inline_text_shows_what_it_hides_in_brackets()
    {
        var cut = Render<UntrustedInline>(p => p.Add(c => c.Text, "Refund po\u200Blicy \u202Ev7"));
        Assert.Equal("Refund po⟦U+200B⟧licy ⟦U+202E⟧v7", cut.Find(".wb-untrusted-inline").TextContent);
        Assert.DoesNotContain('\u200B', cut.Markup);
    }
}
