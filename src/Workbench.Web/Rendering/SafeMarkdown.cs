// Over 400 lines on purpose: the sanitizer is one allow-list, and every rule of it (links, images, raw HTML, the
// replaced renderers) is read together when it is reviewed; split across files, a rule is easy to miss.
using System.Net;
using System.Text;
using Markdig;
using Markdig.Extensions.AutoLinks;
using Markdig.Extensions.EmphasisExtras;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Microsoft.AspNetCore.Components;

namespace Workbench.Web.Rendering;

/// <summary>
/// Renders untrusted Markdown (the request, the model's proposal, evidence snippets) to inert HTML, and is the only
/// place in the app that turns model text into a <see cref="MarkupString"/>. Everything else shows model text as
/// text (Razor encodes it).
/// <list type="bullet">
/// <item>Raw HTML is off (<c>DisableHtml()</c>): tags in the text render as visible text.</item>
/// <item>Links and autolinks are checked on the syntax tree: only absolute <c>https:</c>, <c>http:</c> and
/// <c>mailto:</c> URLs stay links, with <c>rel="noopener noreferrer nofollow"</c> and <c>target="_blank"</c>;
/// anything else (javascript:, data:, vbscript:, file:, relative and protocol-relative URLs) becomes its plain text.
/// <c>DisableHtml()</c> alone lets <c>[x](javascript:…)</c> and <c>&lt;javascript:…&gt;</c> through.</item>
/// <item>Images are never loaded: a remote image in model output or evidence is a tracking pixel or an exfiltration
/// channel (its URL can carry case data to a third party the moment the reviewer opens the case). They render as the
/// text "[image: alt]" followed by the URL as text.</item>
/// <item>Only a few extensions: pipe tables, strikethrough, task lists, autolinks. Not <c>UseAdvancedExtensions()</c>:
/// generic attributes would let the text set <c>onclick</c> or <c>style</c>, auto-identifiers would let it set
/// element ids (DOM clobbering), media links would embed iframes.</item>
/// </list>
/// The renderers for links, autolinks and raw HTML are replaced as well, so that a node the tree walk missed still
/// renders inert (fail closed).
/// </summary>
public static partial class SafeMarkdown
{
    public const string LinkRel = "noopener noreferrer nofollow";

    private static readonly string[] AllowedPrefixes = ["https://", "http://", "mailto:"];

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras(EmphasisExtraOptions.Strikethrough)
        .UseTaskLists()
        .UseAutoLinks(new AutoLinkOptions { UseHttpsForWWWLinks = true })
        .DisableHtml()
        .Build();

    /// <summary>
    /// Longer text is shown as escaped preformatted text, unparsed, because Markdown parsing cost grows with the
    /// input. The intake limits (request 32 KiB, response body 64 KiB, snippet 8 KiB, in UTF-8 bytes) keep every
    /// accepted text within it.
    /// </summary>
    public const int MaxMarkdownLength = 64 * 1024;

