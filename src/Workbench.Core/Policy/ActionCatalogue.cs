using System.Globalization;
using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Policy.Signals;

namespace Workbench.Core.Policy;

/// <summary>
/// How a reviewer confirms approving an action (<c>approval_gesture</c> in the catalogue): a confirmation that restates
/// the action, answered with a second, distinct key; or, for the highest stakes, typing the amount.
/// </summary>
public enum ApprovalGesture
{
    Confirm,
    TypeAmount,
}

/// <summary>How the amount of a money tool must be signed.</summary>
public enum AmountSign
{
    /// <summary>Any amount (a transfer between the business's own accounts, say).</summary>
    Any,
    /// <summary>Refunds, credits and payments: the amount must be above zero.</summary>
    Positive,
}

/// <summary>
/// One entry of the policy's action catalogue (<c>tools:</c>): what the business says about a tool an AI system may
/// propose to execute. The AI system's own description of its action (its <c>reversible</c> flag, its risk tier, the
/// workflow it names) can only make a case more severe than this, never less.
/// </summary>
/// <param name="Pattern">The tool id, or a glob (<c>*</c> any run of characters, <c>?</c> one) such as <c>infra.*</c>.</param>
public sealed record ToolDefinition(string Pattern)
{
    public string? Title { get; init; }

    /// <summary>The tool's tier floor: the case's tier is at least this whatever workflow or tier the client names.</summary>
    public int Tier { get; init; }

    /// <summary>The business's word on whether an execution can be undone; a client's <c>reversible: true</c> does not change it.</summary>
    public bool Reversible { get; init; }

    /// <summary>Parameter paths (dotted, matched like field names: <c>refund_amount</c> is <c>refundAmount</c>) that hold money.</summary>
    public IReadOnlyList<string> AmountPaths { get; init; } = [];

    /// <summary>The parameter path that holds the ISO 4217 currency of the amounts.</summary>
    public string? CurrencyPath { get; init; }

    /// <summary>The currency of the amounts when the parameters name none; without it a missing currency is unknown.</summary>
    public string? DefaultCurrency { get; init; }

    public AmountSign Sign { get; init; } = AmountSign.Any;

    /// <summary>The workflows the tool may appear in; empty means any.</summary>
    public IReadOnlyList<string> Workflows { get; init; } = [];

    /// <summary>Whether an execution needs at least one authoritative evidence item.</summary>
    public bool RequiresAuthoritativeSource { get; init; } = true;

    /// <summary>Whether a response next to this action reports it ("I've refunded …"): then the response waits for the action.</summary>
    public bool ReportedByResponse { get; init; } = true;

    /// <summary>
    /// How a reviewer confirms approving it (<c>approval_gesture</c>); null takes the default of
    /// <c>Workbench.Core.Review.ApprovalGate</c> (confirm for irreversible or money tools, type the amount for money at tier 3).
    /// </summary>
    public ApprovalGesture? ApprovalGesture { get; init; }

    /// <summary>Parameter paths naming what the action acts on (an order, a user, a cluster): restated when a reviewer confirms.</summary>
    public IReadOnlyList<string> TargetPaths { get; init; } = [];

    public bool IsMoney => AmountPaths.Count > 0;

    internal bool IsGlob => Pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    internal bool Matches(string tool) => IsGlob ? GlobMatch(Pattern, tool) : string.Equals(Pattern, tool, StringComparison.Ordinal);

