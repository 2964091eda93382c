using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Workbench.Web.Notifications;

/// <summary>
/// One message, four forms: a mail (HTML and text), a Slack Block Kit message, a Teams Adaptive Card, a Web Push payload.
/// Every text of the message is untrusted (it can carry what an AI system sent): the HTML encodes it, Slack gets it only
/// in <c>plain_text</c> objects (never <c>mrkdwn</c>, so no link or mention can be smuggled in), Teams gets it with
/// markdown escaped, and the only link in each is the one Workbench made.
/// </summary>
public static class MessageRenderers
{
    public sealed record Mail(string Subject, string Html, string Text);

    public static Mail Email(NotificationMessage m, string? link)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"color-scheme\" content=\"light\"><title>")
            .Append(E(m.Headline)).Append("</title></head>")
            .Append("<body style=\"margin:0;padding:24px;background:#f4f5f7;font-family:Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2329\">")
            .Append("<table role=\"presentation\" width=\"100%\" style=\"max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #dde1e6;border-radius:8px\">")
            .Append("<tr><td style=\"padding:20px 24px 4px 24px;font-size:12px;letter-spacing:.04em;text-transform:uppercase;color:#5c6670\">Workbench</td></tr>")
            .Append("<tr><td style=\"padding:0 24px 8px 24px\"><h1 style=\"margin:0;font-size:20px;line-height:1.35\">").Append(E(m.Headline)).Append("</h1></td></tr>")
            .Append("<tr><td style=\"padding:8px 24px;font-size:15px;line-height:1.5;white-space:pre-line\">").Append(E(m.What)).Append("</td></tr>");
        if (m.Why.Count > 0)
        {
            html.Append("<tr><td style=\"padding:8px 24px\"><div style=\"font-size:13px;font-weight:600;color:#5c6670\">Why</div><ul style=\"margin:4px 0 0 0;padding-left:20px;font-size:14px;line-height:1.5\">");
            foreach (var w in m.Why)
            {
                html.Append("<li>").Append(E(w)).Append("</li>");
            }
            html.Append("</ul></td></tr>");
        }
        html.Append("<tr><td style=\"padding:8px 24px\"><div style=\"font-size:13px;font-weight:600;color:#5c6670\">Next step</div><div style=\"font-size:14px;line-height:1.5\">")
            .Append(E(m.Next)).Append("</div></td></tr>");
        if (m.Facts.Count > 0)
        {
            html.Append("<tr><td style=\"padding:8px 24px\"><table role=\"presentation\" style=\"border-collapse:collapse;font-size:13px\">");
            foreach (var f in m.Facts)
            {
                html.Append("<tr><td style=\"padding:2px 12px 2px 0;color:#5c6670;vertical-align:top\">").Append(E(f.Label))
                    .Append("</td><td style=\"padding:2px 0;word-break:break-word\">").Append(E(f.Value)).Append("</td></tr>");
            }
            html.Append("</table></td></tr>");
        }
        if (link is not null)
        {
            html.Append("<tr><td style=\"padding:16px 24px 8px 24px\"><a href=\"").Append(E(link))
                .Append("\" style=\"display:inline-block;background:#3559c7;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600\">")
                .Append(E(m.Action)).Append("</a></td></tr>");
        }
        html.Append("<tr><td style=\"padding:8px 24px 20px 24px;font-size:12px;line-height:1.5;color:#5c6670\">")
            .Append("The link asks you to sign in and only opens the page; nothing is decided by clicking it. It works once, for you, for a limited time. ")
            .Append("Change what you are told and how under Notifications in Workbench.</td></tr></table></body></html>");

        var text = new StringBuilder();
        text.AppendLine(m.Headline).AppendLine().AppendLine(m.What).AppendLine();
        if (m.Why.Count > 0)
        {
            text.AppendLine("Why:");
            foreach (var w in m.Why)
            {
                text.Append("- ").AppendLine(w);
            }
            text.AppendLine();
        }
        text.Append("Next step: ").AppendLine(m.Next).AppendLine();
        foreach (var f in m.Facts)
        {
            text.Append(f.Label).Append(": ").AppendLine(f.Value);
        }
        if (link is not null)
        {
            text.AppendLine().Append(m.Action).Append(": ").AppendLine(link);
        }
        text.AppendLine().AppendLine("The link asks you to sign in and only opens the page; nothing is decided by clicking it.");
        return new Mail(OneLine(m.Headline, 200), html.ToString(), text.ToString());
    }

    /// <summary>A Slack incoming-webhook message in Block Kit: header, text, why, facts, next step and one URL button.</summary>
    public static JsonObject Slack(NotificationMessage m, string? link)
    {
        static JsonObject Plain(string text, int max) => new() { ["type"] = "plain_text", ["text"] = Clip(text, max), ["emoji"] = false };
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = Plain(m.Headline, 150) },
            new JsonObject { ["type"] = "section", ["text"] = Plain(m.What, 3000) },
        };
        if (m.Why.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = Plain("Why: " + string.Join(" · ", m.Why), 3000) });
        }
        if (m.Facts.Count > 0)
        {
            var fields = new JsonArray();
            foreach (var f in m.Facts.Take(10))
            {
                fields.Add(Plain($"{f.Label}: {f.Value}", 2000));
            }
            blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = fields });
        }
        blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray { Plain("Next step: " + m.Next, 3000) } });
        if (link is not null)
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "actions",
                ["elements"] = new JsonArray
                {
                    new JsonObject { ["type"] = "button", ["text"] = Plain(m.Action, 75), ["url"] = link, ["action_id"] = "open", ["style"] = "primary" },
                },
            });
        }
        // The top-level text is the notification's fallback; mrkdwn off so it is shown as written, never formatted.
        return new JsonObject { ["text"] = SlackEscape(OneLine(m.Headline, 300)), ["mrkdwn"] = false, ["blocks"] = blocks };
    }

    /// <summary>A Teams incoming-webhook message: one Adaptive Card 1.4 attachment.</summary>
    public static JsonObject Teams(NotificationMessage m, string? link)
    {
        var body = new JsonArray
        {
            new JsonObject { ["type"] = "TextBlock", ["text"] = TeamsEscape(m.Headline), ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true },
            new JsonObject { ["type"] = "TextBlock", ["text"] = TeamsEscape(m.What), ["wrap"] = true },
        };
        if (m.Why.Count > 0 || m.Facts.Count > 0)
        {
            var facts = new JsonArray();
            foreach (var w in m.Why)
            {
                facts.Add(new JsonObject { ["title"] = "Why", ["value"] = TeamsEscape(w) });
            }
            foreach (var f in m.Facts)
            {
                facts.Add(new JsonObject { ["title"] = TeamsEscape(f.Label), ["value"] = TeamsEscape(f.Value) });
            }
            body.Add(new JsonObject { ["type"] = "FactSet", ["facts"] = facts });
        }
        body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = TeamsEscape("Next step: " + m.Next), ["wrap"] = true, ["isSubtle"] = true });
        var card = new JsonObject
        {
            ["type"] = "AdaptiveCard",
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["version"] = "1.4",
            ["fallbackText"] = OneLine(m.Headline, 300),
            ["body"] = body,
        };
        if (link is not null)
        {
            card["actions"] = new JsonArray { new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = m.Action, ["url"] = link } };
        }
        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray
            {
                new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card },
            },
        };
    }

    /// <summary>What the service worker shows: a title, a short body, the link to open on a click, a tag that replaces an older one.</summary>
    public static string Push(NotificationMessage m, string? link) => new JsonObject
    {
        ["title"] = OneLine(m.Headline, 120),
        ["body"] = Clip(m.What + "\n" + m.Next, 400),
        ["url"] = link,
        ["tag"] = m.CaseId is { } id ? $"{m.Kind}:{id:N}" : m.Kind,
    }.ToJsonString();

    /// <summary>Slack's three control characters in text it formats: &amp;, &lt; and &gt; (its own escaping rule).</summary>
    public static string SlackEscape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>
    /// Teams renders a subset of Markdown in TextBlocks and facts: every character that could start a link, emphasis, a
    /// list or a heading is backslash-escaped, and "://" is broken so a bare URL is not turned into a link.
    /// </summary>
    public static string TeamsEscape(string s)
    {
        var b = new StringBuilder(s.Length + 8);
        foreach (var ch in s)
        {
            if (ch is '\\' or '*' or '_' or '[' or ']' or '(' or ')' or '#' or '`' or '>' or '<' or '~' or '|' or '!' or '-' or '+' or '{' or '}')
            {
                b.Append('\\');
            }
            b.Append(ch);
        }
        return b.ToString().Replace("://", ":\u200B//", StringComparison.Ordinal);
    }

    private static string Clip(string s, int max) => Workbench.Core.Review.TextCut.Shorten(s, max);

    private static string OneLine(string s, int max) => Clip(s.ReplaceLineEndings(" "), max);
}
