using System.Globalization;
using Workbench.Contracts;

namespace Workbench.Core.Policy;

/// <summary>
/// The engine's built-in checks of the trust boundary, run on every evaluation after the policy's rules: what the
/// business's action catalogue says wins over what the AI system says about its own case. A policy tunes them
/// (the catalogue, <c>unknown_tools</c>, the rate table) but cannot delete them, so a policy that forgets a rule still
/// fails closed. Each shows in the rule trace as <c>guard:…</c> with the values it read.
/// </summary>
internal sealed class Guards(CompiledPolicy policy, ActionFacts facts, int tier, double authoritativeCount)
{
    public const int UnknownTool = 0;
    public const int WorkflowMismatch = 1;
    public const int UnknownCurrency = 2;
    public const int InvalidAmount = 3;
    public const int Irreversible = 4;
    public const int MissingAuthority = 5;
    public const int ReleaseFollows = 6;
    public const int Count = 7;

    /// <summary>The trace ids and what each checks, in words, for the reviewer's "why it is here" panel.</summary>
    public static IReadOnlyList<(string Id, string Description)> All { get; } =
    [
        ("guard:unknown-tool", "An action whose tool is not in the policy's catalogue is not executed without a person (fail closed)."),
        ("guard:workflow-mismatch", "The tool does not belong to the workflow the AI system named: the case is treated under the strictest workflow the tool belongs to, and a person approves the action."),
        ("guard:unknown-currency", "A money action in a currency the policy's rate table does not know is handed to a person."),
        ("guard:invalid-amount", "A money action whose amount is missing, unreadable or breaks the tool's sign rule (refunds, credits and payments above zero) is handed to a person."),
        ("guard:irreversible-action", "At tier 2 and above an action that cannot be undone needs approval, whatever the number of tool steps."),
        ("guard:missing-authoritative-source", "An action whose tool needs an authoritative source is not executed when no evidence item is authoritative."),
        ("guard:release-follows-action", "A response that reports the action waits for the action's decision: the reviewer decides both together."),
    ];

    public bool[] Fired { get; } = new bool[Count];

    /// <summary>Folds the guards that fire into the execution outcome and the reason codes; the queue the first routing guard names.</summary>
    public PathOutcome Apply(PathOutcome execute, List<string> reasons, out string? queue)
    {
        queue = null;
        if (!facts.Present)
        {
            return execute;
        }
        if (facts.Definition is not { } tool)
        {
            var unknown = policy.Actions.UnknownTools;
            Fire(UnknownTool, reasons, BuiltInReasonCodes.UnknownTool);
            queue = unknown.Queue;
            return policy.MostSevere(execute, unknown.Outcome);
        }
        if (facts.WorkflowMismatch)
        {
            execute = Hold(execute, PathOutcome.AwaitApproval, WorkflowMismatch, reasons, BuiltInReasonCodes.WorkflowMismatch);
        }
        if (tool.IsMoney && facts.CurrencyUnknown)
        {
            execute = Hold(execute, PathOutcome.Handoff, UnknownCurrency, reasons, BuiltInReasonCodes.UnknownCurrency);
        }
        if (tool.IsMoney && facts.AmountInvalid)
        {
            execute = Hold(execute, PathOutcome.Handoff, InvalidAmount, reasons, BuiltInReasonCodes.InvalidAmount);
        }
        if (tier >= 2 && facts.Irreversible)
        {
            execute = Hold(execute, PathOutcome.AwaitApproval, Irreversible, reasons, BuiltInReasonCodes.IrreversibleAction);
        }
        if (tool.RequiresAuthoritativeSource && authoritativeCount == 0)
        {
            execute = Hold(execute, PathOutcome.Handoff, MissingAuthority, reasons, BuiltInReasonCodes.MissingAuthSource);
        }
        return execute;
    }

    /// <summary>Whether the release must wait for the action: the action is held and the response reports it.</summary>
    public bool ReleaseFollowsAction(PathOutcome release, PathOutcome execute, bool hasResponse) =>
        hasResponse && facts.Present && facts.AnnouncedByResponse && execute != PathOutcome.Proceed
        && policy.MostSevere(release, execute) != release;

    public void Trace(Span<RuleTrace> into)
    {
        // Every evaluation traces all seven guards: the values that can only be one of a few strings (flags, the tier,
        // a small count, a tool's workflows) are built once and shared, so a trace costs its arrays and the tool's name.
        var tool = new TracedValue("action.tool", facts.Tool ?? "missing");
        for (var i = 0; i < Count; i++)
        {
            into[i] = new RuleTrace(All[i].Id, Fired[i], i switch
            {
                UnknownTool => [tool, Catalogued[FlagIndex(facts.Present ? facts.Catalogued : null)]],
                WorkflowMismatch => [tool, new TracedValue("treated under", facts.EffectiveWorkflow ?? "missing"),
                    facts.Definition is { } d ? policy.Actions.AllowedIn(d) : AnyWorkflow],
                UnknownCurrency => [tool, new TracedValue("currency", facts.Currency ?? "missing")],
                InvalidAmount => [tool, new TracedValue("amount", facts.AmountAsSent ?? "missing"), new TracedValue("problem", facts.AmountProblem ?? "none")],
                Irreversible => [tool, Number(Tiers, "tier", tier), Irreversibles[FlagIndex(facts.Present ? facts.Irreversible : null)]],
                MissingAuthority => [tool, Number(AuthoritativeCounts, "evidence.authoritative_count", authoritativeCount),
                    RequiresAuthority[FlagIndex(facts.Definition?.RequiresAuthoritativeSource)]],
                _ => [tool, Announced[FlagIndex(facts.Present ? facts.AnnouncedByResponse : null)]],
            });
        }
    }

    internal static readonly TracedValue AnyWorkflow = new("allowed in", "any workflow");

    // One traced value per flag state (false, true, missing) and per small number: they never change.
    private static readonly TracedValue[] Catalogued = Flags("action.catalogued");
    private static readonly TracedValue[] Irreversibles = Flags("action.irreversible");
    private static readonly TracedValue[] RequiresAuthority = Flags("requires authoritative source");
    private static readonly TracedValue[] Announced = Flags("action.announced");
    private static readonly TracedValue[] Tiers = Numbers("tier", 4);
    private static readonly TracedValue[] AuthoritativeCounts = Numbers("evidence.authoritative_count", 64);

    private static int FlagIndex(bool? value) => value is { } v ? (v ? 1 : 0) : 2;

    private static TracedValue[] Flags(string name) => [new(name, "false"), new(name, "true"), new(name, "missing")];

    private static TracedValue[] Numbers(string name, int count) =>
        [.. Enumerable.Range(0, count).Select(n => new TracedValue(name, Format(n)))];

    private static TracedValue Number(TracedValue[] cached, string name, double value) =>
        value >= 0 && value < cached.Length && value == Math.Floor(value) ? cached[(int)value] : new(name, Format(value));

    private static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private PathOutcome Hold(PathOutcome execute, PathOutcome at, int guard, List<string> reasons, string reason)
    {
        Fire(guard, reasons, reason);
        return policy.MostSevere(execute, at);
    }

    private void Fire(int guard, List<string> reasons, string reason)
    {
        Fired[guard] = true;
        if (!reasons.Contains(reason))
        {
            reasons.Add(reason);
        }
    }

}
