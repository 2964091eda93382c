using System.Globalization;

namespace Workbench.Contracts;

public enum SignalKind
{
    Number,
    Boolean,
}

/// <summary>A named signal's value: a number or a boolean (docs/design.md: "named numbers and booleans").</summary>
public readonly record struct SignalValue
{
    private SignalValue(SignalKind kind, double number, bool boolean)
    {
        Kind = kind;
        Number = number;
        Boolean = boolean;
    }

    public SignalKind Kind { get; }
    public double Number { get; }
    public bool Boolean { get; }

    public static SignalValue Of(double number) => new(SignalKind.Number, number, false);
    public static SignalValue Of(bool boolean) => new(SignalKind.Boolean, 0, boolean);

    public static implicit operator SignalValue(double number) => Of(number);
    public static implicit operator SignalValue(bool boolean) => Of(boolean);

    public override string ToString() => Kind == SignalKind.Number
        ? Number.ToString("G", CultureInfo.InvariantCulture)
        : (Boolean ? "true" : "false");
}
