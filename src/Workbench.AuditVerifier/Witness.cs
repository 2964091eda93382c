using System.Security.Cryptography;
using Workbench.Core.Audit;

/// <summary>The <c>--consistency</c> mode: each proof against the two signed checkpoints it joins, read from the folder.</summary>
internal static class Witness
{
    public static int Check(ECDsa key, string proofPath, string folder)
    {
        var proofFiles = Directory.Exists(proofPath)
            ? Directory.GetFiles(proofPath, "*.json").Order(StringComparer.Ordinal).ToList()
            : [proofPath];
        if (proofFiles.Count == 0)
        {
            Console.Error.WriteLine($"{proofPath}: no proof files (*.json).");
            return 2;
        }
        var failed = 0;
        foreach (var file in proofFiles)
        {
            var name = Path.GetFileName(file);
            var proof = ConsistencyProofDocument.FromJson(File.ReadAllText(file), out var problem);
            if (proof is null)
            {
                Console.Error.WriteLine($"{name}: {problem}");
                return 2;
            }
            var older = Read(folder, proof.First, out problem);
            var newer = older is null ? null : Read(folder, proof.Second, out problem);
            if (older is null || newer is null)
            {
                Console.Error.WriteLine($"{name}: {problem}");
                return 2;
            }
            var verdict = CheckpointConsistency.Check(key, older, newer, proof);
            if (verdict is null)
            {
                Console.WriteLine($"OK {name}: checkpoint {proof.Second} extends checkpoint {proof.First} ({proof.Proof.Count} hashes).");
            }
            else
            {
                failed++;
                Console.WriteLine($"FAIL {name}: {verdict}");
            }
        }
        Console.WriteLine(failed == 0
            ? $"CONSISTENT: {proofFiles.Count} proof(s) hold between signed checkpoints of key {CheckpointSignature.KeyId(key)}."
            : $"NOT CONSISTENT: {failed} of {proofFiles.Count} proof(s) do not hold.");
        return failed == 0 ? 0 : 1;
    }

    private static CheckpointDocument? Read(string folder, long treeSize, out string? problem)
    {
        var path = Path.Combine(folder, CheckpointDocument.FileName(treeSize));
        if (!File.Exists(path))
        {
            problem = $"there is no checkpoint of size {treeSize} in {folder} ({CheckpointDocument.FileName(treeSize)}).";
            return null;
        }
        return CheckpointDocument.FromJson(File.ReadAllText(path), out problem);
    }
}
