using System.Text;
using Workbench.Web.Intake;

namespace Workbench.Web.Tests.Intake;

/// <summary>
/// The fingerprint's canonical form is stored with every idempotency key: a body retried after an upgrade must hash as
/// it did before, or its replay would be refused as a reused key. The hashes here are those the canonical form gave
/// when it was written from a parsed document (members sorted, strings re-escaped, numbers as their shortest decimal).
/// </summary>
public sealed class IdempotencyFingerprintTests
{
    /// <summary>Escapes, non-ASCII, surrogate pairs, HTML-sensitive characters, 1.50 and 15e-1, a number too large for a decimal, nested objects in arrays, an escaped member name sorted by its value.</summary>
    private const string Tricky =
        "{\"b\":1,\"a\":[{\"z\":\"\\u00e9t\\u00E9 <>&'\\\"\",\"y\":1.50,\"x\":15e-1},[],{}],\"\\u0061a\":null,\"c\":true,\"d\":false," +
        "\"é\":\"é😀\\ud83d\\ude00\",\"n\":1e400,\"m\":-0.0,\"k\":123456789012345678901234567890123}";

    private const string Nested = "[1,2,{\"b\":{\"d\":{\"f\":1,\"e\":2},\"c\":[{\"y\":1,\"x\":2}]},\"a\":\"\\t\\n\\u0001\"}]";

    [Theory]
    [InlineData(Tricky, "d4d39406dc2ab3b74bfdb21c88805854388ced965cb28628d675a8b1d5416cbf")]
    [InlineData(Nested, "77171473d1ce16c3c71b4c88a8db0a2d8e37e8790c08f6a722e48299e227a13e")]
    public void A_body_hashes_as_it_did_when_its_key_was_stored(string body, string stored)
    {
        Assert.Equal(stored, IdempotencyFingerprint.Of(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void The_same_value_written_otherwise_hashes_the_same_and_another_value_does_not()
    {
        var same = "{ \"k\" : 123456789012345678901234567890123, \"m\": -0.0, \"n\": 1e400,\n \"d\": false, \"c\": true, \"aa\": null, " +
                   "\"\\u00e9\": \"\\u00e9\\ud83d\\ude00😀\", \"a\": [{\"x\": 1.5, \"y\": 15e-1, \"z\": \"ét\\u00e9 \\u003c>&\\u0027\\\"\"}, [], {}], \"b\": 1.0 }";
        var bom = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(same)).ToArray();
        var expected = IdempotencyFingerprint.Of(Encoding.UTF8.GetBytes(Tricky));
        Assert.Equal(expected, IdempotencyFingerprint.Of(Encoding.UTF8.GetBytes(same)));
        Assert.Equal(expected, IdempotencyFingerprint.Of(bom));

        Assert.NotEqual(expected, IdempotencyFingerprint.Of(Encoding.UTF8.GetBytes(Tricky.Replace("\"y\":1.50", "\"y\":1.51", StringComparison.Ordinal))));
        Assert.NotEqual(expected, IdempotencyFingerprint.Of(Encoding.UTF8.GetBytes(Tricky.Replace("<>&", "<>", StringComparison.Ordinal))));
        Assert.NotEqual(expected, IdempotencyFingerprint.Of(Encoding.UTF8.GetBytes(Tricky.Replace("\"c\":true", "\"c\":false", StringComparison.Ordinal))));
        // A member moved from one object to another is another body, though every name and value is still there.
        Assert.NotEqual(IdempotencyFingerprint.Of("{\"a\":{\"x\":1},\"b\":{}}"u8), IdempotencyFingerprint.Of("{\"a\":{},\"b\":{\"x\":1}}"u8));
    }
}
