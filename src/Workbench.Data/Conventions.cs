using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Workbench.Data;

/// <summary>Enums are stored as the same snake_case strings the API speaks, readable in any SQL console.</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(v => ToText(v), v => FromText(v))
    where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Names =
        Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

    private static readonly FrozenDictionary<string, TEnum> Values =
        Names.ToFrozenDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    public static string ToText(TEnum value) => Names[value];

    public static TEnum FromText(string text) => Values.TryGetValue(text, out var value)
        ? value
        : throw new InvalidOperationException($"'{text}' is not a known {typeof(TEnum).Name}.");
}

/// <summary>
/// SQLite has no date type and EF cannot order or compare DateTimeOffset stored as text there, so on SQLite
/// times are UTC ticks: sortable, comparable, exact. The app only ever writes UTC.
/// </summary>
public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.UtcTicks,
    v => new DateTimeOffset(v, TimeSpan.Zero));