    public static string ToHtml(string? markdown)
    {
        if (string.IsNullOrEmpty(markdown))
        {
            return string.Empty;
        }
        markdown = ReplaceControlCharacters(markdown);
        var document = TryParse(markdown);
        if (document is null)
        {
            return "<pre>" + WebUtility.HtmlEncode(markdown) + "</pre>\n";
        }
        using var writer = new StringWriter();
        var renderer = CreateRenderer(writer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>The one way model text becomes markup on a page.</summary>
    public static MarkupString ToMarkup(string? markdown) => new(ToHtml(markdown));

    /// <summary>
    /// As <see cref="ToMarkup"/>, with each template placeholder (<c>{{name}}</c>) of the proposal highlighted and its
    /// value in the tooltip. The placeholder pattern admits only name characters, so the wrapping never touches
    /// markup from the text; the value is HTML-encoded.
    /// </summary>
    public static MarkupString ToMarkupWithVariables(string? markdown, IReadOnlyDictionary<string, string>? variables)
    {
        var html = ToHtml(markdown);
        // Only text between tags is touched: a placeholder inside an attribute (a link title, a code block's
        // language) stays as it is, so no attribute is ever broken open.
        var result = TextBetweenTags().Replace(html, text => Placeholder().Replace(text.Value, m =>
        {
            var name = m.Groups[1].Value;
            var title = variables is not null && variables.TryGetValue(name, out var value)
                ? $"{name} = {System.Net.WebUtility.HtmlEncode(value)}"
                : $"{name} (no value given)";
            return $"<mark class=\"wb-var\" title=\"{title}\" data-variable=\"{name}\">{m.Value}</mark>";
        }));
        return new MarkupString(result);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=^|>)[^<]+")]
    private static partial System.Text.RegularExpressions.Regex TextBetweenTags();

    [System.Text.RegularExpressions.GeneratedRegex(Workbench.Core.Review.MessageTemplate.PlaceholderPattern)]
    private static partial System.Text.RegularExpressions.Regex Placeholder();

    /// <summary>
    /// The text without Markdown syntax, whitespace collapsed, for previews and list rows. It is plain text, not HTML:
    /// show it with Razor's normal encoding, never as markup.
    /// </summary>
    public static string ToPlainText(string? markdown)
    {
        if (string.IsNullOrEmpty(markdown))
        {
            return string.Empty;
        }
        markdown = ReplaceControlCharacters(markdown);
        var document = TryParse(markdown);
        if (document is null)
        {
            return CollapseWhitespace(markdown);
        }
        using var writer = new StringWriter();
        var renderer = CreateRenderer(writer);
        renderer.EnableHtmlForBlock = false;
        renderer.EnableHtmlForInline = false;
        renderer.EnableHtmlEscape = false;
        renderer.Render(document);
        writer.Flush();
        return CollapseWhitespace(writer.ToString());
    }

    /// <summary>
    /// Whether a URL may become an href: it starts (after the leading spaces and control characters a browser
    /// ignores) with https://, http:// or mailto:, case-insensitively, and its decoded form does too — so
    /// "java&amp;#x09;script:", "%6Aavascript:", " javascript:" and "\0javascript:" are all refused.
    /// </summary>
    public static bool IsAllowedUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return false;
        }
        return HasAllowedPrefix(url.TrimStart(BrowserIgnored)) && HasAllowedPrefix(Canonical(url));
    }

    private static bool HasAllowedPrefix(string url)
    {
        foreach (var prefix in AllowedPrefixes)
        {
            if (url.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && url.Length > prefix.Length)
            {
                return true;
            }
        }
        return false;
    }

    // C0 controls and space: what the URL standard strips from both ends.
    private static readonly char[] BrowserIgnored = Enumerable.Range(0, 0x21).Select(i => (char)i).ToArray();

