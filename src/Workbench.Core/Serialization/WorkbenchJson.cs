using System.Text.Json;
using System.Text.Json.Serialization;
using Workbench.Core.Cases;

namespace Workbench.Core.Serialization;

/// <summary>The one JSON shape of the product: camelCase members, snake_case enum strings (DESIGN.md "HTTP API v1").</summary>
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
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
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
