using Workbench.Web.Rendering;

namespace Workbench.Web.Tests.Rendering;

public class TemplateVariableTests
{
    [Fact]
    public void Placeholders_are_highlighted_with_their_value_in_the_tooltip()
    {
        var html = SafeMarkdown.ToMarkupWithVariables("Hi {{customer_name}}, we refund **{{ refund_amount }}**.",
            new Dictionary<string, string> { ["customer_name"] = "Tomasz", ["refund_amount"] = "$387.02" }).Value;
        Assert.Contains("<mark class=\"wb-var\" title=\"customer_name = Tomasz\" data-variable=\"customer_name\">{{customer_name}}</mark>", html);
        Assert.Contains("data-variable=\"refund_amount\"", html);
        Assert.Contains("<strong>", html);
    }

    [Fact]
    public void A_hostile_variable_value_stays_text_inside_the_tooltip()
    {
        var html = SafeMarkdown.ToMarkupWithVariables("Dear {{name}}",
            new Dictionary<string, string> { ["name"] = "\"><script>alert(1)</script>" }).Value;
        Assert.DoesNotContain("<script", html);
        Assert.Contains("&quot;&gt;&lt;script&gt;", html);
    }

    [Fact]
    public void Only_name_characters_make_a_placeholder()
    {
        var html = SafeMarkdown.ToMarkupWithVariables("{{a<b}} and {{ }} and {{ok}}", null).Value;
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<mark "));
        Assert.Contains("ok (no value given)", html);
    }

    [Fact]
    public void A_placeholder_inside_an_attribute_is_left_alone()
    {
        var html = SafeMarkdown.ToMarkupWithVariables("[t](https://x.example \"{{a}}\") and\n\n```{{b}}\ncode\n```", null).Value;
        Assert.DoesNotContain("=\"<mark", html);
        Assert.DoesNotContain("\"{{a}}<", html);
        Assert.Contains("rel=\"noopener noreferrer nofollow\"", html);
        Assert.Empty(System.Text.RegularExpressions.Regex.Matches(html, "<mark[^>]*>\\{\\{[ab]\\}\\}</mark>"));
    }
}
