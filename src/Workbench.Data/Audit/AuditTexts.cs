using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Workbench.Data.Entities;

namespace Workbench.Data;

/// <summary>A free text's place in an audit event's data: where it stood, its reference and its digest.</summary>
public sealed record AuditTextPlace(string Field, string Ref, string Sha256);

/// <summary>
/// Free texts of audit events kept beside the chain (<see cref="AuditTextRecord"/>): the digest, and how the places of
/// texts are found in an event's data (<c>{"textRef":"atx_…","sha256":"…"}</c>, the only object with exactly those two members).
/// </summary>
public static class AuditTexts
{
    public const string RefMember = "textRef";
    public const string DigestMember = "sha256";

    /// <summary>SHA-256 over the UTF-8 bytes of the salt followed by those of the text, lowercase hex.</summary>
    public static string Digest(string salt, string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + text)));

    public static string NewSalt() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string NewRef() => "atx_" + Guid.NewGuid().ToString("N");

    /// <summary>Whether the stored text is the one the chained digest names (false once purged).</summary>
    public static bool Matches(AuditTextRecord t, string chainedDigest) =>
        t.Text is not null && t.Salt is not null && string.Equals(t.Sha256, chainedDigest, StringComparison.Ordinal) &&
        string.Equals(Digest(t.Salt, t.Text), chainedDigest, StringComparison.Ordinal);

    /// <summary>The text places in an event's data, in document order; none for data written before texts moved out.</summary>
    public static IReadOnlyList<AuditTextPlace> Places(string dataJson)
    {
        if (!dataJson.Contains($"\"{RefMember}\"", StringComparison.Ordinal))
        {
            return [];
        }
        try
        {
            using var doc = JsonDocument.Parse(dataJson);
            var found = new List<AuditTextPlace>();
            Walk(doc.RootElement, "", found);
            return found;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static void Walk(JsonElement e, string path, List<AuditTextPlace> found)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                if (IsPlace(e, out var r, out var d))
                {
                    found.Add(new AuditTextPlace(path, r, d));
                    return;
                }
                foreach (var p in e.EnumerateObject())
                {
                    Walk(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}", found);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    Walk(item, $"{path}[{i++}]", found);
                }
                break;
        }
    }

    private static bool IsPlace(JsonElement e, out string reference, out string digest)
    {
        reference = digest = "";
        var count = 0;
        foreach (var p in e.EnumerateObject())
        {
            count++;
            if (p.Name == RefMember && p.Value.ValueKind == JsonValueKind.String)
            {
                reference = p.Value.GetString()!;
            }
            else if (p.Name == DigestMember && p.Value.ValueKind == JsonValueKind.String)
            {
                digest = p.Value.GetString()!;
            }
        }
        return count == 2 && reference.Length > 0 && digest.Length > 0;
    }
}
