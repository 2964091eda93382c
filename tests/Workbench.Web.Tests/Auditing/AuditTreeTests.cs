using Microsoft.EntityFrameworkCore;
using Workbench.Core.Audit;
using Workbench.Data;
using Workbench.Web.Cases;

namespace Workbench.Web.Tests.Auditing;

/// <summary>
/// The Merkle tree kept in the database (stored nodes of 256 events and up, the rest from the events' hashes) against
/// the same tree built in memory from the events read back: roots, inclusion and consistency proofs agree at every size
/// tried, whether the stored nodes reach that far or not.
/// </summary>
public sealed class AuditTreeTests : IAsyncLifetime
{
    private WorkbenchFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new WorkbenchFactory { Settings = { ["Audit:Verification:Enabled"] = "false", ["Audit:Checkpoints:Enabled"] = "false" } };
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<byte[][]> EventsAsync(int count)
    {
        var at = DateTimeOffset.UtcNow;
        for (var written = 0; written < count; written += 100)
        {
            await _app.WithDbAsync(async db =>
            {
                for (var i = written; i < Math.Min(count, written + 100); i++)
                {
                    Audit.AddAdministrative(db, "test.event", "tester", "admin", at.AddMilliseconds(i), new { I = i });
                }
                return await db.SaveChangesAsync();
            });
        }
        var hashes = await _app.WithDbAsync(db => db.AuditEvents.OrderBy(a => a.Sequence).Select(a => a.Hash).ToListAsync());
        return [.. hashes.Select(h => MerkleTree.LeafHash(Convert.FromHexString(h)))];
    }

    private static byte[] Root(byte[][] leaves, long size)
    {
        var f = new MerkleFrontier();
        foreach (var leaf in leaves.Take((int)size))
        {
            f.Append(leaf);
        }
        return f.Root();
    }

    [Fact]
    public async Task Roots_and_proofs_from_the_stored_tree_match_the_tree_of_the_events()
    {
        var leaves = await EventsAsync(700);

        // Nothing stored yet: everything comes from the events.
        await AssertTreeAsync(leaves, [1, 255, 256, 257, 300, 700]);

        var added = await _app.WithDbAsync(async db =>
        {
            var n = await new AuditTree(db).ExtendAsync(300);
            await db.SaveChangesAsync();
            return n;
        });
        Assert.Equal(1, added); // the first tile of 256
        await AssertTreeAsync(leaves, [256, 300, 512, 700]);

        added = await _app.WithDbAsync(async db =>
        {
            var n = await new AuditTree(db).ExtendAsync(700);
            await db.SaveChangesAsync();
            return n;
        });
        Assert.Equal(2, added); // the second tile and the node of both
        Assert.Equal(512, await _app.WithDbAsync(db => new AuditTree(db).StoredSizeAsync()));
        await AssertTreeAsync(leaves, [1, 256, 511, 512, 513, 699, 700]);
    }

    [Fact]
    public async Task A_tree_past_the_head_of_the_log_is_refused()
    {
        await EventsAsync(10);

        await Assert.ThrowsAsync<AuditTreeException>(() => _app.WithDbAsync(db => new AuditTree(db).RootAsync(11)));
    }

    private async Task AssertTreeAsync(byte[][] leaves, long[] sizes)
    {
        foreach (var size in sizes)
        {
            var root = Root(leaves, size);
            Assert.Equal(Convert.ToHexStringLower(root), Convert.ToHexStringLower(await _app.WithDbAsync(db => new AuditTree(db).RootAsync(size))));
            foreach (var index in new[] { 0, size / 3, size - 1 }.Distinct())
            {
                var proof = await _app.WithDbAsync(db => new AuditTree(db).InclusionProofAsync(index + 1, size));
                Assert.True(MerkleTree.VerifyInclusion(index, size, leaves[index], proof, root), $"event {index + 1} in {size}");
            }
            foreach (var first in new[] { 1, size / 2, size }.Where(f => f >= 1).Distinct())
            {
                var proof = await _app.WithDbAsync(db => new AuditTree(db).ConsistencyProofAsync(first, size));
                Assert.True(MerkleTree.VerifyConsistency(first, size, proof, Root(leaves, first), root), $"{first} to {size}");
            }
        }
    }
}
