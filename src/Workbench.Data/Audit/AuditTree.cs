using Microsoft.EntityFrameworkCore;
using Workbench.Core.Audit;
using Workbench.Data.Entities;

namespace Workbench.Data;

/// <summary>The stored events do not make a tree (a sequence is missing, or an event was never sealed).</summary>
public sealed class AuditTreeException(string message) : Exception(message);

/// <summary>
/// The Merkle tree over the audit events (RFC 9162, <see cref="MerkleTree"/>): leaf <c>i</c> is the event of sequence
/// <c>i + 1</c>, and its leaf data is that event's chain hash (32 bytes) — which already covers the event's canonical
/// form and, through the previous hash, everything before it. The nodes of complete subtrees of
/// 2^<see cref="StoredLevel"/> events and up are kept in <c>audit_tree_nodes</c> (derived from the events, so any
/// instance can extend them, and written by the checkpoint worker, never by the write path); anything smaller is
/// recomputed from the events' hashes — at most one tile of 256 events per node a proof needs.
/// </summary>
public sealed class AuditTree
{
    public const int StoredLevel = 8;
    public const long TileSize = 1L << StoredLevel;

    private readonly WorkbenchDbContext _db;
    private readonly Dictionary<MerkleNode, byte[]> _nodes = [];
    private readonly Dictionary<long, byte[][]> _tiles = [];

    public AuditTree(WorkbenchDbContext db) => _db = db;

