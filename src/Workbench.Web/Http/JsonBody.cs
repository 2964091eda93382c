using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Workbench.Web.Http;

/// <summary>
/// Reads a JSON body under a size limit and turns every way it can be wrong into a problem detail:
/// too large (413), not JSON (415), not well-formed (400 malformed-json), wrong types, unknown fields or a member
/// named twice at any depth (400 validation, keyed by JSON path). Missing fields are left for the validator, which
/// lists them all at once.
/// </summary>
public static class JsonBody
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public sealed record Read<T>(T? Value, byte[] Bytes, IResult? Problem);

    /// <summary>
    /// A reader of one type's common bodies that says yes only to a body it reads exactly as the serializer would;
    /// on no, the serializer reads the body and words its problems.
    /// </summary>
    public delegate bool QuickReader<T>(ReadOnlySpan<byte> json, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? value);

    public static async Task<Read<T>> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken ct, QuickReader<T>? quick = null)
        where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            return new(null, [], TooLarge(maxBytes));
        }
        if (!IsJson(request.ContentType))
        {
            return new(null, [], Problems.Of(415, ProblemTypes.UnsupportedMediaType, "Unsupported media type",
                "Send the body as application/json."));
        }
        var bytes = request.ContentLength is { } length
            ? await ReadExactlyAsync(request.Body, (int)length, ct)
            : await ReadChunkedAsync(request.Body, maxBytes, ct);
        if (bytes is null)
        {
            return new(null, [], TooLarge(maxBytes));
        }
        return Parse(bytes, maxBytes, quick);
    }

    /// <summary>The same strict parse for a body that did not come as an HTTP request (an MCP tool's argument).</summary>
    public static Read<T> Parse<T>(byte[] bytes, int maxBytes, QuickReader<T>? quick = null)
        where T : class
    {
        if (bytes.Length > maxBytes)
        {
            return new(null, [], TooLarge(maxBytes));
        }
        // A UTF-8 byte order mark is allowed (RFC 8259 lets a parser ignore it); the reader itself would refuse it.
        var json = bytes.AsSpan().StartsWith(Utf8Bom) ? bytes.AsMemory(Utf8Bom.Length) : bytes.AsMemory();
        if (quick is not null && quick(json.Span, out var read))
        {
            return new(read, bytes, null);
        }
        try
        {
            // One pass straight from the bytes; the reader's own errors (syntax) are told apart from type errors.
            var value = JsonSerializer.Deserialize<T>(json.Span, Options);
            return value is null
                ? new(null, bytes, Problems.Invalid(new Dictionary<string, string[]> { ["$"] = ["The body must be a JSON object."] }))
                : new(value, bytes, null);
        }
        catch (JsonException ex) when (ex.InnerException?.GetType().Name == "JsonReaderException" || bytes.Length == 0)
        {
            return new(null, bytes, Problems.Of(400, ProblemTypes.MalformedJson, "The body is not well-formed JSON",
                $"{Clean(ex.Message)} (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})."));
        }
        catch (JsonException ex)
        {
            var message = ex.Path is "$" or null && ex.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? "The body must be a JSON object."
                : WrongType(typeof(T), ex) ?? Clean(ex.Message);
            return new(null, bytes, Problems.Invalid(new Dictionary<string, string[]> { [ex.Path ?? "$"] = [message] }));
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            return new(null, bytes, Problems.Invalid(new Dictionary<string, string[]> { ["$"] = ["A value has the wrong type or format."] }));
        }
    }

    /// <summary>
    /// Whether the top-level object of a read body has the member: for the few value-type members whose absence must
    /// not read as their default (the reader fills missing members in).
    /// </summary>
    public static bool HasTopLevelMember(byte[] bytes, string name)
    {
        var reader = new Utf8JsonReader(bytes.AsSpan().StartsWith(Utf8Bom) ? bytes.AsSpan(Utf8Bom.Length) : bytes);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                return true;
            }
            reader.Read();
            reader.Skip();
        }
        return false;
    }

    /// <summary>A body of announced length (already checked against the limit) straight into one array of that size.</summary>
    private static async Task<byte[]> ReadExactlyAsync(Stream body, int length, CancellationToken ct)
    {
        var bytes = new byte[length];
        var filled = 0;
        int read;
        while (filled < length && (read = await body.ReadAsync(bytes.AsMemory(filled), ct)) > 0)
        {
            filled += read;
        }
        // Kestrel ends a body shorter than its Content-Length with an error of its own; this is the belt to that.
        return filled == length ? bytes : bytes[..filled];
    }

    /// <summary>How much <see cref="ReadChunkedAsync"/> reads at a time: it may read this much past its limit before it refuses.</summary>
    public const int ChunkBytes = 16 * 1024;

    /// <summary>A body without Content-Length (or an MCP message): read in chunks, refused (null) as soon as it passes the limit.</summary>
    public static async Task<byte[]?> ReadChunkedAsync(Stream body, int maxBytes, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[ChunkBytes];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null &&
        (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ||
         contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));

    private static IResult TooLarge(int maxBytes) =>
        Problems.Of(413, ProblemTypes.PayloadTooLarge, "The body is too large", $"At most {maxBytes} bytes (Intake:Limits:MaxBodyBytes).");

    /// <summary>The serializer's message without its own location suffix and without echoing type names.</summary>
    private static string Clean(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut] : message;
        cut = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
        text = cut > 0 ? text[..cut] : text;
        if (text.Contains("could not be converted", StringComparison.Ordinal))
        {
            return "Has the wrong JSON type for this member (see its schema in /openapi/v1.json).";
        }
        return text.Replace("Workbench.Contracts.", "", StringComparison.Ordinal)
                   .Replace("Workbench.Core.Cases.", "", StringComparison.Ordinal)
                   .Replace("System.Collections.Generic.", "", StringComparison.Ordinal)
                   .Replace("System.", "", StringComparison.Ordinal);
    }

    /// <summary>
    /// "The JSON value could not be converted to System.Nullable`1[System.Int32]" said in JSON's words ("Must be an
    /// integer or null."), for people who never see .NET. The type is the member's at the error's path (the message
    /// names the enclosing record when the member is a constructor parameter); null when the path leads nowhere.
    /// </summary>
    private static string? WrongType(Type root, JsonException ex)
    {
        if (!ex.Message.Contains("could not be converted", StringComparison.Ordinal) || ex.Path is null || TypeAt(root, ex.Path) is not { } type)
        {
            return null;
        }
        var underlying = Nullable.GetUnderlyingType(type);
        var kind = JsonKindOf(underlying ?? type);
        return underlying is null ? $"Must be {kind}." : $"Must be {kind} or null.";
    }

    private static Type? TypeAt(Type root, string path)
    {
        var type = root;
        foreach (System.Text.RegularExpressions.Match step in System.Text.RegularExpressions.Regex.Matches(path, @"\.([^.\[]+)|\[(\d+)\]|\['([^']*)'\]"))
        {
            var info = Options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
            var name = step.Groups[1].Success ? step.Groups[1].Value : step.Groups[3].Success ? step.Groups[3].Value : null;
            type = info.Kind switch
            {
                JsonTypeInfoKind.Object when name is not null => info.Properties.FirstOrDefault(p => p.Name == name)?.PropertyType,
                JsonTypeInfoKind.Enumerable when name is null => info.ElementType,
                JsonTypeInfoKind.Dictionary when name is not null => info.ElementType,
                _ => null,
            };
            if (type is null)
            {
                return null;
            }
        }
        return type;
    }

    /// <summary>What a .NET type is on the wire: "an integer", "one of: a, b", "an array", "an object".</summary>
    private static string JsonKindOf(Type type)
    {
        if (type.IsEnum)
        {
            return "one of: " + string.Join(", ", WireSchema.EnumValues(type));
        }
        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte))
        {
            return "an integer";
        }
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "a number";
        }
        if (type == typeof(string))
        {
            return "a string";
        }
        if (type == typeof(bool))
        {
            return "true or false";
        }
        if (type == typeof(Guid))
        {
            return "a string holding a UUID";
        }
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return "a string holding an RFC 3339 date-time";
        }
        if (type == typeof(SignalValue))
        {
            return "a number or true or false";
        }
        if (type == typeof(JsonElement))
        {
            return "a JSON value";
        }
        return Options.GetTypeInfo(type).Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            _ => "an object",
        };
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(WorkbenchJson.Options)
        {
            // A member named twice, at any depth (objects, dictionaries, free JSON such as parameters and metadata), is
            // refused: a proxy or logger that reads the first of two 'workflow' members must not see another case.
            AllowDuplicateProperties = false,
            MaxDepth = 32,
            RespectNullableAnnotations = false,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver
            {
                Modifiers =
                {
                    // Missing members are reported by the validator, all of them with their paths, not one by one.
                    static info =>
                    {
                        foreach (var p in info.Properties)
                        {
                            p.IsRequired = false;
                        }
                    },
                },
            },
        };
        options.MakeReadOnly();
        return options;
    }
}
