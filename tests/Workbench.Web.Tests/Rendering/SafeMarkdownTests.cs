using System.Net;
using System.Text.RegularExpressions;
using Workbench.Web.Rendering;

namespace Workbench.Web.Tests.Rendering;

public partial class SafeMarkdownTests
{
    // Every vector is untrusted Markdown as a model or an evidence source might send it.
    public static TheoryData<string> XssCorpus => new()
    {
        // Raw HTML.
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=javascript&#58;alert(1)>x</a>",
        "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<p style=\"position:fixed;top:0;left:0;width:100%;height:100%\">overlay</p>",
        "<style>body{display:none}</style>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<details open ontoggle=alert(1)>",
        "<math><mtext><script>alert(1)</script></mtext></math>",
        "<!-- comment --><script>alert(1)</script>",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<x onclick=alert(1)>unknown tag</x>",
        "<div>**markdown inside html**</div>",
        "<form action=https://evil.example><input name=q><button>go</button></form>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"https://evil.example/\">",
        "<link rel=stylesheet href=https://evil.example/x.css>",
        // Inline links with dangerous schemes and encodings.
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](java&#x09;script:alert(1))",
        "[x](java&#9;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](%6Aavascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](java\u200Bscript:alert(1))",
        "[x](\u0000javascript:alert(1))",
        "[x](\u0001javascript:alert(1))",
        "[x](javascript：alert(1))",
        "[x](javascript:alert(1) \"title\")",
        "[x](vbscript:msgbox(1))",
        "[x](VBScript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](data:image/svg+xml,<svg onload=alert(1)>)",
        "[x](file:///etc/passwd)",
        "[x](//evil.example/steal)",
        "[x](/cases/123/approve)",
        "[x](https://example.com \"t\\\" onmouseover=\\\"alert(1)\")",
        "[x](https://example.com/\"><script>alert(1)</script>)",
        // Reference-style links and definitions.
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "[ref]\n\n[ref]: javascript:alert(1)",
        "[x][]\n\n[x]: data:text/html,<script>alert(1)</script>",
        "[x][r]\n\n[r]: <vbscript:msgbox(1)> \"title\"",
        // Autolinks.
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "<vbscript:msgbox(1)>",
        "<data:text/html,alert(1)>",
        "<https://example.com/\"onmouseover=\"alert(1)>",
        "javascript:alert(1)",
        "www.example.com/\"onmouseover=\"alert(1)",
        // Images.
        "![x](javascript:alert(1))",
        "![x](https://evil.example/pixel.gif?case=123)",
        "![x\" onerror=\"alert(1)](https://x.example/a.png)",
        "![x][img]\n\n[img]: https://evil.example/p.png",
        "[![x](https://evil.example/p.png)](javascript:alert(1))",
        // Nesting and placement.
        "[[x](javascript:alert(1))](https://ok.example)",
        "[<img src=x onerror=alert(1)>](https://ok.example)",
        "```html\" onload=\"alert(1)\n<script>alert(1)</script>\n```",
        "`<script>alert(1)</script>`",
        "| a |\n|---|\n| <script>alert(1)</script> |",
        "- [ ] <img src=x onerror=alert(1)>",
        "> <script>alert(1)</script>",
        "# <svg onload=alert(1)>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "\uFF1Cscript\uFF1Ealert(1)\uFF1C/script\uFF1E",
        "<scr<script>ipt>alert(1)</script>",
        // Dangerous links in every block and inline container.
        "| a |\n|---|\n| [x](javascript:alert(1)) |",
        "# [x](javascript:alert(1))",
        "- [ ] [x](javascript:alert(1))",
        "> - **[x](vbscript:msgbox(1))**",
        "~~[x](data:text/html,x)~~",
        "1. <javascript:alert(1)>",
    };

    private static readonly HashSet<string> AllowedTags =
    [
        "p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "del", "input", "span",
    ];

    [GeneratedRegex("""\G<(?<close>/?)(?<name>[a-z][a-z0-9]*)(?<attrs>(?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*/?>""")]
    private static partial Regex TagAt();

    [GeneratedRegex("""\s+(?<name>[a-z-]+)(?:="(?<value>[^"]*)")?""")]
    private static partial Regex Attribute();