    private static bool GlobMatch(string pattern, string text)
    {
        // Iterative wildcard match with backtracking to the last '*': linear in practice, no regex.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}

/// <summary>Exchange rates into the policy's base currency: the money thresholds of rules compare base-currency amounts.</summary>
/// <param name="Base">The ISO 4217 code every threshold is written in.</param>
/// <param name="Rates">Units of the base currency one unit of each currency is worth (the base itself is 1).</param>
public sealed record CurrencyTable(string Base, IReadOnlyDictionary<string, double> Rates)
{
    /// <summary>Only the base currency: amounts in any other currency are unknown.</summary>
    public static CurrencyTable BaseOnly(string code) => new(code, new Dictionary<string, double>(StringComparer.Ordinal) { [code] = 1 });

    public bool TryConvert(double amount, string currency, out double inBase)
    {
        if (Rates.TryGetValue(currency.ToUpperInvariant(), out var rate))
        {
            inBase = amount * rate;
            return true;
        }
        inBase = 0;
        return false;
    }
}

/// <summary>What the policy does with an action whose tool is not in the catalogue.</summary>
public sealed record UnknownToolHandling(PathOutcome Outcome, string? Queue);

/// <summary>The policy's action catalogue: exact tool ids first, then globs in the order the policy lists them.</summary>
public sealed class ActionCatalogue
{
    private readonly Dictionary<string, CatalogueEntry> _exact;
    private readonly CatalogueEntry[] _globs;
    private readonly Dictionary<ToolDefinition, CatalogueEntry> _entries;

    public ActionCatalogue(IReadOnlyList<ToolDefinition> tools, CurrencyTable currencies, UnknownToolHandling unknownTools)
    {
        Tools = tools;
        Currencies = currencies;
        UnknownTools = unknownTools;
        _entries = new Dictionary<ToolDefinition, CatalogueEntry>(ReferenceEqualityComparer.Instance);
        foreach (var tool in tools)
        {
            _entries.TryAdd(tool, new CatalogueEntry(tool));
        }
        _exact = tools.Where(t => !t.IsGlob).ToDictionary(t => t.Pattern, t => _entries[t], StringComparer.Ordinal);
        _globs = [.. tools.Where(t => t.IsGlob).Select(t => _entries[t])];
    }

    /// <summary>A catalogue without tools: every action is unknown and handed off.</summary>
    public static ActionCatalogue Empty { get; } = new([], CurrencyTable.BaseOnly("USD"), new UnknownToolHandling(PathOutcome.Handoff, null));

    public IReadOnlyList<ToolDefinition> Tools { get; }

    public CurrencyTable Currencies { get; }

    public UnknownToolHandling UnknownTools { get; }

    public ToolDefinition? Find(string? tool) => FindEntry(tool)?.Tool;

    internal CatalogueEntry? FindEntry(string? tool)
    {
        if (tool is null)
        {
            return null;
        }
        if (_exact.TryGetValue(tool, out var exact))
        {
            return exact;
        }
        foreach (var glob in _globs)
        {
            if (glob.Tool.Matches(tool))
            {
                return glob;
            }
        }
        return null;
    }

    /// <summary>The trace value naming the workflows a tool may appear in ("any workflow" when it names none).</summary>
    internal TracedValue AllowedIn(ToolDefinition tool) =>
        _entries.TryGetValue(tool, out var entry) ? entry.AllowedIn : CatalogueEntry.AllowedInOf(tool);
}

/// <summary>
/// A catalogue entry prepared at load for what every evaluation reads of it: its parameter paths split into segments
/// and the workflows it may appear in as the guard trace shows them.
/// </summary>
internal sealed class CatalogueEntry(ToolDefinition tool)
{
    public ToolDefinition Tool { get; } = tool;

    /// <summary>The declared money paths (<see cref="ToolDefinition.AmountPaths"/>), each split at its dots.</summary>
    public string[][] AmountPaths { get; } = [.. tool.AmountPaths.Select(p => p.Split('.'))];

    public string[]? CurrencyPath { get; } = tool.CurrencyPath?.Split('.');

    public TracedValue AllowedIn { get; } = AllowedInOf(tool);

    public static TracedValue AllowedInOf(ToolDefinition tool) =>
        tool.Workflows.Count > 0 ? new TracedValue("allowed in", string.Join(", ", tool.Workflows)) : Guards.AnyWorkflow;

    /// <summary>Whether a dotted parameter path names one of the declared money paths (segments matched like field names).</summary>
    public bool IsAmountPath(string path)
    {
        foreach (var segments in AmountPaths)
        {
            if (SamePath(path, segments))
            {
                return true;
            }
        }
        return false;
    }

    private static bool SamePath(string path, string[] segments)
    {
        var rest = path.AsSpan();
        for (var i = 0; i < segments.Length; i++)
        {
            var dot = rest.IndexOf('.');
            if ((dot < 0) != (i == segments.Length - 1))
            {
                return false; // a different number of segments
            }
            if (!SignalDeriver.SameFieldName(dot < 0 ? rest : rest[..dot], segments[i]))
            {
                return false;
            }
            rest = dot < 0 ? default : rest[(dot + 1)..];
        }
        return true;
    }
}

/// <summary>
/// What the business's catalogue makes of the action a case proposes: computed once per evaluation, read by the signal
/// deriver (irreversibility, amount, tier) and by the engine's built-in guards.
/// </summary>
public sealed record ActionFacts
{
    public static ActionFacts None { get; } = new();

    public bool Present { get; init; }
    public string? Tool { get; init; }
    /// <summary>The catalogue entry, or null for an unknown tool.</summary>
    public ToolDefinition? Definition { get; init; }
    public bool Catalogued => Definition is not null;
    /// <summary>Irreversible when the catalogue says so, or when the client says so (it may only make things more severe).</summary>
    public bool Irreversible { get; init; }
    public int ToolTier { get; init; }
    /// <summary>The tool may not appear in the workflow the client named.</summary>
    public bool WorkflowMismatch { get; init; }
    /// <summary>The workflow the case is treated under: the client's, or the strictest the tool belongs to on a mismatch.</summary>
    public string? EffectiveWorkflow { get; init; }
    /// <summary>The largest money amount of the action in the base currency; null without a readable one.</summary>
    public double? Amount { get; init; }
    /// <summary>The amount as sent, with its currency, for the reviewer ("600 JPY").</summary>
    public string? AmountAsSent => SentAmount is { } a ? $"{SignalFrame.FormatDecimal(a, 2)} {Currency ?? "(no currency)"}" : null;
    /// <summary>The largest amount as sent, before conversion (formatted only when someone reads <see cref="AmountAsSent"/>).</summary>
    public double? SentAmount { get; init; }
    /// <summary>A money tool whose amount is missing, unreadable or breaks the sign rule.</summary>
    public bool AmountInvalid { get; init; }
    public string? AmountProblem { get; init; }
    public string? Currency { get; init; }
    /// <summary>A money tool whose currency is not in the rate table (or is not named and has no default).</summary>
    public bool CurrencyUnknown { get; init; }
    /// <summary>The response next to the action reports it (the catalogue says so, or it uses the action's values as template variables).</summary>
    public bool AnnouncedByResponse { get; init; }

    /// <summary>Reads the action of <paramref name="submission"/> against the catalogue and the workflows.</summary>
    public static ActionFacts Of(CaseSubmission submission, ActionCatalogue catalogue, IReadOnlyDictionary<string, WorkflowDefinition> workflows)
    {
        var action = submission.Proposal.Action;
        if (action is null)
        {
            return None;
        }
        // Computed into locals and built once: every submission with an action comes here.
        var entry = catalogue.FindEntry(action.Tool);
        var tool = entry?.Tool;
        var parameters = action.Parameters ?? EmptyParameters;
        // Unknown tools are handed off anyway; their client flag still counts for the rules that read it.
        var irreversible = !action.Reversible || (tool is not null && !tool.Reversible);
        var announced = submission.Proposal.Response is { } response
            && ((tool?.ReportedByResponse ?? true) || UsesParameters(response, parameters));
        var mismatch = tool is not null && tool.Workflows.Count > 0 && !Contains(tool.Workflows, submission.Workflow);
        var money = entry is { Tool.IsMoney: true } ? ReadMoney(entry, parameters, catalogue.Currencies) : default;
        return new ActionFacts
        {
            Present = true,
            Tool = action.Tool,
            Definition = tool,
            Irreversible = irreversible,
            ToolTier = tool?.Tier ?? 0,
            WorkflowMismatch = mismatch,
            EffectiveWorkflow = mismatch ? Strictest(tool!.Workflows, workflows) ?? submission.Workflow : submission.Workflow,
            AnnouncedByResponse = announced,
            Currency = money.Currency,
            CurrencyUnknown = money.CurrencyUnknown,
            Amount = money.Amount,
            SentAmount = money.Largest,
            AmountInvalid = money.Problem is not null,
            AmountProblem = money.Problem,
        };
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static MoneyReading ReadMoney(CatalogueEntry entry, IReadOnlyDictionary<string, JsonElement> parameters, CurrencyTable currencies)
    {
        var tool = entry.Tool;
        var scan = new MoneyScan(tool);
        // One pass over the parameters, without boxing the enumerator where they are the usual dictionary.
        if (parameters is Dictionary<string, JsonElement> dictionary)
        {
            foreach (var (name, value) in dictionary)
            {
                ScanParameter(ref scan, entry, name, value);
            }
        }
        else
        {
            foreach (var (name, value) in parameters)
            {
                ScanParameter(ref scan, entry, name, value);
            }
        }
        var currency = scan.CurrencyCount switch
        {
            0 => tool.DefaultCurrency,
            _ when scan.CurrencyConflict => "(ambiguous)", // "currency" and "Currency" saying different things: neither is trusted
            _ => scan.Currency switch
            {
                { ValueKind: JsonValueKind.String } c when c.GetString() is { } text && !string.IsNullOrWhiteSpace(text) => text.Trim().ToUpperInvariant(),
                { ValueKind: JsonValueKind.Null } => tool.DefaultCurrency,
                _ => "(unreadable)", // a currency sent as a number or object is not read as the default
            },
        };
        // Another parameter naming another currency: the executor may take either, so neither is trusted. (It never
        // replaces the catalogue's: an amount read in the larger unit is the careful reading.)
        if (scan.OtherCurrencies is { } others
            && others.Any(o => !string.Equals(o, currency, StringComparison.OrdinalIgnoreCase)))
        {
            currency = "(ambiguous)";
        }
        var problem = scan.Problem;
        if (scan.Largest is null && problem is null)
        {
            problem = $"no amount in {string.Join(", ", tool.AmountPaths)}";
        }
        var converted = 0.0;
        var known = currency is not null && currencies.TryConvert(scan.Largest ?? 0, currency, out converted);
        return new MoneyReading(currency, !known, scan.Largest is not null && known ? converted : null, scan.Largest, problem);
    }

    private readonly record struct MoneyReading(string? Currency, bool CurrencyUnknown, double? Amount, double? Largest, string? Problem);

    /// <summary>The largest amount read and the first problem met, in the order the values are read; the currency named.</summary>
    private struct MoneyScan(ToolDefinition tool)
    {
        public double? Largest;
        public string? Problem;
        public JsonElement Currency;
        public int CurrencyCount;
        public bool CurrencyConflict;
        /// <summary>Currencies named by parameters other than the catalogue's currency path (<c>currency_code</c>).</summary>
        public List<string>? OtherCurrencies;

        public void ReadCurrency(JsonElement value)
        {
            if (CurrencyCount++ > 0 && !SameCurrency(Currency, value))
            {
                CurrencyConflict = true;
            }
            Currency = value;
        }

        private static bool SameCurrency(JsonElement a, JsonElement b) =>
            a.ValueKind == JsonValueKind.String && b.ValueKind == JsonValueKind.String
                ? string.Equals(a.GetString()?.Trim(), b.GetString()?.Trim(), StringComparison.OrdinalIgnoreCase)
                : a.ValueKind == b.ValueKind && a.ValueKind == JsonValueKind.Null;

        public void Read(string name, JsonElement raw)
        {
            if (!TryReadAmount(raw, out var value))
            {
                Problem ??= $"'{name}' is not a number";
                return;
            }
            if (tool.Sign == AmountSign.Positive && !(value > 0))
            {
                Problem ??= $"'{name}' is {value.ToString(CultureInfo.InvariantCulture)}; this tool's amounts must be above zero";
            }
            Largest = Largest is null ? value : Math.Max(Largest.Value, value);
        }
    }

    /// <summary>Whether a parameter path holds money for <paramref name="tool"/>: a declared money path, or a name that says amount.</summary>
    internal static bool IsMoneyPath(ToolDefinition tool, string path) =>
        tool.AmountPaths.Any(p => SameDottedPath(path, p)) || path.Contains("amount", StringComparison.OrdinalIgnoreCase)
        || (tool.CurrencyPath is { } c && SameDottedPath(path, c));

    private static bool SameDottedPath(string a, string b)
    {
        var x = a.Split('.');
        var y = b.Split('.');
        return x.Length == y.Length && x.Zip(y).All(p => SignalDeriver.SameFieldName(p.First, p.Second));
    }

    /// <summary>
    /// Reads one parameter: the value at every declared money path it starts (every parameter the path names, so that
    /// <c>amount</c> and <c>Amount</c> are both read and the largest counts, as an executor may take either), the
    /// currency path likewise, and any amount it holds under another name (<c>refundAmount</c>, <c>credit_amount</c>):
    /// an AI system must not move money past the threshold by naming the parameter differently from the catalogue.
    /// </summary>
    private static void ScanParameter(ref MoneyScan scan, CatalogueEntry entry, string name, JsonElement value)
    {
        var paths = entry.AmountPaths;
        for (var i = 0; i < paths.Length; i++)
        {
            if (SignalDeriver.SameFieldName(name, paths[i][0]) && Descend(value, paths[i]) is { } v
                && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                scan.Read(entry.Tool.AmountPaths[i], v);
            }
        }
        if (entry.CurrencyPath is { } cp && SignalDeriver.SameFieldName(name, cp[0]) && Descend(value, cp) is { } c)
        {
            scan.ReadCurrency(c);
        }
        ScanUndeclared(ref scan, entry, new PathStep(null, name), value, underAmount: false);
    }

    // The rest of a dotted path below a parameter that matched its first segment.
    private static JsonElement? Descend(JsonElement value, string[] segments)
    {
        JsonElement? current = value;
        for (var i = 1; i < segments.Length && current is { } c; i++)
        {
            current = null;
            if (c.ValueKind != JsonValueKind.Object)
            {
                break;
            }
            foreach (var p in c.EnumerateObject())
            {
                if (SignalDeriver.SameFieldName(p.Name, segments[i]))
                {
                    current = p.Value;
                    break;
                }
            }
        }
        return current;
    }

    // Depth first, each parameter before what it holds, through objects and lists to the bottom (the body's reader stops
    // at 32 levels): an amount in a list of lines, or nine levels down, counts as one on top does, and the items of a
    // list add up (lines of 400 and 400 are a refund of 800). A value is money when a name on its way says amount; a
    // three-letter code under a name that says currency (currency_code, refund.currency) is a currency, which must agree
    // with the one the amount is read in. Names are as long as the body lets them be, so a path is spelled out only for
    // a value that is read, each name cut short.
    private static void ScanUndeclared(ref MoneyScan scan, CatalogueEntry entry, PathStep step, JsonElement value, bool underAmount)
    {
        var saysAmount = underAmount || step.Name?.Contains("amount", StringComparison.OrdinalIgnoreCase) == true;
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in value.EnumerateObject())
                {
                    ScanUndeclared(ref scan, entry, new PathStep(step, p.Name), p.Value, saysAmount);
                }
                break;
            case JsonValueKind.Array:
                var outside = scan.Largest;
                double? sum = null;
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    scan.Largest = null;
                    ScanUndeclared(ref scan, entry, new PathStep(step, null, i++), item, saysAmount);
                    if (scan.Largest is { } largest)
                    {
                        sum = (sum ?? 0) + largest;
                    }
                }
                scan.Largest = outside is { } o && sum is { } t ? Math.Max(o, t) : outside ?? sum;
                break;
            case JsonValueKind.String when step.Name?.Contains("currency", StringComparison.OrdinalIgnoreCase) == true:
                if (value.GetString()!.Trim() is { Length: 3 } code && code.All(char.IsAsciiLetter)
                    && !(entry.Tool.CurrencyPath is { } declared && SameDottedPath(step.ToString(), declared)))
                {
                    (scan.OtherCurrencies ??= []).Add(code);
                }
                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                if (saysAmount && step.ToString() is var path && !entry.IsAmountPath(path))
                {
                    scan.Read(path, value);
                }
                break;
        }
    }