    /// <summary>The leaf hash of an event: SHA-256(0x00 || its chain hash as bytes).</summary>
    public static byte[] LeafOf(long sequence, string chainHash)
    {
        if (chainHash.Length != 2 * MerkleTree.HashSize)
        {
            throw new AuditTreeException($"Event {sequence} has no chain hash: it was never sealed into the chain.");
        }
        Span<byte> data = stackalloc byte[MerkleTree.HashSize];
        if (Convert.FromHexString(chainHash, data, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            throw new AuditTreeException($"Event {sequence} has a chain hash that is not hex.");
        }
        return MerkleTree.LeafHash(data);
    }

    /// <summary>How many events the stored nodes cover: a multiple of <see cref="TileSize"/>.</summary>
    public async Task<long> StoredSizeAsync(CancellationToken ct = default)
    {
        var last = await _db.AuditTreeNodes.AsNoTracking().Where(n => n.Level == StoredLevel).MaxAsync(n => (long?)n.Index, ct);
        return last is { } i ? (i + 1) * TileSize : 0;
    }

    /// <summary>
    /// Adds to the context (unsaved) the nodes of every complete subtree of 256 events and up among the first
    /// <paramref name="size"/> events that is not stored yet. Reads each new event's hash once, in sequence order.
    /// </summary>
    public async Task<int> ExtendAsync(long size, CancellationToken ct = default)
    {
        var stored = await StoredSizeAsync(ct);
        var target = size / TileSize * TileSize;
        if (target <= stored)
        {
            return 0;
        }
        // The right edge of what is stored: the only stored nodes a new one can be joined with.
        var edge = MerkleTree.Decompose(0, stored);
        await PrefetchStoredAsync(edge, ct);
        List<(int Level, long Index, byte[] Hash)> stack = [];
        foreach (var n in edge)
        {
            stack.Add((n.Level, n.Index, await NodeAsync(n, ct)));
        }
        var added = 0;
        var frontier = new MerkleFrontier();
        var tile = stored / TileSize;
        await foreach (var (_, leaf) in LeavesAsync(stored, target, ct))
        {
            frontier.Append(leaf);
            if (frontier.Size < TileSize)
            {
                continue;
            }
            var node = (Level: StoredLevel, Index: tile++, Hash: frontier.Root());
            frontier = new MerkleFrontier();
            while (true)
            {
                _db.AuditTreeNodes.Add(new AuditTreeNodeRecord { Level = node.Level, Index = node.Index, Hash = node.Hash });
                _nodes[new MerkleNode(node.Level, node.Index)] = node.Hash;
                added++;
                if (stack.Count == 0 || stack[^1].Level != node.Level)
                {
                    break;
                }
                var left = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                node = (node.Level + 1, left.Index >> 1, MerkleTree.NodeHash(left.Hash, node.Hash));
            }
            stack.Add(node);
        }
        return added;
    }

    /// <summary>MTH of the first <paramref name="size"/> events.</summary>
    public async Task<byte[]> RootAsync(long size, CancellationToken ct = default) => await RangeAsync(0, size, ct);

    /// <summary>The inclusion proof of the event of sequence <paramref name="sequence"/> in the tree of the first <paramref name="size"/> events.</summary>
    public async Task<List<byte[]>> InclusionProofAsync(long sequence, long size, CancellationToken ct = default) =>
        await ProofAsync(MerkleTree.InclusionRanges(sequence - 1, size), ct);

    /// <summary>The consistency proof between the trees of the first <paramref name="first"/> and <paramref name="second"/> events.</summary>
    public async Task<List<byte[]>> ConsistencyProofAsync(long first, long second, CancellationToken ct = default) =>
        await ProofAsync(MerkleTree.ConsistencyRanges(first, second), ct);

    private async Task<List<byte[]>> ProofAsync(List<(long Start, long End)> ranges, CancellationToken ct)
    {
        await PrefetchStoredAsync(ranges.SelectMany(r => MerkleTree.Decompose(r.Start, r.End)), ct);
        List<byte[]> proof = [];
        foreach (var (start, end) in ranges)
        {
            proof.Add(await RangeAsync(start, end, ct));
        }
        return proof;
    }

    private async Task<byte[]> RangeAsync(long start, long end, CancellationToken ct)
    {
        if (start == end)
        {
            return MerkleTree.EmptyRoot();
        }
        var nodes = MerkleTree.Decompose(start, end);
        await PrefetchStoredAsync(nodes, ct);
        foreach (var n in nodes)
        {
            await NodeAsync(n, ct);
        }
        return MerkleTree.RangeHash(start, end, n => _nodes[n]);
    }

    private async Task<byte[]> NodeAsync(MerkleNode node, CancellationToken ct)
    {
        if (_nodes.TryGetValue(node, out var known))
        {
            return known;
        }
        byte[] hash;
        if (node.Level <= StoredLevel)
        {
            var leaves = await TileAsync(node.Start / TileSize, ct);
            var offset = node.Start % TileSize;
            var count = node.End - node.Start;
            if (offset + count > leaves.Length)
            {
                throw new AuditTreeException($"Events {node.Start + 1} to {node.End} are not all in the log.");
            }
            var frontier = new MerkleFrontier();
            for (var i = offset; i < offset + count; i++)
            {
                frontier.Append(leaves[i]);
            }
            hash = frontier.Root();
        }
        else
        {
            var left = await NodeAsync(new MerkleNode(node.Level - 1, node.Index * 2), ct);
            var right = await NodeAsync(new MerkleNode(node.Level - 1, node.Index * 2 + 1), ct);
            hash = MerkleTree.NodeHash(left, right);
        }
        _nodes[node] = hash;
        return hash;
    }

    /// <summary>The leaves of one tile of 256 events (fewer at the head of the log), read once per operation.</summary>
    private async Task<byte[][]> TileAsync(long tile, CancellationToken ct)
    {
        if (_tiles.TryGetValue(tile, out var cached))
        {
            return cached;
        }
        List<byte[]> leaves = [];
        await foreach (var (_, leaf) in LeavesAsync(tile * TileSize, (tile + 1) * TileSize, ct, toHead: true))
        {
            leaves.Add(leaf);
        }
        return _tiles[tile] = [.. leaves];
    }

    private async Task PrefetchStoredAsync(IEnumerable<MerkleNode> nodes, CancellationToken ct)
    {
        var wanted = nodes.Where(n => n.Level >= StoredLevel && !_nodes.ContainsKey(n)).Distinct().ToList();
        if (wanted.Count == 0)
        {
            return;
        }
        var levels = wanted.Select(n => n.Level).Distinct().ToList();
        var indexes = wanted.Select(n => n.Index).Distinct().ToList();
        var rows = await _db.AuditTreeNodes.AsNoTracking().Where(n => levels.Contains(n.Level) && indexes.Contains(n.Index)).ToListAsync(ct);
        foreach (var row in rows)
        {
            _nodes[new MerkleNode(row.Level, row.Index)] = row.Hash;
        }
    }

    /// <summary>
    /// The leaf hashes of the events from leaf <paramref name="start"/> to <paramref name="end"/> (sequences start + 1 to
    /// end), in order; a missing sequence is an error — unless <paramref name="toHead"/>, where the log may end sooner.
    /// </summary>
    private async IAsyncEnumerable<(long Sequence, byte[] Leaf)> LeavesAsync(long start, long end,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, bool toHead = false)
    {
        var expected = start + 1;
        var rows = _db.AuditEvents.AsNoTracking().Where(a => a.Sequence > start && a.Sequence <= end).OrderBy(a => a.Sequence)
            .Select(a => new { a.Sequence, a.Hash }).AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct))
        {
            if (row.Sequence != expected)
            {
                throw new AuditTreeException($"Event {expected} is missing from the log: the tree cannot be built past it.");
            }
            yield return (row.Sequence, LeafOf(row.Sequence, row.Hash));
            expected++;
        }
        if (!toHead && expected <= end)
        {
            throw new AuditTreeException($"Event {expected} is missing from the log: the tree cannot be built past it.");
        }
    }
}
