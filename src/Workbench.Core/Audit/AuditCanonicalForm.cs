using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Workbench.Core.Audit;

/// <summary>
/// The canonical form of an audit event, version 1: what its hash is computed over. UTF-8 JSON without
/// whitespace, members in this fixed order:
/// <c>{"v":1,"seq":N,"prev":"hex","type":…,"case":"guid"|null,"actor":…,"role":…,"at":"yyyy-MM-ddTHH:mm:ss.ffffffZ",
/// "request":…,"tier":N|null,"policy":…,"model":…,"prompt":…,"index":…,"tools":…,"evidence":…,"reasons":…,
/// "action":…,"decision":…,"data":…}</c>. Every text is a JSON string of the stored column (tools, evidence and data
/// too: the stored text is hashed as stored, never re-serialized), null when the column is null. Strings are
/// escaped as RFC 8785 (JCS) does: <c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c>, other control characters as
/// <c>\u00xx</c>, everything else as raw UTF-8. Times are UTC with exactly six fractional digits: events are
/// truncated to the microsecond before hashing, the finest precision every provider stores (PostgreSQL keeps µs,
/// SQLite ticks, SQL Server 100 ns), so a value read back hashes the same. The id is not hashed: the database
/// assigns it; the sequence is the event's place.
/// </summary>
public static class AuditCanonicalForm
{
    public const int Version = 1;
    public static readonly string Genesis = new('0', 64);

    public static DateTimeOffset Truncate(DateTimeOffset at)
    {
        var utc = at.UtcTicks;
        return new DateTimeOffset(utc - utc % 10, TimeSpan.Zero);
    }

    public static string Text(IAuditEventContent e)
    {
        var sb = new StringBuilder(512);
        Write(sb, e);
        return sb.ToString();
    }

    public static void Write(StringBuilder sb, IAuditEventContent e)
    {
        sb.Append("{\"v\":").Append(Version)
          .Append(",\"seq\":").Append(e.Sequence.ToString(CultureInfo.InvariantCulture))
          .Append(",\"prev\":"); Str(sb, e.PrevHash);
        sb.Append(",\"type\":"); Str(sb, e.Type);
        sb.Append(",\"case\":"); Str(sb, e.CaseId?.ToString("D"));
        sb.Append(",\"actor\":"); Str(sb, e.Actor);
        sb.Append(",\"role\":"); Str(sb, e.ActorRole);
        sb.Append(",\"at\":\"").Append(e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)).Append('"');
        sb.Append(",\"request\":"); Str(sb, e.RequestId);
        sb.Append(",\"tier\":").Append(e.RiskTier is { } t ? t.ToString(CultureInfo.InvariantCulture) : "null");
        sb.Append(",\"policy\":"); Str(sb, e.PolicyVersion);
        sb.Append(",\"model\":"); Str(sb, e.ModelVersion);
        sb.Append(",\"prompt\":"); Str(sb, e.PromptVersion);
        sb.Append(",\"index\":"); Str(sb, e.RetrievalIndexVersion);
        sb.Append(",\"tools\":"); Str(sb, e.ToolVersions);
        sb.Append(",\"evidence\":"); Str(sb, e.EvidenceIds);
        sb.Append(",\"reasons\":"); Str(sb, e.ReasonCodes);
        sb.Append(",\"action\":"); Str(sb, e.ReviewerAction);
        sb.Append(",\"decision\":"); Str(sb, e.FinalDecision);
        sb.Append(",\"data\":"); Str(sb, e.DataJson);
        sb.Append('}');
    }

    /// <summary>SHA-256 of the canonical form, lowercase hex.</summary>
    public static string Hash(IAuditEventContent e)
    {
        var hasher = new Hasher();
        return hasher.HashHex(e);
    }

    /// <summary>Reusable buffers for hashing many events (the verifier walks a million without allocating per row but the hex).</summary>
    public sealed class Hasher
    {
        private readonly StringBuilder _sb = new(1024);
        private byte[] _bytes = new byte[4096];

        public void HashInto(IAuditEventContent e, Span<byte> digest)
        {
            _sb.Clear();
            Write(_sb, e);
            var max = Encoding.UTF8.GetMaxByteCount(_sb.Length);
            if (_bytes.Length < max)
            {
                _bytes = new byte[Math.Max(max, _bytes.Length * 2)];
            }
            var n = 0;
            foreach (var chunk in _sb.GetChunks())
            {
                n += Encoding.UTF8.GetBytes(chunk.Span, _bytes.AsSpan(n));
            }
            SHA256.HashData(_bytes.AsSpan(0, n), digest);
        }

        public string HashHex(IAuditEventContent e)
        {
            Span<byte> digest = stackalloc byte[32];
            HashInto(e, digest);
            return Convert.ToHexStringLower(digest);
        }

        /// <summary>True when the event's stored hash is the hash of its canonical form.</summary>
        public bool Matches(IAuditEventContent e)
        {
            Span<byte> digest = stackalloc byte[32];
            HashInto(e, digest);
            Span<char> hex = stackalloc char[64];
            Convert.TryToHexStringLower(digest, hex, out _);
            return hex.SequenceEqual(e.Hash);
        }
    }

    private static void Str(StringBuilder sb, string? s)
    {
        if (s is null)
        {
            sb.Append("null");
            return;
        }
        sb.Append('"');
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }
            sb.Append(s, start, i - start);
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
            }
            start = i + 1;
        }
        sb.Append(s, start, s.Length - start).Append('"');
    }
}
