using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using Workbench.Core.Review;

namespace Workbench.Web.Rendering;

public static partial class SafeMarkdown
{
    // Private-use characters stand in for the variables while the template is parsed; any in the template itself are
    // replaced first, so only the renderer's own stand-ins are ever swapped back.
    private const char SlotOpen = '\uE000';
    private const char SlotClose = '\uE001';

    /// <summary>
    /// The message as it will be sent, as inert HTML, each filled value marked (<c>mark.wb-var</c>, its variable in
    /// the tooltip) and each placeholder without a value marked as missing. The template is Markdown; a value is
    /// data: it is inserted after the template was parsed and rendered, HTML-encoded, so a value can neither add
    /// markup, nor Markdown, nor a placeholder. In an attribute (a link's URL or title) a slot shows its placeholder
    /// as written.
    /// </summary>
    public static MarkupString ToMarkupRendered(RenderedMessage message)
    {
        var markdown = new StringBuilder();
        var slots = new List<MessageSegment>();
        foreach (var segment in message.Segments)
        {
            if (segment.Variable is null)
            {
                markdown.Append(segment.Text.Replace(SlotOpen, '\uFFFD').Replace(SlotClose, '\uFFFD'));
                continue;
            }
            markdown.Append(SlotOpen).Append(slots.Count).Append(SlotClose);
            slots.Add(segment);
        }
        var html = ToHtml(markdown.ToString());
        html = TextBetweenTags().Replace(html, text => Slot().Replace(text.Value, m => Marked(slots[int.Parse(m.Groups[1].Value)])));
        html = Slot().Replace(html, m => WebUtility.HtmlEncode("{{" + slots[int.Parse(m.Groups[1].Value)].Variable + "}}"));
        // In an href Markdig percent-encodes the stand-in: it becomes the placeholder, percent-encoded as well.
        html = EncodedSlot().Replace(html, m => "%7B%7B" + slots[int.Parse(m.Groups[1].Value)].Variable + "%7D%7D");
        return new MarkupString(html);
    }

    private static string Marked(MessageSegment s) => s.Missing
        ? $"<mark class=\"wb-var wb-var-missing\" title=\"{s.Variable}: no value given\" data-variable=\"{s.Variable}\" data-missing=\"true\">{WebUtility.HtmlEncode(s.Text)}</mark>"
        : $"<mark class=\"wb-var\" title=\"from {{{{{s.Variable}}}}}\" data-variable=\"{s.Variable}\">{WebUtility.HtmlEncode(s.Text)}</mark>";

    [GeneratedRegex("\uE000([0-9]{1,6})\uE001")]
    private static partial Regex Slot();

    [GeneratedRegex("%EE%80%80([0-9]{1,6})%EE%80%81", RegexOptions.IgnoreCase)]
    private static partial Regex EncodedSlot();
}
