using System.Globalization;
using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Policy;

namespace Workbench.Core.Review;

/// <summary>
/// What a reviewer must confirm before an approval executes an irreversible or money action: the action restated
/// (tool, amount and currency, target) and the gesture the policy asks for. The facts are the policy engine's
/// (<see cref="ActionFacts"/>: the catalogue's word on the tool, the largest money amount whatever its parameter is
/// called), never the AI system's description of its action, so a refund sent as reversible or with its money under
/// another name is confirmed like any other.
/// </summary>
/// <param name="Amount">The largest money amount as sent, in <paramref name="Currency"/>; null for a tool without money or an unreadable amount.</param>
/// <param name="AmountProblem">Why a money tool's amount could not be read; the gesture is then a confirmation.</param>
/// <param name="Target">What the action acts on: the catalogue's <c>target</c> parameters, else the parameters that are not money.</param>
public sealed record ApprovalGate(
    ApprovalGesture Gesture,
    string Tool,
    string? ToolTitle,
    bool Irreversible,
    bool Catalogued,
    double? Amount,
    string? Currency,
    string? AmountProblem,
    IReadOnlyList<KeyValuePair<string, string>> Target)
{
    /// <summary>A value longer than this is cut in the restatement: a target is an id, not a document.</summary>
    public const int MaxTargetLength = 120;
    private const int MaxTargets = 4;

    /// <summary>The amount as a reviewer reads and types it: group separators, at least two decimals ("1,800.00").</summary>
    public string? AmountText => Amount?.ToString("#,0.00##", CultureInfo.InvariantCulture);

    /// <summary>
    /// The gate on approving <paramref name="submission"/>'s action with <paramref name="parameters"/> (the round's
    /// edited parameters, else the proposal's), or null when approving needs no confirmation. The tool's
    /// <c>approval_gesture</c> wins; without one, a money action in a tier-3 case (the tool's tier or the case's) asks
    /// for the amount to be typed, and an irreversible or money action, or a tool the catalogue does not know, for a
    /// confirmation. Typing needs a readable amount: without one the gesture is a confirmation that says so.
    /// </summary>
    public static ApprovalGate? For(CompiledPolicy policy, CaseSubmission submission, int caseTier,
        IReadOnlyDictionary<string, JsonElement>? parameters = null)
    {
        if (submission.Proposal.Action is not { } action)
        {
            return null;
        }
        if (parameters is not null)
        {
            submission = submission with { Proposal = submission.Proposal with { Action = action with { Parameters = parameters } } };
            action = submission.Proposal.Action!;
        }
        var facts = ActionFacts.Of(submission, policy.Actions, policy.Workflows);
        var tool = facts.Definition;
        var money = tool?.IsMoney == true;
        ApprovalGesture? gesture = tool?.ApprovalGesture
            ?? (money && Math.Max(tool!.Tier, caseTier) >= 3 ? ApprovalGesture.TypeAmount
                : money || facts.Irreversible || tool is null ? ApprovalGesture.Confirm
                : null);
        if (gesture is null)
        {
            return null;
        }
        var amount = money && !facts.AmountInvalid ? facts.SentAmount : null;
        if (gesture == ApprovalGesture.TypeAmount && amount is null)
        {
            gesture = ApprovalGesture.Confirm;
        }
        return new ApprovalGate(gesture.Value, action.Tool, tool?.Title, facts.Irreversible, tool is not null, amount,
            money ? facts.Currency : null, money ? facts.AmountProblem : null, TargetOf(tool, action.Parameters ?? Empty));
    }

    /// <summary>
    /// Whether an approval carries the confirmation: the tool named back (<c>confirmedTool</c>), and for
    /// <see cref="ApprovalGesture.TypeAmount"/> the amount typed (<c>confirmedAmount</c>). Null when it does.
    /// </summary>
    public ReviewRefusal? Check(string? confirmedTool, string? confirmedAmount)
    {
        if (!string.Equals(confirmedTool, Tool, StringComparison.Ordinal))
        {
            return ReviewRefusal.Invalid("$.confirmedTool",
                $"Approving executes {Restatement}: confirm it by naming the tool '{Tool}' in confirmedTool.");
        }
        if (Gesture == ApprovalGesture.TypeAmount && !AmountMatches(confirmedAmount))
        {
            return ReviewRefusal.Invalid("$.confirmedAmount",
                $"Approving executes {Restatement}: type the amount {AmountText} in confirmedAmount to confirm it.");
        }
        return null;
    }

    /// <summary>
    /// The amount a reviewer typed equals the action's: a plain number ("1800", "1,800.00", "1800.0"), optionally with
    /// the currency code, compared to four decimals. An empty or different number is no confirmation.
    /// </summary>
    public bool AmountMatches(string? typed)
    {
        if (Amount is not { } amount || string.IsNullOrWhiteSpace(typed))
        {
            return false;
        }
        var text = typed.Trim();
        if (Currency is { Length: > 0 } currency)
        {
            if (text.EndsWith(currency, StringComparison.OrdinalIgnoreCase))
            {
                text = text[..^currency.Length].TrimEnd();
            }
            else if (text.StartsWith(currency, StringComparison.OrdinalIgnoreCase))
            {
                text = text[currency.Length..].TrimStart();
            }
        }
        return decimal.TryParse(text, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowDecimalPoint | NumberStyles.AllowThousands,
                   CultureInfo.InvariantCulture, out var value)
               && Math.Round(value, 4) == Math.Round((decimal)amount, 4);
    }

    /// <summary>The action in one line: "Issue a refund (payments.issue_refund), 387.02 USD, irreversible".</summary>
    public string Restatement
    {
        get
        {
            var parts = new List<string> { ToolTitle is null ? Tool : $"{ToolTitle} ({Tool})" };
            if (AmountText is { } a)
            {
                parts.Add($"{a} {Currency}".TrimEnd());
            }
            if (Target.Count > 0)
            {
                parts.Add("on " + string.Join(", ", Target.Select(t => $"{t.Key} {t.Value}")));
            }
            parts.Add(Irreversible ? "irreversible" : "reversible");
            return string.Join(", ", parts);
        }
    }

    private static List<KeyValuePair<string, string>> TargetOf(ToolDefinition? tool, IReadOnlyDictionary<string, JsonElement> parameters)
    {
        var target = new List<KeyValuePair<string, string>>();
        if (tool is { TargetPaths.Count: > 0 })
        {
            foreach (var path in tool.TargetPaths)
            {
                // Every spelling that says something else is restated: the reviewer confirms each target the executor may take.
                var found = ActionFacts.FindEach(parameters, path.Split('.'))
                    .Where(f => f.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                    .DistinctBy(f => f.Value.GetRawText())
                    .ToList();
                foreach (var (spelled, value) in found)
                {
                    target.Add(new(found.Count == 1 ? path : spelled, Text(value)));
                }
            }
            return target;
        }
        foreach (var (name, value) in parameters)
        {
            if (target.Count < MaxTargets && (tool is null || !ActionFacts.IsMoneyPath(tool, name))
                && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                target.Add(new(name, Text(value)));
            }
        }
        return target;
    }

    private static string Text(JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();
        return TextCut.Shorten(text, MaxTargetLength + 1);
    }

    private static readonly IReadOnlyDictionary<string, JsonElement> Empty = new Dictionary<string, JsonElement>();
}