    /// <summary>Entity- and percent-decoded (repeatedly), with every control, format and whitespace character removed.</summary>
    internal static string Canonical(string url)
    {
        var current = url;
        for (var i = 0; i < 4; i++)
        {
            var decoded = WebUtility.HtmlDecode(current);
            try
            {
                decoded = Uri.UnescapeDataString(decoded);
            }
            catch (UriFormatException)
            {
                // Leave a malformed escape as it is; the prefix check still applies to the raw form.
            }
            if (decoded == current)
            {
                break;
            }
            current = decoded;
        }
        var sb = new StringBuilder(current.Length);
        foreach (var c in current)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
            {
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Control characters other than tab and line breaks become U+FFFD, as Markdig already does for NUL: they have no
    /// business in a page and some (ESC, backspace) are used to hide or overwrite text where it is copied to.
    /// </summary>
    private static string ReplaceControlCharacters(string text)
    {
        if (!text.Any(IsUnwantedControl))
        {
            return text;
        }
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = IsUnwantedControl(source[i]) ? '\uFFFD' : source[i];
            }
        });
    }

    private static bool IsUnwantedControl(char c) => char.IsControl(c) && c is not ('\t' or '\n' or '\r');

    /// <summary>The sanitized syntax tree, or null when the text is too long or too deeply nested to parse.</summary>
    private static MarkdownDocument? TryParse(string markdown)
    {
        if (markdown.Length > MaxMarkdownLength)
        {
            return null;
        }
        MarkdownDocument document;
        try
        {
            document = Markdown.Parse(markdown, Pipeline);
        }
        catch (ArgumentException)
        {
            // Markdig refuses input nested past its depth limit; such text is shown as text.
            return null;
        }
        Sanitize(document);
        return document;
    }

    private static HtmlRenderer CreateRenderer(TextWriter writer)
    {
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<LinkInlineRenderer>(new InertLinkRenderer());
        renderer.ObjectRenderers.Replace<AutolinkInlineRenderer>(new AutolinkAsTextRenderer());
        renderer.ObjectRenderers.Replace<HtmlInlineRenderer>(new HtmlInlineAsTextRenderer());
        renderer.ObjectRenderers.Replace<HtmlBlockRenderer>(new HtmlBlockAsTextRenderer());
        return renderer;
    }

    /// <summary>The allow-list, applied to the syntax tree: every link, autolink, image and reference definition.</summary>
    private static void Sanitize(MarkdownDocument document)
    {
        foreach (var definition in document.Descendants<LinkReferenceDefinition>().ToList())
        {
            // Not rendered, and already copied into the links that use them; cleared so nothing can pick them up later.
            if (!IsAllowedUrl(definition.Url))
            {
                definition.Url = null;
            }
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            var url = autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url;
            Inline replacement = new LiteralInline(autolink.Url);
            if (IsAllowedUrl(url))
            {
                var link = new LinkInline(url, string.Empty) { IsAutoLink = true };
                link.AppendChild(new LiteralInline(autolink.Url));
                replacement = link;
            }
            autolink.ReplaceBy(replacement, copyChildren: false);
        }

        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            var url = link.GetDynamicUrl?.Invoke() ?? link.Url;
            link.GetDynamicUrl = null;
            if (link.IsImage)
            {
                var alt = PlainText(link);
                var text = string.IsNullOrWhiteSpace(url) ? $"[image: {alt}]" : $"[image: {alt}] ({url.Trim()})";
                link.ReplaceBy(new LiteralInline(text), copyChildren: false);
            }
            else if (IsAllowedUrl(url))
            {
                link.Url = url;
            }
            else
            {
                Unwrap(link);
            }
        }
    }

    /// <summary>Replaces a link by its children: the link text stays, the link goes.</summary>
    private static void Unwrap(ContainerInline link)
    {
        var child = link.FirstChild;
        while (child is not null)
        {
            var next = child.NextSibling;
            child.Remove();
            link.InsertBefore(child);
            child = next;
        }
        link.Remove();
    }

    private static string PlainText(ContainerInline container)
    {
        var sb = new StringBuilder();
        foreach (var inline in container.Descendants<Inline>())
        {
            switch (inline)
            {
                case LiteralInline literal:
                    sb.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    sb.Append(code.Content);
                    break;
                case AutolinkInline autolink:
                    sb.Append(autolink.Url);
                    break;
            }
        }
        return sb.ToString();
    }

    private static string CollapseWhitespace(string text)
    {
        var sb = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Links that survived the tree walk; checked again here, so an unchecked node still renders inert.</summary>
    private sealed class InertLinkRenderer : HtmlObjectRenderer<LinkInline>
    {
        protected override void Write(HtmlRenderer renderer, LinkInline link)
        {
            var url = link.GetDynamicUrl?.Invoke() ?? link.Url;
            var asLink = !link.IsImage && IsAllowedUrl(url) && renderer.EnableHtmlForInline;
            if (asLink)
            {
                renderer.Write("<a href=\"").WriteEscapeUrl(url).Write('"');
                if (!string.IsNullOrEmpty(link.Title))
                {
                    renderer.Write(" title=\"").WriteEscape(link.Title).Write('"');
                }
                renderer.Write(" rel=\"").Write(LinkRel).Write("\" target=\"_blank\">");
            }
            renderer.WriteChildren(link);
            if (asLink)
            {
                renderer.Write("</a>");
            }
        }
    }

    private sealed class AutolinkAsTextRenderer : HtmlObjectRenderer<AutolinkInline>
    {
        protected override void Write(HtmlRenderer renderer, AutolinkInline link) => WriteText(renderer, link.Url);
    }

    private sealed class HtmlInlineAsTextRenderer : HtmlObjectRenderer<HtmlInline>
    {
        protected override void Write(HtmlRenderer renderer, HtmlInline html) => WriteText(renderer, html.Tag);
    }

    private sealed class HtmlBlockAsTextRenderer : HtmlObjectRenderer<HtmlBlock>
    {
        protected override void Write(HtmlRenderer renderer, HtmlBlock html)
        {
            if (renderer.EnableHtmlForBlock)
            {
                renderer.Write("<p>");
            }
            renderer.WriteLeafRawLines(html, true, renderer.EnableHtmlEscape);
            if (renderer.EnableHtmlForBlock)
            {
                renderer.WriteLine("</p>");
            }
        }
    }

    private static void WriteText(HtmlRenderer renderer, string? text)
    {
        if (renderer.EnableHtmlEscape)
        {
            renderer.WriteEscape(text ?? string.Empty);
        }
        else
        {
            renderer.Write(text ?? string.Empty);
        }
    }
}
