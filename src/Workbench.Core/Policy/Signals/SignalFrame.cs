using System.Globalization;
using Workbench.Contracts;

namespace Workbench.Core.Policy.Signals;

/// <summary>
/// The values one evaluation reads, laid out by slot (see <see cref="SignalCatalog"/>): one array per type and a
/// "present" flag per slot. Compiled rules index these arrays directly.
/// </summary>
public sealed class SignalFrame
{
    // Fields, not properties: the compiled expression trees read them with a single load.
    internal readonly double[] Numbers;
    internal readonly bool[] Bools;
    internal readonly string?[] Strings;
    internal readonly bool[] Present;

    public SignalFrame(SignalCatalog catalog)
    {
        Catalog = catalog;
        Numbers = new double[catalog.SlotCount];
        Bools = new bool[catalog.SlotCount];
        Strings = new string?[catalog.SlotCount];
        Present = new bool[catalog.SlotCount];
    }

    public SignalCatalog Catalog { get; }

    /// <summary>What the policy's action catalogue makes of the case's action (the engine's guards read it).</summary>
    public ActionFacts Action { get; internal set; } = ActionFacts.None;

    /// <summary>The client's signals as sent, all of them, including those the policy does not read.</summary>
    public IReadOnlyDictionary<string, SignalValue> ClientSignals { get; internal set; } = new Dictionary<string, SignalValue>();

    public bool IsPresent(string path) => Catalog.TryResolve(path, out var d) && Present[d.Slot];

    public double? GetNumber(string path) => Catalog.TryResolve(path, out var d) && d.Type == SignalType.Number && Present[d.Slot] ? Numbers[d.Slot] : null;

    public bool? GetBoolean(string path) => Catalog.TryResolve(path, out var d) && d.Type == SignalType.Boolean && Present[d.Slot] ? Bools[d.Slot] : null;

    public string? GetString(string path) => Catalog.TryResolve(path, out var d) && d.Type == SignalType.String && Present[d.Slot] ? Strings[d.Slot] : null;

    /// <summary>The value of a slot as the rule trace shows it; "missing" when absent.</summary>
    public string Format(int slot)
    {
        if (!Present[slot])
        {
            return "missing";
        }
        return Catalog.All[slot].Type switch
        {
            SignalType.Number => FormatNumber(Numbers[slot]),
            SignalType.Boolean => Bools[slot] ? "true" : "false",
            _ => Shorten(Strings[slot]),
        };
    }

    // Whole numbers (counts, amounts, tiers: most signals) skip the custom format, which is parsed on every call;
    // the text is the same ("0.####" prints a whole number without a point). Negative zero keeps the format's "-0".
    private static string FormatNumber(double v) =>
        v == Math.Truncate(v) && Math.Abs(v) < 1e15 && !(v == 0 && double.IsNegative(v))
            ? ((long)v).ToString(CultureInfo.InvariantCulture)
            : v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>Traced string values are capped: the trace shows what a rule read, not the whole request again.</summary>
    public const int MaxTracedStringLength = 120;

    private static string Shorten(string? value) => value is null ? "missing"
        : value.Length <= MaxTracedStringLength ? value
        : string.Concat(value.AsSpan(0, MaxTracedStringLength - 1), "…");

    internal void SetNumber(int slot, double value)
    {
        Numbers[slot] = value;
        Present[slot] = true;
    }

    internal void SetBool(int slot, bool value)
    {
        Bools[slot] = value;
        Present[slot] = true;
    }

    internal void SetString(int slot, string? value)
    {
        Strings[slot] = value;
        Present[slot] = value is not null;
    }
}
