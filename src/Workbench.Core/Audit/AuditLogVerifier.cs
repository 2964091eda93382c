using System.Security.Cryptography;

namespace Workbench.Core.Audit;

/// <summary>What the verifier found: <see cref="Intact"/>, or the first event that does not fit and every problem seen.</summary>
public sealed record AuditLogVerification(bool Intact, long EventsChecked, int CheckpointsChecked, long? NewestCheckpoint,
    long? FirstBadSequence, IReadOnlyList<string> Problems, IReadOnlyList<string> Notes);

/// <summary>
/// Checks an export of the audit log against signed checkpoints kept outside the database, with nothing but the public
/// key: no app, no database. In one pass over the log it checks every event's hash against its content, every link
/// to the event before, every checkpoint's signature, and that the log's Merkle root at each checkpoint's size is the
/// one signed — so consecutive checkpoints are consistent (prefixes of one log) and the log extends them all. The
/// chain hashes a checkpoint file carries (bound to the signed roots) name the first event that differs from what was
/// committed; a rewrite that recomputed every later hash is found there, however consistent the chain looks.
/// </summary>
public sealed class AuditLogVerifier
{
    private const int MaxProblems = 20;
    private readonly ECDsa _key;
    private readonly string _keyId;
    private readonly List<string> _problems = [];
    private readonly List<string> _notes = [];
    private readonly SortedDictionary<long, CheckpointStatement> _checkpoints = [];
    // The chain hashes committed outside, leaf by leaf from the first event, while the files form one unbroken line.
    private byte[] _committed = [];
    private long _committedCount;
    private long? _firstBad;
    private long _differing;

    public AuditLogVerifier(ECDsa publicKey)
    {
        _key = publicKey;
        _keyId = CheckpointSignature.KeyId(publicKey);
    }

    /// <summary>Checks each checkpoint's signature and the hashes it carries; call before <see cref="Verify"/>.</summary>
    public void AddCheckpoints(IEnumerable<(string Name, CheckpointDocument Document)> documents)
    {
        List<(CheckpointStatement Statement, CheckpointDocument Document)> valid = [];
        foreach (var (name, doc) in documents)
        {
            var statement = CheckpointStatement.Parse(doc.Body, out var problem);
            if (statement is null)
            {
                Problem($"Checkpoint {name}: {problem}");
                continue;
            }
            if (doc.KeyId != _keyId || !CheckpointSignature.Verify(_key, doc.Body, doc.Signature))
            {
                Problem($"Checkpoint {name} (size {statement.TreeSize}): its signature does not verify with key {_keyId}.");
                continue;
            }
            valid.Add((statement, doc));
        }
        var frontier = new MerkleFrontier();
        var line = true;
        foreach (var (statement, doc) in valid.OrderBy(v => v.Statement.TreeSize))
        {
            _checkpoints[statement.TreeSize] = statement;
            if (!line)
            {
                continue;
            }
            if (doc.PreviousTreeSize != _committedCount || doc.Hashes.Count != statement.TreeSize - doc.PreviousTreeSize)
            {
                _notes.Add($"Checkpoint {statement.TreeSize} does not follow checkpoint {_committedCount} (a file is missing): " +
                    $"events after {_committedCount} are checked against the signed roots only.");
                line = false;
                continue;
            }
            var added = new byte[doc.Hashes.Count * MerkleTree.HashSize];
            for (var i = 0; i < doc.Hashes.Count; i++)
            {
                if (doc.Hashes[i].Length != 2 * MerkleTree.HashSize ||
                    !TryHex(doc.Hashes[i], added.AsSpan(i * MerkleTree.HashSize, MerkleTree.HashSize)))
                {
                    line = false;
                    break;
                }
                frontier.Append(MerkleTree.LeafHash(added.AsSpan(i * MerkleTree.HashSize, MerkleTree.HashSize)));
            }
            if (!line || Convert.ToHexStringLower(frontier.Root()) != statement.RootHash)
            {
                Problem($"Checkpoint {statement.TreeSize}: the hashes in its file do not make its signed root (the file was changed); " +
                    "later events are checked against the signed roots only.");
                line = false;
                continue;
            }
            Append(added);
        }
    }

