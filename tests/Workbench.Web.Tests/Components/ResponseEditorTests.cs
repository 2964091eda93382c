using Bunit;
using Workbench.Web.Components.Pages.Cases;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Components;

/// <summary>Approve with edits for the response: the template, a field per variable, the preview as it will be sent.</summary>
public sealed class ResponseEditorTests : ComponentTest
{
    [Fact]
    public void A_changed_variable_shows_in_the_preview_and_a_cleared_one_shows_as_missing()
    {
        var variables = new Dictionary<string, string> { ["name"] = "Dana", ["amount"] = "$12" };
        var cut = Render<ResponseEditor>(p => p.Add(x => x.Template, "Hi {{name}}, {{amount}} back.").Add(x => x.Variables, variables));

        Assert.Equal(2, cut.FindAll("[data-testid='edit-variables'] input").Count);
        Input(cut, "name").Input("Dana Roe");
        Input(cut, "amount").Input("");

        Assert.Equal(new Dictionary<string, string> { ["name"] = "Dana Roe" }, variables);
        var preview = cut.Find("[data-testid='edit-preview']");
        Assert.Equal("Hi Dana Roe, {{amount}} back.", preview.TextContent.Trim());
        Assert.Equal("amount", preview.QuerySelector("mark.wb-var-missing")!.GetAttribute("data-variable"));
    }

    [Fact]
    public void The_preview_shows_what_the_template_and_values_hide_in_brackets()
    {
        var variables = new Dictionary<string, string> { ["name"] = "Sam\u202Eevil" };
        var cut = Render<ResponseEditor>(p => p.Add(x => x.Template, "Hi {{name}}\u200B.").Add(x => x.Variables, variables));

        Assert.Equal("Hi Sam⟦U+202E⟧evil⟦U+200B⟧.", cut.Find("[data-testid='edit-preview']").TextContent.Trim());
        Assert.DoesNotContain('\u202E', cut.Find("[data-testid='edit-preview']").InnerHtml);
        Assert.Equal("Sam\u202Eevil", variables["name"]); // what is sent stays as it is
    }

    [Fact]
    public void A_diff_shows_what_either_side_hides_in_brackets()
    {
        var cut = Render<DiffView>(p => p.Add(x => x.Before, "Refund within 45 days.").Add(x => x.After, "Refund with\u200Bin 30 days."));
        Assert.DoesNotContain('\u200B', cut.Markup);
        Assert.Contains("⟦U+200B⟧", cut.Find(".diff-view").TextContent);
    }

    /// <summary>The input of a variable's field, wherever MudBlazor puts the field's attributes.</summary>
    private static AngleSharp.Dom.IElement Input(IRenderedComponent<ResponseEditor> cut, string name)
    {
        var field = cut.Find($"[data-variable='{name}']");
        return field.TagName == "INPUT" ? field : field.QuerySelector("input")!;
    }
}