    /// <summary>One step of a path through the parameters: a member's name, or an item's index in a list.</summary>
    private sealed class PathStep(PathStep? parent, string? name, int index = -1)
    {
        private const int MaxNameLength = 64;

        public string? Name => name;

        public override string ToString()
        {
            var own = name is null ? $"[{index}]" : Review.TextCut.Shorten(name, MaxNameLength);
            return parent is null ? own : name is null ? parent + own : parent + "." + own;
        }
    }

    private static bool TryReadAmount(JsonElement v, out double value)
    {
        value = 0;
        if (v.ValueKind == JsonValueKind.Number)
        {
            return v.TryGetDouble(out value) && double.IsFinite(value);
        }
        return v.ValueKind == JsonValueKind.String
            && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>
    /// A dotted path (split at load) through the parameters, each segment matched like a field name (snake, camel,
    /// Pascal), in every spelling the parameters use (<c>destination</c> and <c>Destination</c> are two parameters
    /// to the serializer, and an executor may take either), each with the parameter's own name first.
    /// </summary>
    internal static IEnumerable<(string Path, JsonElement Value)> FindEach(IReadOnlyDictionary<string, JsonElement> parameters, string[] segments)
    {
        foreach (var (name, value) in parameters)
        {
            if (SignalDeriver.SameFieldName(name, segments[0]) && Descend(value, segments) is { } found)
            {
                yield return (segments.Length == 1 ? name : name + "." + string.Join('.', segments[1..]), found);
            }
        }
    }

    /// <summary>The response's template uses a variable named like one of the action's parameters ("{{amount}}").</summary>
    private static bool UsesParameters(ResponseProposal response, IReadOnlyDictionary<string, JsonElement> parameters)
    {
        var body = response.Body;
        var i = 0;
        while ((i = body.IndexOf("{{", i, StringComparison.Ordinal)) >= 0)
        {
            var close = body.IndexOf("}}", i + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }
            var name = body.AsSpan(i + 2, close - i - 2).Trim();
            foreach (var key in parameters.Keys)
            {
                if (SignalDeriver.SameFieldName(key, name))
                {
                    return true;
                }
            }
            i = close + 2;
        }
        return false;
    }

    /// <summary>The strictest of the named workflows: highest tier, then the most careful autonomy stage, then the first listed.</summary>
    internal static string? Strictest(IReadOnlyList<string> names, IReadOnlyDictionary<string, WorkflowDefinition> workflows)
    {
        WorkflowDefinition? best = null;
        foreach (var name in names)
        {
            if (!workflows.TryGetValue(name, out var w))
            {
                continue;
            }
            if (best is null || w.Tier > best.Tier || (w.Tier == best.Tier && Caution(w.Autonomy) > Caution(best.Autonomy)))
            {
                best = w;
            }
        }
        return best?.Name;
    }

    internal static int Caution(AutonomyStage stage) => stage switch
    {
        AutonomyStage.RecommendOnly => 3,
        AutonomyStage.ApproveAll => 2,
        AutonomyStage.Sampled => 1,
        _ => 0,
    };

    private static readonly IReadOnlyDictionary<string, JsonElement> EmptyParameters = new Dictionary<string, JsonElement>();
}
