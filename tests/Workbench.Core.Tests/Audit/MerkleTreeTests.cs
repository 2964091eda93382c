using Workbench.Core.Audit;

namespace Workbench.Core.Tests.Audit;

/// <summary>
/// The Merkle tree against the reference vectors every RFC 6962 / RFC 9162 implementation is checked with (the
/// Certificate Transparency test data: eight leaves, their tree heads, inclusion and consistency proofs), and against
/// the RFC's recursive definition written out plainly here, for every size up to 70.
/// </summary>
public sealed class MerkleTreeTests
{
    private static readonly byte[][] Leaves = [.. new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f" }.Select(h => MerkleTree.LeafHash(Convert.FromHexString(h)))];

    private static readonly string[] Roots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<long, long, string[]> InclusionVectors => new()
    {
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    public static TheoryData<long, long, string[]> ConsistencyVectors => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    [Fact]
    public void Tree_heads_match_the_reference_roots_for_every_size_up_to_eight()
    {
        for (var n = 0; n <= 8; n++)
        {
            Assert.Equal(Roots[n], Hex(MerkleTree.RangeHash(0, n, Node(Leaves))));
            Assert.Equal(Roots[n], Hex(Frontier(Leaves, n).Root()));
        }
    }

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void Inclusion_proofs_match_the_reference_and_verify(long index, long size, string[] expected)
    {
        var proof = Proof(MerkleTree.InclusionRanges(index, size), Leaves);

        Assert.Equal(expected, proof.Select(Hex));
        Assert.True(MerkleTree.VerifyInclusion(index, size, Leaves[index], proof, Convert.FromHexString(Roots[size])));
        Assert.False(MerkleTree.VerifyInclusion(index, size, Leaves[(index + 1) % size], proof, Convert.FromHexString(Roots[size])));
        Assert.False(MerkleTree.VerifyInclusion(index, size, Leaves[index], proof, Convert.FromHexString(Roots[0])));
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void Consistency_proofs_match_the_reference_and_verify(long first, long second, string[] expected)
    {
        var proof = Proof(MerkleTree.ConsistencyRanges(first, second), Leaves);

        Assert.Equal(expected, proof.Select(Hex));
        Assert.True(MerkleTree.VerifyConsistency(first, second, proof, Convert.FromHexString(Roots[first]), Convert.FromHexString(Roots[second])));
        if (first < second)
        {
            Assert.False(MerkleTree.VerifyConsistency(first, second, proof, Convert.FromHexString(Roots[first - 1 == 0 ? 2 : first - 1]),
                Convert.FromHexString(Roots[second])));
        }
    }

    [Fact]
    public void Every_proof_of_every_tree_up_to_seventy_leaves_agrees_with_the_recursive_definition()
    {
        var leaves = Enumerable.Range(0, 70).Select(i => MerkleTree.LeafHash([(byte)i, (byte)(i * 7)])).ToArray();
        for (var size = 1; size <= leaves.Length; size++)
        {
            var root = Mth(leaves.AsSpan(0, size));
            Assert.Equal(Hex(root), Hex(MerkleTree.RangeHash(0, size, Node(leaves))));
            Assert.Equal(Hex(root), Hex(Frontier(leaves, size).Root()));
            for (var i = 0; i < size; i++)
            {
                var proof = Proof(MerkleTree.InclusionRanges(i, size), leaves);
                Assert.True(MerkleTree.VerifyInclusion(i, size, leaves[i], proof, root), $"leaf {i} of {size}");
                var tampered = leaves[i].ToArray();
                tampered[0] ^= 1;
                Assert.False(MerkleTree.VerifyInclusion(i, size, tampered, proof, root));
            }
            for (var first = 1; first <= size; first++)
            {
                var proof = Proof(MerkleTree.ConsistencyRanges(first, size), leaves);
                var firstRoot = Mth(leaves.AsSpan(0, first));
                Assert.True(MerkleTree.VerifyConsistency(first, size, proof, firstRoot, root), $"{first} to {size}");
                var other = firstRoot.ToArray();
                other[^1] ^= 1;
                Assert.False(MerkleTree.VerifyConsistency(first, size, proof, other, root));
            }
        }
    }

    [Fact]
    public void A_rewritten_leaf_makes_the_new_tree_inconsistent_with_the_old_head()
    {
        var leaves = Enumerable.Range(0, 20).Select(i => MerkleTree.LeafHash([(byte)i])).ToArray();
        var oldRoot = Mth(leaves.AsSpan(0, 12));
        leaves[7] = MerkleTree.LeafHash([0xFF]);

        var proof = Proof(MerkleTree.ConsistencyRanges(12, 20), leaves);

        Assert.False(MerkleTree.VerifyConsistency(12, 20, proof, oldRoot, Mth(leaves)));
    }

    /// <summary>RFC 9162 2.1.1 as written: MTH({}) = SHA-256(), MTH({d0}) = leaf, else split at the largest power of two below n.</summary>
    private static byte[] Mth(ReadOnlySpan<byte[]> leaves)
    {
        if (leaves.Length == 0)
        {
            return System.Security.Cryptography.SHA256.HashData(ReadOnlySpan<byte>.Empty);
        }
        if (leaves.Length == 1)
        {
            return leaves[0];
        }
        var k = 1;
        while (k * 2 < leaves.Length)
        {
            k *= 2;
        }
        return MerkleTree.NodeHash(Mth(leaves[..k]), Mth(leaves[k..]));
    }

    private static Func<MerkleNode, byte[]> Node(byte[][] leaves) => n => Mth(leaves.AsSpan((int)n.Start, (int)(n.End - n.Start)));

    private static List<byte[]> Proof(List<(long Start, long End)> ranges, byte[][] leaves) =>
        [.. ranges.Select(r => MerkleTree.RangeHash(r.Start, r.End, Node(leaves)))];

    private static MerkleFrontier Frontier(byte[][] leaves, int n)
    {
        var f = new MerkleFrontier();
        foreach (var leaf in leaves.Take(n))
        {
            f.Append(leaf);
        }
        return f;
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
}