    /// <summary>Walks the log once, in the order given.</summary>
    public AuditLogVerification Verify(IEnumerable<AuditEventContent?> events)
    {
        var hasher = new AuditCanonicalForm.Hasher();
        var frontier = new MerkleFrontier();
        var previous = AuditCanonicalForm.Genesis;
        var expected = 1L;
        Span<byte> digest = stackalloc byte[MerkleTree.HashSize];
        Span<byte> chain = stackalloc byte[MerkleTree.HashSize];
        Span<byte> leaf = stackalloc byte[MerkleTree.HashSize];
        using var next = _checkpoints.GetEnumerator();
        var pending = next.MoveNext() ? next.Current.Value : null;
        foreach (var e in events)
        {
            if (e is null)
            {
                Problem($"Line {expected} of the export is not an audit event.");
                Bad(expected);
                break;
            }
            if (e.Sequence != expected)
            {
                Problem($"Event {expected} is missing: the export has event {e.Sequence} in its place.");
                Bad(expected);
                break;
            }
            hasher.HashInto(e, digest);
            // The tree and the next link are over the hash as stored; one that is not even hex stands in as its content's.
            var parsed = TryHex(e.Hash, chain);
            if (!parsed)
            {
                digest.CopyTo(chain);
            }
            if (!parsed || !digest.SequenceEqual(chain))
            {
                Problem($"Event {e.Sequence} ({e.Type}, {e.At:O}) does not fit: its stored hash is not the hash of its content.");
                Bad(e.Sequence);
            }
            if (e.PrevHash != previous)
            {
                Problem($"Event {e.Sequence} ({e.Type}) does not fit: it does not link to event {e.Sequence - 1}.");
                Bad(e.Sequence);
            }
            if (e.Sequence <= _committedCount && !chain.SequenceEqual(_committed.AsSpan((int)((e.Sequence - 1) * MerkleTree.HashSize), MerkleTree.HashSize))
                && _differing++ == 0)
            {
                Problem($"Event {e.Sequence} ({e.Type}, {e.At:O}) does not fit: it is not the event the checkpoints committed " +
                    $"(hash {Convert.ToHexStringLower(chain)}, committed {Convert.ToHexStringLower(_committed.AsSpan((int)((e.Sequence - 1) * MerkleTree.HashSize), MerkleTree.HashSize))}).");
                Bad(e.Sequence);
            }
            MerkleTree.LeafHash(chain, leaf);
            frontier.Append(leaf);
            previous = Convert.ToHexStringLower(chain);
            while (pending is not null && pending.TreeSize == e.Sequence)
            {
                var root = Convert.ToHexStringLower(frontier.Root());
                if (root != pending.RootHash)
                {
                    Problem($"Checkpoint {pending.TreeSize} (signed {pending.IssuedAt:O}) does not match the log: its root is {pending.RootHash}, the log's is {root}.");
                    Bad(e.Sequence);
                }
                pending = next.MoveNext() ? next.Current.Value : null;
            }
            expected++;
        }
        var checkedCount = expected - 1;
        if (_differing > 1)
        {
            Problem($"{_differing} events in all differ from what the checkpoints committed.");
        }
        if (pending is not null)
        {
            Problem($"The log ends at event {checkedCount}, but checkpoint {pending.TreeSize} (signed {pending.IssuedAt:O}) covers {pending.TreeSize} events: events were removed.");
            Bad(checkedCount + 1);
        }
        var newest = _checkpoints.Count == 0 ? (long?)null : _checkpoints.Keys.Max();
        if (newest is null)
        {
            _notes.Add("No valid checkpoint: the chain was checked, but nothing shows it was not rewritten as a whole.");
        }
        else if (checkedCount > newest)
        {
            _notes.Add($"Events {newest + 1} to {checkedCount} are chained but not yet in a checkpoint.");
        }
        return new AuditLogVerification(_problems.Count == 0 && newest is not null, checkedCount, _checkpoints.Count, newest, _firstBad,
            [.. _problems], [.. _notes]);
    }

    private void Append(byte[] hashes)
    {
        var needed = (_committedCount * MerkleTree.HashSize) + hashes.Length;
        if (_committed.Length < needed)
        {
            Array.Resize(ref _committed, (int)Math.Max(needed, _committed.Length * 2L));
        }
        hashes.CopyTo(_committed, _committedCount * MerkleTree.HashSize);
        _committedCount += hashes.Length / MerkleTree.HashSize;
    }

    private static bool TryHex(string hex, Span<byte> into) =>
        hex.Length == 2 * MerkleTree.HashSize && Convert.FromHexString(hex, into, out _, out _) == System.Buffers.OperationStatus.Done;

    private void Bad(long sequence) => _firstBad = _firstBad is { } f ? Math.Min(f, sequence) : sequence;

    private void Problem(string message)
    {
        if (_problems.Count < MaxProblems)
        {
            _problems.Add(message);
        }
        else if (_problems.Count == MaxProblems)
        {
            _problems.Add("… further problems not listed.");
        }
    }
}
