using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Workbench.Core.Audit;

namespace Workbench.Benchmarks;

/// <summary>
/// <c>audit-verifier</c>: the standalone verifier over a log of N events (1,000,000 by default). Writes a chained log
/// export (JSON lines shaped like the app's case events) with a signed checkpoint every 1,000 events into a temp
/// folder, then runs <c>Workbench.AuditVerifier.dll</c> as its own process, as an auditor would, and reports its time,
/// events per second and peak memory (its own report). It asserts nothing but that the log verifies.
/// </summary>
public static class AuditVerifierLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var events = args.SkipWhile(a => a != "--events").Skip(1).Select(int.Parse).FirstOrDefault(1_000_000);
        var every = args.SkipWhile(a => a != "--every").Skip(1).Select(int.Parse).FirstOrDefault(1_000);
        var directory = Path.Combine(Path.GetTempPath(), "wb-audit-verifier-" + Guid.NewGuid().ToString("N")[..8]);
        var folder = Path.Combine(directory, "checkpoints");
        Directory.CreateDirectory(folder);
        try
        {
            var seed = Stopwatch.StartNew();
            var (log, keyPath) = Write(directory, folder, events, every);
            Console.WriteLine($"Wrote {events:N0} events ({new FileInfo(log).Length / 1024 / 1024:N0} MiB) and {events / every:N0} checkpoints in {seed.Elapsed.TotalSeconds:N1} s.");

            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Workbench.AuditVerifier.dll"), "--log", log, "--checkpoints", folder, "--key", keyPath })
            {
                psi.ArgumentList.Add(a);
            }
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(psi)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            clock.Stop();
            Console.Write(output);
            Console.WriteLine($"Verifier process: exit {process.ExitCode}, {clock.Elapsed.TotalSeconds:N1} s wall clock including start-up " +
                $"({events / clock.Elapsed.TotalSeconds:N0} events/s).");
            return process.ExitCode;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (string Log, string Key) Write(string directory, string folder, int events, int every)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyPath = Path.Combine(directory, "audit-key.pub.pem");
        File.WriteAllText(keyPath, key.ExportSubjectPublicKeyInfoPem());
        var keyId = CheckpointSignature.KeyId(key);
        var log = Path.Combine(directory, "audit-log.jsonl");
        using var writer = new StreamWriter(log, false, new UTF8Encoding(false), 1 << 20);
        var hasher = new AuditCanonicalForm.Hasher();
        var frontier = new MerkleFrontier();
        var previous = AuditCanonicalForm.Genesis;
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        List<string> pending = [];
        long lastSize = 0;
        for (var i = 1; i <= events; i++)
        {
            var e = new AuditEventContent
            {
                Sequence = i,
                PrevHash = previous,
                Type = i % 3 == 0 ? "case.decided" : "case.submitted",
                CaseId = new Guid(i, 0, 0, [0, 0, 0, 0, 0, 0, 0, 1]),
                Actor = i % 3 == 0 ? "rita" : "demo-agent",
                ActorRole = i % 3 == 0 ? "reviewer" : "client",
                At = AuditCanonicalForm.Truncate(start.AddMilliseconds(i * 37)),
                RequestId = $"req-{i:x8}",
                RiskTier = i % 4,
                PolicyVersion = "2026.11.3",
                ModelVersion = "gpt-4.1-2025-04-14",
                PromptVersion = "refund-v7",
                ReasonCodes = "[\"AMOUNT_OVER_LIMIT\",\"NEW_PAYEE\"]",
                FinalDecision = i % 3 == 0 ? "rejected" : null,
                DataJson = $"{{\"workflow\":\"refunds\",\"queue\":\"payments\",\"externalId\":\"ext-{i}\",\"amount\":{i % 997}.50}}",
            };
            e.Hash = hasher.HashHex(e);
            previous = e.Hash;
            writer.Write(AuditLogExport.Line(e));
            writer.Write('\n');
            frontier.Append(MerkleTree.LeafHash(Convert.FromHexString(e.Hash)));
            pending.Add(e.Hash);
            if (i % every == 0 || i == events)
            {
                var body = new CheckpointStatement("benchmark", i, Convert.ToHexStringLower(frontier.Root()), e.Hash, start).Body();
                var document = new CheckpointDocument
                {
                    Body = body, Signature = CheckpointSignature.Sign(key, body), KeyId = keyId, PreviousTreeSize = lastSize, Hashes = [.. pending],
                };
                File.WriteAllText(Path.Combine(folder, CheckpointDocument.FileName(i)), document.ToJson());
                pending.Clear();
                lastSize = i;
            }
        }
        return (log, keyPath);
    }
}
