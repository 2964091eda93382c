using System.Security.Cryptography;
using Workbench.Core.Audit;

namespace Workbench.Core.Tests.Audit;

/// <summary>
/// The standalone verifier over logs and checkpoints built here: an intact log, an event changed with every later hash
/// recomputed, events removed from the end, a checkpoint signed by another key, a checkpoint file whose hashes were
/// edited, and a log with no checkpoint at all.
/// </summary>
public sealed class AuditLogVerifierTests : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => _key.Dispose();

    private static List<AuditEventContent> Log(int count, Func<int, string>? decision = null)
    {
        List<AuditEventContent> events = [];
        var previous = AuditCanonicalForm.Genesis;
        for (var i = 1; i <= count; i++)
        {
            var e = new AuditEventContent
            {
                Sequence = i, PrevHash = previous, Type = "case.decided", Actor = "rita", ActorRole = "reviewer",
                At = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero).AddSeconds(i), FinalDecision = decision?.Invoke(i) ?? "rejected",
                DataJson = $"{{\"n\":{i}}}",
            };
            e.Hash = AuditCanonicalForm.Hash(e);
            previous = e.Hash;
            events.Add(e);
        }
        return events;
    }

    private List<(string, CheckpointDocument)> Checkpoints(List<AuditEventContent> log, ECDsa key, params int[] sizes)
    {
        List<(string, CheckpointDocument)> documents = [];
        var previous = 0;
        foreach (var size in sizes)
        {
            var frontier = new MerkleFrontier();
            foreach (var e in log.Take(size))
            {
                frontier.Append(MerkleTree.LeafHash(Convert.FromHexString(e.Hash)));
            }
            var body = new CheckpointStatement("test", size, Convert.ToHexStringLower(frontier.Root()), log[size - 1].Hash, DateTimeOffset.UnixEpoch).Body();
            documents.Add((CheckpointDocument.FileName(size), new CheckpointDocument
            {
                Body = body, Signature = CheckpointSignature.Sign(key, body), KeyId = CheckpointSignature.KeyId(key),
                PreviousTreeSize = previous, Hashes = [.. log.Skip(previous).Take(size - previous).Select(e => e.Hash)],
            }));
            previous = size;
        }
        return documents;
    }

    private AuditLogVerification Verify(List<AuditEventContent> log, List<(string, CheckpointDocument)> checkpoints)
    {
        var verifier = new AuditLogVerifier(_key);
        verifier.AddCheckpoints(checkpoints);
        return verifier.Verify(log);
    }

    [Fact]
    public void An_intact_log_with_its_checkpoints_verifies()
    {
        var log = Log(50);

        var result = Verify(log, Checkpoints(log, _key, 10, 33, 40));

        Assert.True(result.Intact, string.Join("\n", result.Problems));
        Assert.Equal((50L, 3, 40L), (result.EventsChecked, result.CheckpointsChecked, result.NewestCheckpoint));
        Assert.Contains(result.Notes, n => n.Contains("Events 41 to 50"));
    }

    [Fact]
    public void A_rewritten_and_recomputed_log_is_named_at_its_first_changed_event()
    {
        var original = Log(50);
        var checkpoints = Checkpoints(original, _key, 10, 33);
        var rewritten = Log(50, i => i == 17 ? "approved" : "rejected");

        var result = Verify(rewritten, checkpoints);

        Assert.False(result.Intact);
        Assert.Equal(17, result.FirstBadSequence);
        Assert.Contains(result.Problems, p => p.StartsWith("Event 17 (case.decided", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("Checkpoint 33", StringComparison.Ordinal));
    }

    [Fact]
    public void Events_removed_from_the_end_are_found()
    {
        var log = Log(50);
        var checkpoints = Checkpoints(log, _key, 10, 45);

        var result = Verify(log.Take(40).ToList(), checkpoints);

        Assert.False(result.Intact);
        Assert.Equal(41, result.FirstBadSequence);
        Assert.Contains(result.Problems, p => p.Contains("events were removed"));
    }

    [Fact]
    public void A_checkpoint_signed_by_another_key_or_with_edited_hashes_does_not_count()
    {
        var log = Log(20);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreign = Verify(log, Checkpoints(log, other, 10));
        Assert.False(foreign.Intact);
        Assert.Equal(0, foreign.CheckpointsChecked);
        Assert.Contains(foreign.Problems, p => p.Contains("signature does not verify"));

        var edited = Checkpoints(log, _key, 10);
        var (name, doc) = edited[0];
        var hashes = doc.Hashes.ToList();
        hashes[3] = new string('a', 64);
        var result = Verify(log, [(name, doc with { Hashes = hashes })]);
        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Contains("do not make its signed root"));
    }

    [Fact]
    public void A_log_without_any_checkpoint_is_not_called_intact()
    {
        var result = Verify(Log(5), []);

        Assert.False(result.Intact);
        Assert.Empty(result.Problems);
        Assert.Contains(result.Notes, n => n.StartsWith("No valid checkpoint", StringComparison.Ordinal));
    }
}
