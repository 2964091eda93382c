using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workbench.Contracts;

/// <summary>The one JSON shape of the product: camelCase members, snake_case enum strings (docs/design.md "HTTP API v1").</summary>
public static class WorkbenchJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Applies the product's settings to options owned by a framework (minimal APIs, SignalR).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.RespectNullableAnnotations = true;
        // One spelling per value: a number is a JSON number ("2" is refused), as an enum is its snake_case string.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new SnakeCaseEnumConverterFactory());
        options.Converters.Add(new SignalValueJsonConverter());
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>A signal is a JSON number or a JSON boolean; anything else is refused.</summary>
public sealed class SignalValueJsonConverter : JsonConverter<SignalValue>
{
    public override SignalValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => SignalValue.Of(reader.GetDouble()),
            JsonTokenType.True => SignalValue.Of(true),
            JsonTokenType.False => SignalValue.Of(false),
            _ => throw new JsonException("A signal must be a number or a boolean."),
        };

    public override void Write(Utf8JsonWriter writer, SignalValue value, JsonSerializerOptions options)
    {
        if (value.Kind == SignalKind.Number)
        {
            writer.WriteNumberValue(value.Number);
        }
        else
        {
            writer.WriteBooleanValue(value.Boolean);
        }
    }
}

/// <summary>
/// Enums as exact snake_case strings, both ways. Stricter than JsonStringEnumConverter, which also reads
/// "AUTHORITATIVE", "Authoritative" and numbers: the contract has one spelling per value.
/// </summary>
public sealed class SnakeCaseEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(SnakeCaseEnumConverter<>).MakeGenericType(typeToConvert))!;
}

public sealed class SnakeCaseEnumConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    private static readonly System.Collections.Frozen.FrozenDictionary<TEnum, string> Names =
        System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(Enum.GetValues<TEnum>(), v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

    private static readonly System.Collections.Frozen.FrozenDictionary<string, TEnum> Values =
        System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(Names, kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && Values.TryGetValue(reader.GetString()!, out var value))
        {
            return value;
        }
        throw new JsonException($"Must be one of: {string.Join(", ", Names.Values)}.");
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => writer.WriteStringValue(Names[value]);

    public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Values.TryGetValue(reader.GetString()!, out var value) ? value : throw new JsonException($"Must be one of: {string.Join(", ", Names.Values)}.");

    public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WritePropertyName(Names[value]);
}
