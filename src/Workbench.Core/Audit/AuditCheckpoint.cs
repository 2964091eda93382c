using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workbench.Core.Audit;

/// <summary>
/// What a checkpoint states: the tree of the first <see cref="TreeSize"/> audit events had root <see cref="RootHash"/>
/// (and the event at <see cref="TreeSize"/> chain hash <see cref="HeadHash"/>) at <see cref="IssuedAt"/>. Its
/// <see cref="Body"/> is the exact text signed: six lines, each ending in a newline, so that anyone can read what was
/// signed without a JSON parser and no two statements share a body.
/// </summary>
public sealed record CheckpointStatement(string Origin, long TreeSize, string RootHash, string HeadHash, DateTimeOffset IssuedAt)
{
    public const string Format = "workbench-audit-checkpoint/v1";

    public string Body() => string.Create(CultureInfo.InvariantCulture,
        $"{Format}\norigin {Origin}\nsize {TreeSize}\nroot {RootHash}\nhead {HeadHash}\ntime {IssuedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\n");

    /// <summary>The statement of a body, or null with the reason when the body is not one.</summary>
    public static CheckpointStatement? Parse(string body, out string? problem)
    {
        problem = null;
        var lines = body.Split('\n');
        if (lines.Length != 7 || lines[6].Length != 0 || lines[0] != Format)
        {
            problem = $"The body is not a {Format} statement.";
            return null;
        }
        string? Field(int i, string name) => lines[i].StartsWith(name + " ", StringComparison.Ordinal) ? lines[i][(name.Length + 1)..] : null;
        var origin = Field(1, "origin");
        var size = Field(2, "size");
        var root = Field(3, "root");
        var head = Field(4, "head");
        var time = Field(5, "time");
        if (origin is null || !long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 ||
            !IsHash(root) || !IsHash(head) ||
            !DateTimeOffset.TryParseExact(time, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            problem = "The body's origin, size, root, head or time is malformed.";
            return null;
        }
        var statement = new CheckpointStatement(origin, n, root!, head!, at);
        if (statement.Body() != body)
        {
            problem = "The body is not in its canonical form.";
            return null;
        }
        return statement;
    }

    private static bool IsHash(string? s) => s is { Length: 64 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

/// <summary>
/// A checkpoint as written outside the database (one file per checkpoint in the checkpoint folder, and the body of the
/// POST to a witness): the signed body and its signature, and — unsigned, but bound to the signed root — the chain
/// hashes of the events it adds after the checkpoint of <see cref="PreviousTreeSize"/>. With those, a verifier that
/// finds a log not matching the checkpoint names the first event that differs from what was committed, not only the
/// checkpoint that failed.
/// </summary>
public sealed record CheckpointDocument
{
    public required string Body { get; init; }
    /// <summary>ECDSA P-256 with SHA-256 over the UTF-8 body, DER (RFC 3279), base64.</summary>
    public required string Signature { get; init; }
    /// <summary>SHA-256 of the signing key's SubjectPublicKeyInfo, lowercase hex.</summary>
    public required string KeyId { get; init; }
    public required long PreviousTreeSize { get; init; }
    /// <summary>The chain hashes of the events PreviousTreeSize + 1 to the statement's size, in order.</summary>
    public required IReadOnlyList<string> Hashes { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The file name for the checkpoint of a tree size: sorts by size.</summary>
    public static string FileName(long treeSize) => string.Create(CultureInfo.InvariantCulture, $"checkpoint-{treeSize:D12}.json");

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CheckpointDocument? FromJson(string json, out string? problem)
    {
        problem = null;
        try
        {
            var doc = JsonSerializer.Deserialize<CheckpointDocument>(json, Json);
            if (doc is null)
            {
                problem = "The checkpoint file is empty.";
            }
            return doc;
        }
        catch (JsonException ex)
        {
            problem = $"The checkpoint file is not a checkpoint: {ex.Message}";
            return null;
        }
    }
}

/// <summary>Signing and checking checkpoint bodies with ECDSA P-256 / SHA-256.</summary>
public static class CheckpointSignature
{
    public static string KeyId(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    public static string Sign(ECDsa key, string body) =>
        Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public static bool Verify(ECDsa publicKey, string body, string signature)
    {
        var bytes = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature, bytes, out var n))
        {
            return false;
        }
        return publicKey.VerifyData(Encoding.UTF8.GetBytes(body), bytes.AsSpan(0, n), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>A P-256 public key from PEM (a PUBLIC KEY block, or a certificate), or null with the reason.</summary>
    public static ECDsa? PublicKeyFromPem(string pem, out string? problem)
    {
        problem = null;
        ECDsa? key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (ArgumentException)
        {
            key.Dispose();
            key = FromCertificate(pem);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            problem = $"The key cannot be read: {ex.Message}";
            return null;
        }
        if (key is null || key.KeySize != 256)
        {
            key?.Dispose();
            problem = "The key is not an ECDSA P-256 public key (PEM PUBLIC KEY or CERTIFICATE).";
            return null;
        }
        return key;
    }

    private static ECDsa? FromCertificate(string pem)
    {
        try
        {
            using var cert = X509Certificate2.CreateFromPem(pem);
            return cert.GetECDsaPublicKey();
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return null;
        }
    }
}
