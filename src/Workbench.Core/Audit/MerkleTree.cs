using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;

namespace Workbench.Core.Audit;

/// <summary>
/// A perfect subtree of the Merkle tree: the 2^<see cref="Level"/> leaves from <c>Index &lt;&lt; Level</c>. Level 0 is a
/// leaf; every hash a proof or a root is made of is one of these, or made of them.
/// </summary>
public readonly record struct MerkleNode(int Level, long Index)
{
    public long Start => Index << Level;
    public long End => (Index + 1) << Level;
}

/// <summary>
/// The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: leaf hash SHA-256(0x00 || data), interior
/// node SHA-256(0x01 || left || right), the tree of n leaves split at the largest power of two below n. Pure functions:
/// which subtrees a root or a proof is made of (so that a caller can fetch them from wherever it keeps them), how to
/// put them together, and the verification of inclusion and consistency proofs, written after the RFC's algorithms
/// (2.1.3.2 and 2.1.4.2) step by step.
/// </summary>
public static class MerkleTree
{
    public const int HashSize = 32;

    /// <summary>The root of the empty tree: SHA-256 of nothing.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        var hash = new byte[HashSize];
        LeafHash(data, hash);
        return hash;
    }

    public static void LeafHash(ReadOnlySpan<byte> data, Span<byte> into)
    {
        var length = data.Length + 1;
        var rented = length <= 256 ? null : ArrayPool<byte>.Shared.Rent(length);
        var buffer = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        buffer[0] = 0x00;
        data.CopyTo(buffer[1..]);
        SHA256.HashData(buffer, into);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[HashSize];
        NodeHash(left, right, hash);
        return hash;
    }

    public static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> into)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * HashSize];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        SHA256.HashData(buffer, into);
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n &gt; 1): where RFC 9162 splits a tree of n leaves.</summary>
    public static long Split(long n) => n < 2 ? throw new ArgumentOutOfRangeException(nameof(n)) : (long)BitOperations.RoundUpToPowerOf2((ulong)n) >> 1;

    /// <summary>
    /// The perfect subtrees that make MTH(D[start:end]) in left-to-right order. Every range a root or a proof of RFC
    /// 9162 asks for starts at a multiple of its largest power of two, so they are whole nodes of the one tree.
    /// </summary>
    public static List<MerkleNode> Decompose(long start, long end)
    {
        List<MerkleNode> nodes = [];
        while (start < end)
        {
            var size = end - start;
            var level = BitOperations.Log2((ulong)size);
            if ((start & ((1L << level) - 1)) != 0)
            {
                throw new ArgumentException($"D[{start}:{end}] is not a range of the tree: it does not start on a subtree boundary.");
            }
            nodes.Add(new MerkleNode(level, start >> level));
            start += 1L << level;
        }
        return nodes;
    }

    /// <summary>MTH(D[start:end]) from its perfect subtrees (<see cref="Decompose"/>): the right ones are joined first.</summary>
    public static byte[] RangeHash(long start, long end, Func<MerkleNode, byte[]> node)
    {
        if (start == end)
        {
            return EmptyRoot();
        }
        var nodes = Decompose(start, end);
        var hash = node(nodes[^1]);
        for (var i = nodes.Count - 2; i >= 0; i--)
        {
            hash = NodeHash(node(nodes[i]), hash);
        }
        return hash;
    }

    /// <summary>
    /// The ranges whose MTH make the inclusion proof of leaf <paramref name="index"/> in the tree of
    /// <paramref name="size"/> leaves, in proof order (RFC 9162 2.1.3.1 PATH, the deepest sibling first).
    /// </summary>
    public static List<(long Start, long End)> InclusionRanges(long index, long size)
    {
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of {size} leaves.");
        }
        List<(long, long)> path = [];
        Path(index, 0, size, path);
        return path;

        static void Path(long m, long start, long end, List<(long, long)> into)
        {
            if (end - start == 1)
            {
                return;
            }
            var k = Split(end - start);
            if (m - start < k)
            {
                Path(m, start, start + k, into);
                into.Add((start + k, end));
            }
            else
            {
                Path(m, start + k, end, into);
                into.Add((start, start + k));
            }
        }
    }

    /// <summary>
    /// The ranges whose MTH make the consistency proof between the trees of <paramref name="first"/> and
    /// <paramref name="second"/> leaves (RFC 9162 2.1.4.1 SUBPROOF), in proof order. Empty when the sizes are equal.
    /// </summary>
    public static List<(long Start, long End)> ConsistencyRanges(long first, long second)
    {
        if (first < 1 || first > second)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"No consistency proof from {first} to {second} leaves (0 < first <= second).");
        }
        List<(long, long)> proof = [];
        if (first < second)
        {
            SubProof(first, 0, second, true, proof);
        }
        return proof;

        static void SubProof(long m, long start, long end, bool whole, List<(long, long)> into)
        {
            var n = end - start;
            if (m == n)
            {
                if (!whole)
                {
                    into.Add((start, end));
                }
                return;
            }
            var k = Split(n);
            if (m <= k)
            {
                SubProof(m, start, start + k, whole, into);
                into.Add((start + k, end));
            }
            else
            {
                SubProof(m - k, start + k, end, false, into);
                into.Add((start, start + k));
            }
        }
    }

    /// <summary>RFC 9162 2.1.3.2: does <paramref name="proof"/> put <paramref name="leafHash"/> at <paramref name="index"/> of the tree with <paramref name="root"/>?</summary>
    public static bool VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size || leafHash.Length != HashSize || root.Length != HashSize)
        {
            return false;
        }
        var fn = index;
        var sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0 || p.Length != HashSize)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && root.SequenceEqual(r);
    }

    /// <summary>
    /// RFC 9162 2.1.4.2: is the tree of <paramref name="second"/> leaves with <paramref name="secondRoot"/> an extension
    /// of the tree of <paramref name="first"/> leaves with <paramref name="firstRoot"/>? Equal sizes need equal roots and no proof.
    /// </summary>
    public static bool VerifyConsistency(long first, long second, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot)
    {
        if (first < 1 || first > second || firstRoot.Length != HashSize || secondRoot.Length != HashSize)
        {
            return false;
        }
        if (first == second)
        {
            return proof.Count == 0 && firstRoot.SequenceEqual(secondRoot);
        }
        if (proof.Count == 0 || proof.Any(p => p.Length != HashSize))
        {
            return false;
        }
        List<byte[]> path = [.. proof];
        if (BitOperations.IsPow2(first))
        {
            path.Insert(0, firstRoot.ToArray());
        }
        var fn = first - 1;
        var sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && firstRoot.SequenceEqual(fr) && secondRoot.SequenceEqual(sr);
    }
}

/// <summary>
/// The right edge of a tree being built leaf by leaf (a compact range): one hash per set bit of the size, so a
/// million leaves take twenty hashes. Gives the root at any size on the way, for streaming a log past its checkpoints.
/// </summary>
public sealed class MerkleFrontier
{
    private readonly List<(int Level, byte[] Hash)> _stack = [];

    public long Size { get; private set; }

    public void Append(ReadOnlySpan<byte> leafHash)
    {
        var hash = leafHash.ToArray();
        var level = 0;
        while (_stack.Count > 0 && _stack[^1].Level == level)
        {
            hash = MerkleTree.NodeHash(_stack[^1].Hash, hash);
            _stack.RemoveAt(_stack.Count - 1);
            level++;
        }
        _stack.Add((level, hash));
        Size++;
    }

    /// <summary>MTH of the leaves appended so far.</summary>
    public byte[] Root()
    {
        if (_stack.Count == 0)
        {
            return MerkleTree.EmptyRoot();
        }
        var hash = _stack[^1].Hash;
        for (var i = _stack.Count - 2; i >= 0; i--)
        {
            hash = MerkleTree.NodeHash(_stack[i].Hash, hash);
        }
        return hash;
    }
}
