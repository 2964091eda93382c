using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace Workbench.Web.Intake;

/// <summary>
/// The fingerprint an Idempotency-Key is bound to: SHA-256 of the body's canonical JSON, so that a retry whose body
/// was re-serialized (members in another order, other whitespace, other escapes, <c>1.0</c> for <c>1</c>) still
/// replays, and any other value is 422 idempotency-key-reused. Canonical form: object members sorted by name
/// (ordinal), arrays in their order, strings as the writer escapes them, numbers as their shortest decimal where they
/// fit one (otherwise as written). Computed only for a submission that carries a key, from the bytes already read.
/// </summary>
public static class IdempotencyFingerprint
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public static string Of(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith(Utf8Bom))
        {
            body = body[Utf8Bom.Length..];
        }
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, body.Length));
        var reader = new Utf8JsonReader(body);
        using (var document = JsonDocument.ParseValue(ref reader))
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(document.RootElement, writer);
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void Write(JsonElement value, Utf8JsonWriter writer)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var member in value.EnumerateObject().OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(member.Name);
                    Write(member.Value, writer);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Write(item, writer);
                }
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetString());
                break;
            case JsonValueKind.Number when value.TryGetDecimal(out var number):
                // Dividing by 1.000… drops trailing zeros: 1.50 and 1.5 (and 15e-1) are one value.
                writer.WriteRawValue((number / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
