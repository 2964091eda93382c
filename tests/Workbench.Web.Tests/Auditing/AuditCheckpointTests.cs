using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Core.Audit;
using Workbench.Data;
using Workbench.Web.Auditing;

namespace Workbench.Web.Tests.Auditing;

/// <summary>
/// Signed checkpoints written by the background worker to the folder and to a witness (a real HTTP receiver), the
/// public key at its well-known URL, and the proofs of the case export and the consistency API checked by a verifier
/// written here in Python from RFC 9162 (2.1.3.2 and 2.1.4.2), independent of the app's C#.
/// </summary>
public sealed class AuditCheckpointTests : IAsyncLifetime
{
    private readonly WebhookReceiver _witness = new();
    private WorkbenchFactory _app = null!;

    public async Task InitializeAsync()
    {
        await _witness.StartAsync();
        _app = new WorkbenchFactory
        {
            Settings =
            {
                ["Audit:Verification:Enabled"] = "false",
                ["Audit:Checkpoints:EveryEvents"] = "6",
                ["Audit:Checkpoints:PollInterval"] = "00:00:00.200",
                ["Audit:Checkpoints:WitnessUrl"] = _witness.Url("/witness"),
            },
        };
        _ = _app.Server;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _witness.DisposeAsync();
    }

    private async Task<List<CheckpointDocument>> WaitForFilesAsync(int atLeast)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var files = Directory.Exists(_app.CheckpointFolder) ? Directory.GetFiles(_app.CheckpointFolder, "checkpoint-*.json").Order().ToList() : [];
            if (files.Count >= atLeast && _witness.Succeeded.Count() >= atLeast)
            {
                return [.. files.Select(f => CheckpointDocument.FromJson(File.ReadAllText(f), out _)!)];
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{files.Count} checkpoint file(s), {_witness.Succeeded.Count()} witnessed after 60 s");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Checkpoints_are_signed_in_the_background_and_written_outside_with_the_hashes_they_commit()
    {
        for (var i = 0; i < 7; i++)
        {
            await _app.SubmitSampleAsync(Samples.Queues);
        }

        var documents = await WaitForFilesAsync(1);

        var pem = await _app.CreateClient().GetStringAsync(AuditProofApi.KeyPath);
        using var key = CheckpointSignature.PublicKeyFromPem(pem, out var problem);
        Assert.True(key is not null, problem);
        var hashes = await _app.WithDbAsync(db => db.AuditEvents.OrderBy(a => a.Sequence).Select(a => a.Hash).ToListAsync());
        var first = documents[0];
        Assert.True(CheckpointSignature.Verify(key!, first.Body, first.Signature));
        Assert.Equal(CheckpointSignature.KeyId(key!), first.KeyId);
        var statement = CheckpointStatement.Parse(first.Body, out problem)!;
        Assert.True(statement is not null, problem);
        Assert.Equal(0, first.PreviousTreeSize);
        Assert.True(statement.TreeSize >= 6);
        Assert.Equal(hashes.Take((int)statement.TreeSize), first.Hashes);
        var frontier = new MerkleFrontier();
        foreach (var h in hashes.Take((int)statement.TreeSize))
        {
            frontier.Append(MerkleTree.LeafHash(Convert.FromHexString(h)));
        }
        Assert.Equal(Convert.ToHexStringLower(frontier.Root()), statement.RootHash);
        Assert.Equal(hashes[(int)statement.TreeSize - 1], statement.HeadHash);
        // The witness got the same document.
        var witnessed = JsonSerializer.Deserialize<CheckpointDocument>(_witness.Succeeded.First().Body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal((first.Body, first.Signature), (witnessed.Body, witnessed.Signature));
        // A changed body does not verify.
        Assert.False(CheckpointSignature.Verify(key!, first.Body.Replace("size ", "size 1", StringComparison.Ordinal), first.Signature));
    }

    [Fact]
    public async Task The_case_export_and_the_consistency_api_carry_proofs_an_independent_rfc_9162_verifier_accepts()
    {
        var id = (await _app.SubmitSampleAsync(Samples.Queues)).Id;
        for (var i = 0; i < 6; i++)
        {
            await _app.SubmitSampleAsync(Samples.Queues);
        }
        await WaitForFilesAsync(1);
        for (var i = 0; i < 6; i++)
        {
            await _app.SubmitSampleAsync(Samples.Queues);
        }
        var documents = await WaitForFilesAsync(2);
        var lena = await _app.SignedInAs("lena");

        var export = (await lena.GetFromJsonAsync<CaseAuditExport>($"/api/v1/cases/{id}/audit", WorkbenchJson.Options))!;
        var sizes = documents.Select(d => CheckpointStatement.Parse(d.Body, out _)!.TreeSize).ToList();
        var consistency = await lena.GetAsync($"/api/v1/audit/consistency?first={sizes[0]}&second={sizes[1]}");

        Assert.True(export.CheckpointIntact);
        var proof = export.Events[0].Proof!;
        Assert.True(proof.Verified);
        Assert.Equal(HttpStatusCode.OK, consistency.StatusCode);
        var c = (await consistency.Content.ReadFromJsonAsync<AuditConsistencyProof>(WorkbenchJson.Options))!;
        var input = new
        {
            inclusion = new { index = proof.LeafIndex, size = proof.TreeSize, leaf = proof.LeafHash, path = proof.Path, root = export.Checkpoint!.RootHash },
            consistency = new { first = c.First, second = c.Second, firstRoot = c.FirstRoot, secondRoot = c.SecondRoot, proof = c.Proof },
        };
        Assert.Equal("inclusion ok\nconsistency ok\n", await PythonAsync(JsonSerializer.Serialize(input)));
        // The verifier can fail: a wrong root is refused.
        Assert.Equal("inclusion FAIL\nconsistency FAIL\n", await PythonAsync(JsonSerializer.Serialize(new
        {
            inclusion = input.inclusion with { root = c.SecondRoot == input.inclusion.root ? c.FirstRoot : c.SecondRoot },
            consistency = input.consistency with { firstRoot = c.SecondRoot },
        })));
        // Sizes that are not checkpoints, or not in order, are refused with a problem.
        Assert.Equal(HttpStatusCode.NotFound, (await lena.GetAsync($"/api/v1/audit/consistency?first=1&second={sizes[1]}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await lena.GetAsync($"/api/v1/audit/consistency?first={sizes[1]}&second={sizes[0]}")).StatusCode);
    }

    [Fact]
    public async Task A_witness_with_only_the_signed_checkpoints_checks_consistency_proofs_with_the_standalone_verifier()
    {
        List<long> sizes = [];
        for (var round = 1; round <= 3; round++)
        {
            for (var i = 0; i < 6; i++)
            {
                await _app.SubmitSampleAsync(Samples.Queues);
            }
            sizes = [.. (await WaitForFilesAsync(round)).Select(d => CheckpointStatement.Parse(d.Body, out _)!.TreeSize)];
        }
        var lena = await _app.SignedInAs("lena");
        var work = Directory.CreateTempSubdirectory("wb-witness-").FullName;
        try
        {
            // What a witness keeps: the signed checkpoints (a copy), the published key, and proofs the server gave.
            var checkpoints = Directory.CreateDirectory(Path.Combine(work, "checkpoints")).FullName;
            foreach (var file in Directory.GetFiles(_app.CheckpointFolder, "checkpoint-*.json"))
            {
                File.Copy(file, Path.Combine(checkpoints, Path.GetFileName(file)));
            }
            var key = Path.Combine(work, "audit-key.pub.pem");
            await File.WriteAllTextAsync(key, await _app.CreateClient().GetStringAsync(AuditProofApi.KeyPath));
            var proofs = Directory.CreateDirectory(Path.Combine(work, "proofs")).FullName;
            foreach (var (a, b) in new[] { (sizes[0], sizes[1]), (sizes[1], sizes[2]), (sizes[0], sizes[2]) })
            {
                await File.WriteAllTextAsync(Path.Combine(proofs, $"{a}-{b}.json"), await lena.GetStringAsync($"/api/v1/audit/consistency?first={a}&second={b}"));
            }

            var (exit, output) = await WitnessAsync(proofs, checkpoints, key);
            Assert.True(exit == 0, output);
            Assert.Contains("CONSISTENT: 3 proof(s) hold", output);
            Assert.Contains($"OK {sizes[0]}-{sizes[2]}.json: checkpoint {sizes[2]} extends checkpoint {sizes[0]}", output);

            // A proof with one hash changed does not lead from one signed root to the other.
            var original = await File.ReadAllTextAsync(Path.Combine(proofs, $"{sizes[0]}-{sizes[2]}.json"));
            var proof = ConsistencyProofDocument.FromJson(original, out _)!;
            var bent = proof with { Proof = [.. proof.Proof.Select((h, i) => i == 0 ? (h[0] == '0' ? "1" : "0") + h[1..] : h)] };
            var bentFile = Path.Combine(work, "bent.json");
            await File.WriteAllTextAsync(bentFile, JsonSerializer.Serialize(bent));
            (exit, output) = await WitnessAsync(bentFile, checkpoints, key);
            Assert.True(exit == 1, output);
            Assert.Contains($"Checkpoint {sizes[2]} does not extend checkpoint {sizes[0]}", output);

            // A server whose log was rewritten after the first checkpoint serves proofs between its new roots: they
            // are consistent with each other, but not with what was signed.
            var rewritten = proof with { FirstRoot = proof.SecondRoot };
            var rewrittenFile = Path.Combine(work, "rewritten.json");
            await File.WriteAllTextAsync(rewrittenFile, JsonSerializer.Serialize(rewritten));
            (exit, output) = await WitnessAsync(rewrittenFile, checkpoints, key);
            Assert.True(exit == 1, output);
            Assert.Contains("the log changed after it was signed", output);

            // A checkpoint whose body was edited no longer carries a valid signature.
            var newest = Path.Combine(checkpoints, CheckpointDocument.FileName(sizes[2]));
            var document = CheckpointDocument.FromJson(await File.ReadAllTextAsync(newest), out _)!;
            var root = CheckpointStatement.Parse(document.Body, out _)!.RootHash;
            var forgedRoot = (root[0] == '0' ? "1" : "0") + root[1..];
            await File.WriteAllTextAsync(newest, (document with { Body = document.Body.Replace($"root {root}", $"root {forgedRoot}") }).ToJson());
            (exit, output) = await WitnessAsync(proofs, checkpoints, key);
            Assert.True(exit == 1, output);
            Assert.Contains($"Checkpoint {sizes[2]}: its signature does not verify", output);
            Assert.Contains("NOT CONSISTENT: 2 of 3 proof(s) do not hold", output);

            // Input that cannot be read is exit 2 with the reason.
            (exit, output) = await WitnessAsync(Path.Combine(work, "missing.json"), checkpoints, key);
            Assert.Equal(2, exit);
            Assert.Contains("does not exist", output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Task<(int ExitCode, string Output)> WitnessAsync(string proofs, string checkpoints, string key) =>
        Processes.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Workbench.AuditVerifier.dll"), "--consistency", proofs,
            "--checkpoints", checkpoints, "--key", key], TimeSpan.FromMinutes(2));

    [Fact]
    public async Task The_public_key_is_public_and_the_checkpoints_and_log_are_not()
    {
        var anonymous = _app.CreateBrowserClient();

        var key = await anonymous.GetAsync(AuditProofApi.KeyPath);

        Assert.Equal(HttpStatusCode.OK, key.StatusCode);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", await key.Content.ReadAsStringAsync());
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/audit/checkpoints")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/audit/log")).StatusCode);
        var lena = await _app.SignedInAs("lena");
        Assert.Equal(HttpStatusCode.Forbidden, (await lena.GetAsync("/api/v1/audit/log")).StatusCode);
    }

    /// <summary>RFC 9162 2.1.3.2 and 2.1.4.2, transcribed into Python from the RFC's text.</summary>
    private const string Rfc9162 = """
        import hashlib, json, sys
        def node(l, r): return hashlib.sha256(b"\x01" + l + r).digest()
        def inclusion(index, size, leaf, path, root):
            if index >= size: return False
            fn, sn, r = index, size - 1, leaf
            for p in path:
                if sn == 0: return False
                if fn & 1 == 1 or fn == sn:
                    r = node(p, r)
                    if fn & 1 == 0:
                        while fn & 1 == 0 and fn != 0:
                            fn >>= 1; sn >>= 1
                else:
                    r = node(r, p)
                fn >>= 1; sn >>= 1
            return sn == 0 and r == root
        def consistency(first, second, first_root, second_root, proof):
            if first == second: return len(proof) == 0 and first_root == second_root
            if len(proof) == 0: return False
            if first & (first - 1) == 0: proof = [first_root] + proof
            fn, sn = first - 1, second - 1
            while fn & 1 == 1:
                fn >>= 1; sn >>= 1
            fr = sr = proof[0]
            for c in proof[1:]:
                if sn == 0: return False
                if fn & 1 == 1 or fn == sn:
                    fr = node(c, fr); sr = node(c, sr)
                    if fn & 1 == 0:
                        while fn & 1 == 0 and fn != 0:
                            fn >>= 1; sn >>= 1
                else:
                    sr = node(sr, c)
                fn >>= 1; sn >>= 1
            return sn == 0 and fr == first_root and sr == second_root
        h = bytes.fromhex
        x = json.load(sys.stdin)
        i, c = x["inclusion"], x["consistency"]
        print("inclusion", "ok" if inclusion(i["index"], i["size"], h(i["leaf"]), [h(p) for p in i["path"]], h(i["root"])) else "FAIL")
        print("consistency", "ok" if consistency(c["first"], c["second"], h(c["firstRoot"]), h(c["secondRoot"]), [h(p) for p in c["proof"]]) else "FAIL")
        """;

    private static async Task<string> PythonAsync(string input)
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Rfc9162);
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, error);
        return output;
    }
}
