using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace Workbench.Web.Intake;

/// <summary>
/// What an Idempotency-Key is bound to. Stored with the key: SHA-256 of the body's bytes (<see cref="OfBytes"/>), so a
/// retry that sends the same bytes is known at once, at the cost of a hash. A retry with other bytes is compared by
/// SHA-256 of the canonical JSON (<see cref="Of"/>) with the first request's, so that a body re-serialized (members in
/// another order, other whitespace, other escapes, <c>1.0</c> for <c>1</c>) still replays, and any other value is 422
/// idempotency-key-reused. Canonical form: object members sorted by name
/// (ordinal), arrays in their order, strings as the writer escapes them, numbers as their shortest decimal where they
/// fit one (otherwise as written). Computed only for a retry whose key is taken, from the bytes already read.
/// The canonical form is written in one pass of a reader over the bytes, without building a document: each object's
/// members are written, canonical, into a buffer of their depth and copied out in name order, and strings without
/// escapes are re-escaped from their bytes without becoming .NET strings. The buffers are kept per thread.
/// </summary>
public static class IdempotencyFingerprint
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Buffers of one thread larger than this are not kept for the next body.</summary>
    private const int KeptBufferBytes = 64 * 1024;

    [ThreadStatic]
    private static Canonicalizer? _canonicalizer;

    /// <summary>SHA-256 of the bytes as sent, lower-case hex.</summary>
    public static string OfBytes(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>SHA-256 of the canonical JSON, lower-case hex.</summary>
    public static string Of(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith(Utf8Bom))
        {
            body = body[Utf8Bom.Length..];
        }
        var canonicalizer = _canonicalizer ??= new Canonicalizer();
        _canonicalizer = null; // re-entry (there is none) would get its own
        try
        {
            return Convert.ToHexStringLower(SHA256.HashData(canonicalizer.Write(body)));
        }
        finally
        {
            canonicalizer.Trim();
            _canonicalizer = canonicalizer;
        }
    }

    private sealed class Canonicalizer
    {
        /// <summary>One level per depth of nesting: the output of a level's values, and the members of the object being read there.</summary>
        private readonly List<Level> _levels = [];

        public ReadOnlySpan<byte> Write(ReadOnlySpan<byte> body)
        {
            var reader = new Utf8JsonReader(body);
            reader.Read();
            var root = LevelAt(0);
            root.Start();
            WriteValue(ref reader, root.Writer, 1);
            root.Writer.Flush();
            return root.Buffer.WrittenSpan;
        }

        public void Trim()
        {
            for (var i = 0; i < _levels.Count; i++)
            {
                if (_levels[i].Buffer.Capacity > KeptBufferBytes)
                {
                    _levels.RemoveRange(i, _levels.Count - i);
                    return;
                }
            }
        }

        private Level LevelAt(int depth)
        {
            while (_levels.Count <= depth)
            {
                _levels.Add(new Level());
            }
            return _levels[depth];
        }

        /// <summary>The value the reader is on, canonical, into <paramref name="writer"/>; objects use the level at <paramref name="depth"/>.</summary>
        private void WriteValue(ref Utf8JsonReader reader, Utf8JsonWriter writer, int depth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    WriteObject(ref reader, writer, depth);
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteStartArray();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        WriteValue(ref reader, writer, depth);
                    }
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.String when !reader.ValueIsEscaped:
                    writer.WriteStringValue(reader.ValueSpan);
                    break;
                case JsonTokenType.String:
                    writer.WriteStringValue(reader.GetString());
                    break;
                case JsonTokenType.Number when reader.TryGetDecimal(out var number):
                    // Dividing by 1.000… drops trailing zeros: 1.50 and 1.5 (and 15e-1) are one value.
                    writer.WriteRawValue((number / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                    break;
                case JsonTokenType.Number:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                    writer.WriteBooleanValue(true);
                    break;
                case JsonTokenType.False:
                    writer.WriteBooleanValue(false);
                    break;
                default:
                    writer.WriteNullValue();
                    break;
            }
        }

        /// <summary>Each member's value written apart into this depth's buffer, then the members in name order.</summary>
        private void WriteObject(ref Utf8JsonReader reader, Utf8JsonWriter writer, int depth)
        {
            var level = LevelAt(depth);
            level.Start();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                var start = level.Buffer.WrittenCount;
                level.Writer.Reset(level.Buffer);
                WriteValue(ref reader, level.Writer, depth + 1);
                level.Writer.Flush();
                level.Members.Add(new Member(name, level.Members.Count, start, level.Buffer.WrittenCount - start));
            }
            level.Members.Sort(static (a, b) =>
            {
                var byName = string.CompareOrdinal(a.Name, b.Name);
                return byName != 0 ? byName : a.Order.CompareTo(b.Order);
            });
            writer.WriteStartObject();
            foreach (var member in level.Members)
            {
                writer.WritePropertyName(member.Name);
                writer.WriteRawValue(level.Buffer.WrittenSpan.Slice(member.Start, member.Length), skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
    }

    private readonly record struct Member(string Name, int Order, int Start, int Length);

    private sealed class Level
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new(1024);
        public Utf8JsonWriter Writer { get; }
        public List<Member> Members { get; } = [];

        public Level() => Writer = new Utf8JsonWriter(Buffer);

        public void Start()
        {
            Buffer.ResetWrittenCount();
            Writer.Reset(Buffer);
            Members.Clear();
        }
    }
}
