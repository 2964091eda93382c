using System.Security.Cryptography;
using System.Text.Json;

namespace Workbench.Core.Audit;

/// <summary>
/// An RFC 9162 consistency proof between two checkpoints, as <c>GET /api/v1/audit/consistency</c> serves it. The roots
/// it names are the server's claim; a witness checks the proof against the roots the two signed checkpoints state.
/// </summary>
public sealed record ConsistencyProofDocument(long First, long Second, string FirstRoot, string SecondRoot, IReadOnlyList<string> Proof)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static ConsistencyProofDocument? FromJson(string json, out string? problem)
    {
        problem = null;
        try
        {
            var doc = JsonSerializer.Deserialize<ConsistencyProofDocument>(json, Json);
            if (doc is null || doc.Proof is null || doc.FirstRoot is null || doc.SecondRoot is null)
            {
                problem = "The file is not a consistency proof (first, second, firstRoot, secondRoot, proof).";
                return null;
            }
            return doc;
        }
        catch (JsonException ex)
        {
            problem = $"The file is not a consistency proof: {ex.Message}";
            return null;
        }
    }
}

/// <summary>
/// What a witness that keeps only signed checkpoints checks, without the log or the database: both checkpoints are
/// signed by the published key, and the newer tree extends the older one (RFC 9162 2.1.4.2) — no event inside the
/// older checkpoint was changed, removed or reordered since it was signed. O(log n) hashes, whatever the log's size.
/// </summary>
public static class CheckpointConsistency
{
    /// <summary>Null when <paramref name="newer"/> extends <paramref name="older"/> by <paramref name="proof"/>; else why not, in words.</summary>
    public static string? Check(ECDsa publicKey, CheckpointDocument older, CheckpointDocument newer, ConsistencyProofDocument proof)
    {
        var keyId = CheckpointSignature.KeyId(publicKey);
        var statements = new CheckpointStatement[2];
        var documents = new[] { older, newer };
        for (var i = 0; i < 2; i++)
        {
            var statement = CheckpointStatement.Parse(documents[i].Body, out var problem);
            if (statement is null)
            {
                return $"The {(i == 0 ? "older" : "newer")} checkpoint: {problem}";
            }
            if (documents[i].KeyId != keyId || !CheckpointSignature.Verify(publicKey, documents[i].Body, documents[i].Signature))
            {
                return $"Checkpoint {statement.TreeSize}: its signature does not verify with key {keyId}.";
            }
            statements[i] = statement;
        }
        var (a, b) = (statements[0], statements[1]);
        if (proof.First != a.TreeSize || proof.Second != b.TreeSize)
        {
            return $"The proof is between sizes {proof.First} and {proof.Second}, not between checkpoints {a.TreeSize} and {b.TreeSize}.";
        }
        // The roots the proof names are only the server's word: a log rewritten after the older checkpoint gives a
        // proof that is consistent with its own new roots. The signed roots are what count.
        if (!string.Equals(proof.FirstRoot, a.RootHash, StringComparison.OrdinalIgnoreCase))
        {
            return $"The proof names root {proof.FirstRoot} for size {a.TreeSize}; checkpoint {a.TreeSize} signed {a.RootHash}: the log changed after it was signed.";
        }
        if (!string.Equals(proof.SecondRoot, b.RootHash, StringComparison.OrdinalIgnoreCase))
        {
            return $"The proof names root {proof.SecondRoot} for size {b.TreeSize}; checkpoint {b.TreeSize} signed {b.RootHash}.";
        }
        var hashes = new List<byte[]>(proof.Proof.Count);
        foreach (var hex in proof.Proof)
        {
            if (hex is null || hex.Length != 2 * MerkleTree.HashSize || !TryHex(hex, out var bytes))
            {
                return $"The proof holds a value that is not a SHA-256 hash: '{Shorten(hex)}'.";
            }
            hashes.Add(bytes);
        }
        if (!TryHex(a.RootHash, out var firstRoot) || !TryHex(b.RootHash, out var secondRoot))
        {
            return "A signed root is not a SHA-256 hash.";
        }
        return MerkleTree.VerifyConsistency(a.TreeSize, b.TreeSize, hashes, firstRoot, secondRoot)
            ? null
            : $"Checkpoint {b.TreeSize} does not extend checkpoint {a.TreeSize}: the proof does not lead from one signed root to the other.";
    }

    private static bool TryHex(string hex, out byte[] bytes)
    {
        bytes = [];
        if (hex.Length != 2 * MerkleTree.HashSize)
        {
            return false;
        }
        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 20 ? text : text[..20] + "…";
}