    /// <summary>
    /// Reads the output as a tokenizer would: every '&lt;' must open a tag from the safe list, with only the attributes
    /// Markdig emits for it, hrefs only with an allowed scheme, no event handlers, no src, no style but table alignment.
    /// </summary>
    private static void AssertInert(string html)
    {
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(html, c => char.IsControl(c) && c is not ('\n' or '\t'));
        var index = 0;
        while (index < html.Length)
        {
            var open = html.IndexOf('<', index);
            var textEnd = open < 0 ? html.Length : open;
            Assert.DoesNotContain(">", html[index..textEnd], StringComparison.Ordinal);
            if (open < 0)
            {
                break;
            }
            var match = TagAt().Match(html, open);
            Assert.True(match.Success, $"'<' that opens no safe tag at {open}: {html[open..Math.Min(html.Length, open + 40)]}");
            var name = match.Groups["name"].Value;
            Assert.Contains(name, AllowedTags);
            foreach (Match attribute in Attribute().Matches(match.Groups["attrs"].Value))
            {
                AssertAllowedAttribute(name, attribute.Groups["name"].Value, WebUtility.HtmlDecode(attribute.Groups["value"].Value));
            }
            index = open + match.Length;
        }
    }

    private static void AssertAllowedAttribute(string tag, string name, string value)
    {
        Assert.False(name.StartsWith("on", StringComparison.Ordinal), $"event handler {name} on <{tag}>");
        switch (tag, name)
        {
            case ("a", "href"):
                Assert.True(
                    value.StartsWith("https://", StringComparison.Ordinal) || value.StartsWith("http://", StringComparison.Ordinal) || value.StartsWith("mailto:", StringComparison.Ordinal),
                    $"href {value}");
                Assert.DoesNotMatch("(?i)(javascript|vbscript|data):", value.Split(':', 2)[0] + ":");
                break;
            case ("a", "rel"):
                Assert.Equal("noopener noreferrer nofollow", value);
                break;
            case ("a", "target"):
                Assert.Equal("_blank", value);
                break;
            case ("a", "title"):
                break;
            case ("input", "type"):
                Assert.Equal("checkbox", value);
                break;
            case ("input", "disabled" or "checked"):
                break;
            case ("code", "class"):
                Assert.StartsWith("language-", value, StringComparison.Ordinal);
                break;
            case ("li" or "ul", "class"):
                Assert.Contains(value, new[] { "task-list-item", "contains-task-list" });
                break;
            case ("ol", "start"):
                Assert.Matches("^[0-9]+$", value);
                break;
            case ("th" or "td", "style"):
                Assert.Matches("^text-align: (left|right|center);$", value);
                break;
            default:
                Assert.Fail($"attribute {name}=\"{value}\" on <{tag}>");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(XssCorpus))]
    public void Untrusted_markdown_renders_inert(string markdown)
    {
        var html = SafeMarkdown.ToHtml(markdown);
        AssertInert(html);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_corpus_is_large_enough() => Assert.True(XssCorpus.Count >= 40, $"{XssCorpus.Count} vectors");

    [Theory]
    [MemberData(nameof(XssCorpus))]
    public void Plain_text_of_the_corpus_creates_no_links(string markdown)
    {
        // Plain text is shown through Razor's encoding, so raw tags in it are harmless text; it must only not add links.
        Assert.DoesNotContain(SafeMarkdown.LinkRel, SafeMarkdown.ToPlainText(markdown), StringComparison.Ordinal);
    }

    [Fact]
    public void Dangerous_link_keeps_its_text_and_loses_its_link()
    {
        Assert.Equal("<p>click me</p>\n", SafeMarkdown.ToHtml("[click me](javascript:alert(1))"));
        Assert.Equal("<p>see <em>docs</em></p>\n", SafeMarkdown.ToHtml("see [*docs*][d]\n\n[d]: vbscript:x"));
        Assert.Equal("<p>javascript:alert(1)</p>\n", SafeMarkdown.ToHtml("<javascript:alert(1)>"));
    }

    [Fact]
    public void Raw_html_shows_as_text()
    {
        Assert.Equal("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n", SafeMarkdown.ToHtml("<script>alert(1)</script>"));
        Assert.Equal("<p>&lt;b&gt;bold&lt;/b&gt;</p>\n", SafeMarkdown.ToHtml("<b>bold</b>"));
    }

    [Fact]
    public void Https_link_keeps_its_href_with_rel_and_target()
    {
        Assert.Equal(
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">docs</a></p>\n",
            SafeMarkdown.ToHtml("[docs](https://example.com/a?b=1&c=2)"));
        Assert.Contains("<a href=\"http://example.com\" title=\"Example\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">",
            SafeMarkdown.ToHtml("[x](http://example.com \"Example\")"), StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.com/ref\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">ref</a>",
            SafeMarkdown.ToHtml("[ref]\n\n[ref]: https://example.com/ref"), StringComparison.Ordinal);
    }

    [Fact]
    public void Autolinks_become_safe_links()
    {
        Assert.Equal(
            "<p><a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">https://example.com</a></p>\n",
            SafeMarkdown.ToHtml("<https://example.com>"));
        Assert.Contains("<a href=\"https://example.com/x\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">https://example.com/x</a>",
            SafeMarkdown.ToHtml("see https://example.com/x now"), StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://www.example.com\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">www.example.com</a>",
            SafeMarkdown.ToHtml("see www.example.com now"), StringComparison.Ordinal);
        Assert.DoesNotContain("<a", SafeMarkdown.ToHtml("ftp://files.example.com/x"), StringComparison.Ordinal);
    }

    [Fact]
    public void Mailto_is_allowed()
    {
        Assert.Contains("<a href=\"mailto:help@example.com\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">mail us</a>",
            SafeMarkdown.ToHtml("[mail us](mailto:help@example.com)"), StringComparison.Ordinal);
        Assert.Contains("<a href=\"mailto:help@example.com\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">help@example.com</a>",
            SafeMarkdown.ToHtml("<help@example.com>"), StringComparison.Ordinal);
    }

    [Fact]
    public void Images_are_not_loaded_but_shown_as_text_with_their_url()
    {
        Assert.Equal("<p>[image: tracking pixel] (https://evil.example/p.gif?case=123)</p>\n",
            SafeMarkdown.ToHtml("![tracking *pixel*](https://evil.example/p.gif?case=123)"));
        Assert.Equal("<p>[image: logo] (javascript:alert(1))</p>\n", SafeMarkdown.ToHtml("![logo](javascript:alert(1))"));
        Assert.Equal(
            "<p><a href=\"https://ok.example\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">[image: badge] (https://img.example/b.svg)</a></p>\n",
            SafeMarkdown.ToHtml("[![badge](https://img.example/b.svg)](https://ok.example)"));
    }

    [Fact]
    public void Headings_lists_tables_code_tasks_and_strikethrough_render()
    {
        var html = SafeMarkdown.ToHtml(
            "# Refund\n\n## Steps\n\n1. one\n2. two\n\n- a\n- b\n\n| item | amount |\n|:-----|-------:|\n| jacket | 42 |\n\n"
            + "```json\n{\"a\": 1}\n```\n\n- [x] done\n- [ ] open\n\n~~old~~ **new** _why_ `x<y`\n\n> quoted\n\n---\n");
        AssertInert(html);
        Assert.Contains("<h1>Refund</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<h2>Steps</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<ol>", html, StringComparison.Ordinal);
        Assert.Contains("<li>two</li>", html, StringComparison.Ordinal);
        Assert.Contains("<ul>", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.Contains(">jacket</td>", html, StringComparison.Ordinal);
        Assert.Contains("<pre><code class=\"language-json\">{&quot;a&quot;: 1}", html, StringComparison.Ordinal);
        Assert.Contains("type=\"checkbox\"", html, StringComparison.Ordinal);
        Assert.Contains("<del>old</del>", html, StringComparison.Ordinal);
        Assert.Contains("<strong>new</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<em>why</em>", html, StringComparison.Ordinal);
        Assert.Contains("<code>x&lt;y</code>", html, StringComparison.Ordinal);
        Assert.Contains("<blockquote>", html, StringComparison.Ordinal);
        Assert.Contains("<hr />", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" id=", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Extensions_outside_the_safe_set_stay_text()
    {
        // Generic attributes, media embeds and footnotes are not enabled.
        var html = SafeMarkdown.ToHtml("# Title {onclick=alert(1) #main}\n\n![video](https://www.youtube.com/watch?v=x)\n\n==mark== ^sup^");
        AssertInert(html);
        Assert.DoesNotContain("iframe", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<mark", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_null_render_nothing()
    {
        Assert.Equal(string.Empty, SafeMarkdown.ToHtml(null));
        Assert.Equal(string.Empty, SafeMarkdown.ToHtml(""));
        Assert.Equal(string.Empty, SafeMarkdown.ToMarkup(null).Value);
        Assert.Equal(string.Empty, SafeMarkdown.ToPlainText(null));
    }

    [Fact]
    public void Control_characters_become_replacement_characters()
    {
        Assert.Equal("<p>a\uFFFDb\uFFFD[31mred</p>\n", SafeMarkdown.ToHtml("a\u0008b\u001B[31mred"));
        Assert.Equal("<pre><code>a\tb\n</code></pre>\n", SafeMarkdown.ToHtml("    a\tb"));
    }

    [Fact]
    public void Markup_is_the_same_inert_html()
    {
        const string markdown = "**hi** <script>x</script> [a](javascript:x)";
        Assert.Equal(SafeMarkdown.ToHtml(markdown), SafeMarkdown.ToMarkup(markdown).Value);
    }

    [Fact]
    public void Plain_text_drops_syntax_and_collapses_whitespace()
    {
        Assert.Equal(
            "Refund Approve the bold amount via portal and [image: receipt] (https://img.example/r.png) x",
            SafeMarkdown.ToPlainText("# Refund\n\nApprove the **bold** amount\nvia [portal](https://example.com) and ![receipt](https://img.example/r.png)\n\n- x"));
        // Plain text is not HTML: Razor encodes it when it is shown.
        Assert.Equal("<script>alert(1)</script>", SafeMarkdown.ToPlainText("<script>alert(1)</script>"));
    }

    [Theory]
    [InlineData("https://example.com", true)]
    [InlineData("HTTPS://EXAMPLE.COM", true)]
    [InlineData("http://example.com/a b", true)]
    [InlineData("mailto:a@example.com", true)]
    [InlineData("  https://example.com", true)]
    [InlineData("https://", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("JaVaScRiPt:alert(1)", false)]
    [InlineData(" javascript:alert(1)", false)]
    [InlineData("\u0000javascript:alert(1)", false)]
    [InlineData("java\tscript:alert(1)", false)]
    [InlineData("java&#x09;script:alert(1)", false)]
    [InlineData("%6Aavascript:alert(1)", false)]
    [InlineData("data:text/html,x", false)]
    [InlineData("vbscript:x", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("ftp://example.com", false)]
    [InlineData("//evil.example", false)]
    [InlineData("/relative", false)]
    [InlineData("#fragment", false)]
    [InlineData("ht\ttps://example.com", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Url_allow_list(string? url, bool allowed) => Assert.Equal(allowed, SafeMarkdown.IsAllowedUrl(url));

    [Fact]
    public void Text_over_the_length_limit_is_shown_as_escaped_preformatted_text()
    {
        var markdown = string.Concat(Enumerable.Repeat("[x](javascript:alert(1)) **b** <i>t</i>\n", 4_000));
        Assert.True(markdown.Length > SafeMarkdown.MaxMarkdownLength);
        var html = SafeMarkdown.ToHtml(markdown);
        AssertInert(html);
        Assert.StartsWith("<pre>[x](javascript:alert(1)) **b** &lt;i&gt;t&lt;/i&gt;\n", html, StringComparison.Ordinal);
        Assert.StartsWith("[x](javascript:alert(1)) **b** <i>t</i> [x]", SafeMarkdown.ToPlainText(markdown), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(">", 5_000)]
    [InlineData("[", 50_000)]
    [InlineData("*a ", 20_000)]
    [InlineData("- ", 5_000)]
    public void Pathological_nesting_renders_inert_without_throwing(string unit, int count)
    {
        var markdown = string.Concat(Enumerable.Repeat(unit, count)) + "<script>alert(1)</script>";
        AssertInert(SafeMarkdown.ToHtml(markdown));
        Assert.NotNull(SafeMarkdown.ToPlainText(markdown));
    }
}
