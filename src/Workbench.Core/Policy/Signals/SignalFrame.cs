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
    public IReadOnlyDictionary<string, SignalValue> ClientSignals { get; internal set; } = NoSignals;

    private static readonly IReadOnlyDictionary<string, SignalValue> NoSignals = new Dictionary<string, SignalValue>();

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

    private static string FormatNumber(double v) => FormatDecimal(v, 4);

    /// <summary>
    /// The text of <c>v.ToString("0.####")</c> (with as many <c>#</c> as <paramref name="decimals"/>, at most four),
    /// invariant culture, without the custom format on the usual values: the format is parsed and the number rendered
    /// digit by digit on every call, and every evaluation traces a dozen numbers.
    /// </summary>
    /// <remarks>
    /// Whole numbers print as integers ("0.####" prints a whole number without a point; negative zero keeps the
    /// format's "-0"). Otherwise the shortest round-trip text is the same whenever it has no exponent, at most
    /// <paramref name="decimals"/> decimals and at most 15 digits: a decimal of 15 digits or fewer is what the
    /// custom format's 15-digit rendering of its nearest double gives back, and it needs no rounding. Anything else
    /// goes through the custom format.
    /// </remarks>
    internal static string FormatDecimal(double v, int decimals)
    {
        if (v == Math.Truncate(v) && Math.Abs(v) < 1e15 && !(v == 0 && double.IsNegative(v)))
        {
            return ((long)v).ToString(CultureInfo.InvariantCulture);
        }
        if (ShortDecimal(v, decimals) is { } text)
        {
            return text;
        }
        if (double.IsFinite(v))
        {
            var shortest = v.ToString(CultureInfo.InvariantCulture);
            var point = shortest.IndexOf('.');
            var digits = shortest.Length - (shortest[0] == '-' ? 1 : 0) - (point >= 0 ? 1 : 0);
            if (point >= 0 && shortest.Length - point - 1 <= decimals && digits <= 15 && shortest.IndexOf('E') < 0)
            {
                return shortest;
            }
        }
        return v.ToString(Formats[decimals], CultureInfo.InvariantCulture);
    }

    private static readonly string[] Formats = ["0", "0.#", "0.##", "0.###", "0.####"];

    private static readonly double[] Powers = [1, 10, 100, 1000, 10000];

    // The shortest round-trip text of a value with 1 to 'decimals' decimals, without the general float formatter: the
    // fewest k for which an integer r gives r / 10^k == v. That division of two exact doubles is correctly rounded, so
    // it is the double that parsing the decimal text gives back, and no text with fewer decimals does: this is the
    // shortest round-trip text, and the only one with k decimals while a unit in the last place of v is far below
    // 10^-k (|v| under a billion). Null otherwise, and when no such k exists.
    private static string? ShortDecimal(double v, int decimals)
    {
        if (!(Math.Abs(v) < 1e9) || v == 0)
        {
            return null;
        }
        for (var k = 1; k <= decimals && k < Powers.Length; k++)
        {
            var scaled = Math.Round(v * Powers[k]);
            if (scaled / Powers[k] != v)
            {
                continue;
            }
            var digits = (long)Math.Abs(scaled);
            var unit = (long)Powers[k];
            Span<char> buffer = stackalloc char[24];
            var n = 0;
            if (v < 0)
            {
                buffer[n++] = '-';
            }
            (digits / unit).TryFormat(buffer[n..], out var written, default, CultureInfo.InvariantCulture);
            n += written;
            buffer[n++] = '.';
            var fraction = digits % unit;
            for (var d = k - 1; d >= 0; d--)
            {
                buffer[n + d] = (char)('0' + (fraction % 10));
                fraction /= 10;
            }
            return new string(buffer[..(n + k)]);
        }
        return null;
    }

    /// <summary>Traced string values are capped: the trace shows what a rule read, not the whole request again.</summary>
    public const int MaxTracedStringLength = 120;

    private static string Shorten(string? value) => value is null ? "missing" : Review.TextCut.Shorten(value, MaxTracedStringLength);

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
