using System.Text.Json.Nodes;
using Workbench.Core.Notifications;

namespace Workbench.Web.Notifications;

/// <summary>
/// What each kind of message looks like, for the admin page: a made-up case run through the same composer and
/// renderers the sender uses, and the Slack and Teams JSON read back into lines a small HTML preview shows.
/// </summary>
public static class MessagePreviews
{
    /// <summary>One line of a card as the preview draws it: its style (heading, text, subtle, fact, button) and its text.</summary>
    public sealed record CardLine(string Style, string Text, string? Label = null);

    public static IReadOnlyList<(string Kind, string Label)> Kinds { get; } =
        [.. NotificationKinds.Choosable.Select(k => (k.Kind, k.Label)), (NotificationKinds.Test, "A test message from this page")];

    public static NotificationMessage Sample(string kind, DateTimeOffset now)
    {
        var c = new CaseBrief(Guid.Parse("3f2c1d5e-8b7a-4c2e-9f10-2a6b3c4d5e6f"), "refund-20931", "support-refund", "policy-legal",
            "high_amount pii_detected", now.AddMinutes(-12), CasePriority.High, 3, "Refund 1,250 EUR to the customer for order 88-1204 and close the ticket.",
            CaseStatus.Queued);
        return kind switch
        {
            NotificationKinds.QueueIdle => NotificationComposer.QueueIdle("policy-legal", 7, TimeSpan.FromMinutes(48), TimeSpan.FromMinutes(30)),
            NotificationKinds.WebhookFailing => NotificationComposer.WebhookFailing("support-copilot", "https://hooks.example.com/workbench",
                now.AddHours(-3), now, "HTTP 500 Internal Server Error", TimeSpan.FromDays(3)),
            NotificationKinds.WebhookDisabled => NotificationComposer.WebhookDisabled("support-copilot", "https://hooks.example.com/workbench",
                "every delivery failed for 3 d 0 h."),
            NotificationKinds.AuditBroken => NotificationComposer.AuditBroken(42, "Event 1812: its hash does not match its content.", now.AddMinutes(-5)),
            NotificationKinds.Test => NotificationComposer.Test("email", "adam"),
            NotificationKinds.SlaAtRisk => NotificationComposer.ForCase(kind, c with { SlaDueAt = now.AddMinutes(25) }, now),
            NotificationKinds.Assigned or NotificationKinds.Mentioned => NotificationComposer.ForCase(kind, c with { SlaDueAt = now.AddHours(3) }, now, actor: "lena"),
            _ => NotificationComposer.ForCase(kind, c, now),
        };
    }

    /// <summary>The Slack Block Kit message as lines: header, sections and their fields, context, buttons.</summary>
    public static IReadOnlyList<CardLine> SlackLines(JsonObject payload)
    {
        var lines = new List<CardLine>();
        foreach (var block in payload["blocks"]?.AsArray() ?? [])
        {
            switch ((string?)block?["type"])
            {
                case "header":
                    lines.Add(new("heading", Text(block!["text"])));
                    break;
                case "section" when block!["fields"] is JsonArray fields:
                    lines.AddRange(fields.Select(f => new CardLine("fact", Text(f))));
                    break;
                case "section":
                    lines.Add(new("text", Text(block!["text"])));
                    break;
                case "context":
                    lines.AddRange((block!["elements"]?.AsArray() ?? []).Select(e => new CardLine("subtle", Text(e))));
                    break;
                case "actions":
                    lines.AddRange((block!["elements"]?.AsArray() ?? []).Select(e => new CardLine("button", Text(e?["text"]))));
                    break;
            }
        }
        return lines;
    }

    /// <summary>The Teams Adaptive Card as lines: text blocks, facts, actions.</summary>
    public static IReadOnlyList<CardLine> TeamsLines(JsonObject payload)
    {
        var card = payload["attachments"]?[0]?["content"];
        var lines = new List<CardLine>();
        foreach (var element in card?["body"]?.AsArray() ?? [])
        {
            if ((string?)element?["type"] == "FactSet")
            {
                lines.AddRange((element!["facts"]?.AsArray() ?? []).Select(f => new CardLine("fact", Shown((string?)f?["value"]), Shown((string?)f?["title"]))));
            }
            else if ((string?)element?["type"] == "TextBlock")
            {
                var style = (string?)element!["weight"] == "Bolder" ? "heading" : element["isSubtle"]?.GetValue<bool>() == true ? "subtle" : "text";
                lines.Add(new(style, Shown((string?)element["text"])));
            }
        }
        lines.AddRange((card?["actions"]?.AsArray() ?? []).Select(a => new CardLine("button", (string?)a?["title"] ?? "")));
        return lines;
    }

    /// <summary>Teams text as Teams shows it: its markdown escapes (a backslash before a character) are not displayed.</summary>
    private static string Shown(string? teams) => System.Text.RegularExpressions.Regex.Replace(teams ?? "", @"\\(.)", "$1");

    private static string Text(JsonNode? node) => node is JsonObject o ? (string?)o["text"] ?? "" : (string?)node ?? "";
}
