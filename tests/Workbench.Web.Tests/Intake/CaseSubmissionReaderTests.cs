using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workbench.Contracts;
using Workbench.Web.Http;
using Workbench.Web.Intake;

namespace Workbench.Web.Tests.Intake;

/// <summary>
/// The submission endpoint reads a body with the case reader first and with the serializer when the reader gives up.
/// Whatever an AI system sends, the two together must read it exactly as the serializer alone does: the same case, or
/// a problem. Checked over every sample case and tens of thousands of bodies made from them by changing one thing.
/// </summary>
public sealed class CaseSubmissionReaderTests
{
    private const int MaxBytes = 256 * 1024;

    private static readonly JsonSerializerOptions Everything = new(WorkbenchJson.Options) {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        RespectNullableAnnotations = false,
        // A score of 1e400 is read as infinity (the validator refuses it); written here only to compare.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    [Fact]
    public void Every_sample_case_is_read_by_the_case_reader_as_the_serializer_reads_it()
    {
        foreach (var file in Samples.Files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.True(CaseSubmissionReader.TryRead(bytes, out var quick), $"{Path.GetFileName(file)} is left to the serializer");
            Assert.Equal(Canonical(JsonBody.Parse<CaseSubmission>(bytes, MaxBytes).Value), Canonical(quick));
        }
    }

    [Fact]
    public void A_body_changed_in_one_place_is_read_as_the_serializer_reads_it()
    {
        var read = 0;
        var givenUp = 0;
        var wrong = new List<string>();
        foreach (var file in Samples.Files)
        {
            var original = JsonNode.Parse(File.ReadAllText(file))!;
            foreach (var (change, body) in OneChangeEach(original))
            {
                if (Differ(Encoding.UTF8.GetBytes(body)) is { } difference)
                {
                    wrong.Add($"{Path.GetFileName(file)}, {change}: {difference}");
                }
                else if (CaseSubmissionReader.TryRead(Encoding.UTF8.GetBytes(body), out _))
                {
                    read++;
                }
                else
                {
                    givenUp++;
                }
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} bodies read differently, e.g.:\n{string.Join("\n", wrong.Take(10))}");
        // Both ways were taken many times: the comparison is not empty on either side.
        Assert.True(read > 1000 && givenUp > 1000, $"{read} read by the case reader, {givenUp} left to the serializer");
    }

    public static TheoryData<string, string> Edges() => new()
    {
        { "a member's name escaped", """{"extern\u0061lId":"x"}""" },
        { "a member in another case", """{"ExternalId":"x"}""" },
        { "a member named twice in another case", """{"externalId":"x","EXTERNALID":"y"}""" },
        { "an unknown member", """{"approveImmediately":true}""" },
        { "the $id of reference handling", """{"$id":"1"}""" },
        { "content after the object", """{"riskTier":1} {}""" },
        { "a comment after the object", """{"riskTier":1} /* c */""" },
        { "a comment inside", """{"riskTier":/* c */1}""" },
        { "a trailing comma", """{"riskTier":1,}""" },
        { "riskTier 1.0", """{"riskTier":1.0}""" },
        { "riskTier 1e0", """{"riskTier":1e0}""" },
        { "riskTier -0", """{"riskTier":-0}""" },
        { "riskTier 2147483648", """{"riskTier":2147483648}""" },
        { "riskTier as a string", """{"riskTier":"1"}""" },
        { "a score of 1e400", """{"evidence":[{"id":"e","title":"t","score":1e400}]}""" },
        { "a score of -1e400", """{"evidence":[{"id":"e","title":"t","score":-1e400}]}""" },
        { "a score of 1e-400", """{"evidence":[{"id":"e","title":"t","score":1e-400}]}""" },
        { "a date without a time", """{"evidence":[{"id":"e","title":"t","publishedAt":"2026-11-01"}]}""" },
        { "a date without an offset", """{"evidence":[{"id":"e","title":"t","publishedAt":"2026-11-01T00:00:00"}]}""" },
        { "a date with a space", """{"evidence":[{"id":"e","title":"t","publishedAt":"2026-11-01 00:00:00Z"}]}""" },
        { "a date in basic form", """{"evidence":[{"id":"e","title":"t","publishedAt":"20261101T000000Z"}]}""" },
        { "a date with an offset", """{"evidence":[{"id":"e","title":"t","publishedAt":"2026-11-01T00:00:00.1234567+05:45"}]}""" },
        { "authority in capitals", """{"evidence":[{"id":"e","title":"t","authority":"Authoritative"}]}""" },
        { "authority null", """{"evidence":[{"id":"e","title":"t","authority":null}]}""" },
        { "evidence null", """{"evidence":null}""" },
        { "a signal twice", """{"signals":{"amount":1,"amount":2}}""" },
        { "a signal twice in another case", """{"signals":{"amount":1,"Amount":2}}""" },
        { "a signal as a string", """{"signals":{"amount":"1"}}""" },
        { "a signal null", """{"signals":{"amount":null}}""" },
        { "a variable twice", """{"proposal":{"response":{"body":"b","variables":{"a":"1","a":"2"}}}}""" },
        { "a variable null", """{"proposal":{"response":{"body":"b","variables":{"a":null}}}}""" },
        { "a parameter twice", """{"proposal":{"action":{"tool":"t","reversible":true,"parameters":{"a":1,"a":2}}}}""" },
        { "a parameter twice in another case", """{"proposal":{"action":{"tool":"t","reversible":true,"parameters":{"a":1,"A":2}}}}""" },
        { "a parameter's member twice", """{"proposal":{"action":{"tool":"t","reversible":true,"parameters":{"a":{"b":1,"b":2}}}}}""" },
        { "a parameter null", """{"proposal":{"action":{"tool":"t","reversible":true,"parameters":{"a":null}}}}""" },
        { "reversible left out", """{"proposal":{"action":{"tool":"t"}}}""" },
        { "authenticated left out", """{"requester":{"id":"r"}}""" },
        { "a tool version twice", """{"provenance":{"toolVersions":{"a":"1","a":"2"}}}""" },
        { "metadata null", """{"metadata":null}""" },
        { "metadata a string", """{"metadata":"x"}""" },
        { "metadata's member twice", """{"metadata":{"a":1,"a":2}}""" },
        { "metadata's member twice, deeper", """{"metadata":{"a":[{"x":1,"x":2}]}}""" },
        { "metadata's member twice in another case", """{"metadata":{"a":1,"A":2}}""" },
        { "metadata 30 deep", """{"metadata":""" + new string('[', 29) + new string(']', 29) + "}" },
        { "metadata 31 deep", """{"metadata":""" + new string('[', 30) + new string(']', 30) + "}" },
        { "metadata 32 deep", """{"metadata":""" + new string('[', 31) + new string(']', 31) + "}" },
        { "a lone surrogate", """{"request":"\ud800"}""" },
        { "a NUL in a string", """{"request":"a\u0000b"}""" },
        { "modelCost amount 1e2", """{"modelCost":{"amount":1e2,"currency":"USD"}}""" },
        { "modelCost amount 1e40", """{"modelCost":{"amount":1e40,"currency":"USD"}}""" },
        { "modelCost null", """{"modelCost":null}""" },
        { "a claim without evidence ids", """{"claims":[{"text":"c"}]}""" },
        { "a tool step 1.5", """{"toolTrace":[{"step":1.5,"tool":"t","status":"succeeded"}]}""" },
        { "a tool step without status", """{"toolTrace":[{"step":1,"tool":"t"}]}""" },
    };

    [Theory]
    [MemberData(nameof(Edges))]
    public void An_edge_of_the_contract_is_read_as_the_serializer_reads_it(string edge, string members)
    {
        var body = Encoding.UTF8.GetBytes(Merge(members));
        // With a byte order mark too, as the endpoint receives it.
        foreach (var bytes in new[] { body, [0xEF, 0xBB, 0xBF, .. body] })
        {
            var difference = Differ(bytes);
            Assert.True(difference is null, $"{edge}: {difference}");
        }
    }

    [Fact]
    public void Invalid_UTF8_in_a_string_is_read_as_the_serializer_reads_it()
    {
        var body = Encoding.UTF8.GetBytes(Merge("""{"request":"ab"}"""));
        var at = Array.IndexOf(body, (byte)'a', Encoding.UTF8.GetString(body).IndexOf("\"ab\"", StringComparison.Ordinal));
        body[at] = 0xC3;
        body[at + 1] = 0x28;
        Assert.Null(Differ(body));
    }

    /// <summary>
    /// The first sample with the given members in place of its own of those names, spliced in as they are written
    /// (escapes, names given twice, comments and all).
    /// </summary>
    private static string Merge(string members)
    {
        var body = JsonNode.Parse(File.ReadAllText(Samples.Files[0]))!.AsObject();
        foreach (System.Text.RegularExpressions.Match name in System.Text.RegularExpressions.Regex.Matches(members, "\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:"))
        {
            var unescaped = JsonSerializer.Deserialize<string>($"\"{name.Groups[1].Value}\"")!;
            foreach (var member in body.Select(p => p.Key).Where(k => string.Equals(k, unescaped, StringComparison.OrdinalIgnoreCase)).ToList())
            {
                body.Remove(member);
            }
        }
        var text = body.ToJsonString();
        return text[..^1] + "," + members[1..];
    }

    /// <summary>Null when the endpoint's two readers together read the body as the serializer alone does; else how they differ.</summary>
    private static string? Differ(byte[] body)
    {
        var alone = JsonBody.Parse<CaseSubmission>(body, MaxBytes);
        var together = JsonBody.Parse<CaseSubmission>(body, MaxBytes, CaseSubmissionReader.TryRead);
        if (together.Problem is not null)
        {
            return alone.Problem is not null ? null : "the case reader and the serializer refused a body the serializer alone reads";
        }
        if (alone.Problem is not null)
        {
            return "the case reader read a body the serializer refuses";
        }
        var expected = Canonical(alone.Value);
        var actual = Canonical(together.Value);
        return expected == actual ? null : $"read as\n{actual}\ninstead of\n{expected}";
    }

    /// <summary>Every member written, nulls too, with the collections' types and whether metadata was given.</summary>
    private static string Canonical(CaseSubmission? submission) =>
        submission is null
            ? "(nothing)"
            : JsonSerializer.Serialize(submission, Everything) +
              $" | metadata {(submission.Metadata is { } m ? m.ValueKind.ToString() : "absent")}" +
              $" | {submission.Evidence?.GetType().Name} {submission.Claims?.GetType().Name} {submission.ToolTrace?.GetType().Name} {submission.Signals?.GetType().Name}" +
              $" | {submission.Proposal?.Action?.Parameters?.GetType().Name} {submission.Proposal?.Response?.Variables?.GetType().Name}";

    /// <summary>
    /// The body with one thing changed, for every value in it: set to null or to a value of each other JSON type,
    /// removed, its member's name in capitals; and for every object: an unknown member added, its first member named
    /// twice (exactly, and in another case).
    /// </summary>
    private static IEnumerable<(string Change, string Body)> OneChangeEach(JsonNode original)
    {
        JsonNode?[] others = [null, 1, 1.5, "text", true, new JsonArray("x"), new JsonObject { ["x"] = 1 }];
        var nodes = Nodes(original).ToList();
        for (var k = 0; k < nodes.Count; k++)
        {
            var path = nodes[k].GetPath();
            foreach (var other in others)
            {
                var copy = original.DeepClone();
                var node = Nodes(copy).ElementAt(k);
                if (node.Parent is null)
                {
                    continue;
                }
                Replace(node, other?.DeepClone());
                yield return ($"{path} = {other?.ToJsonString() ?? "null"}", copy.ToJsonString());
            }
            {
                var copy = original.DeepClone();
                var node = Nodes(copy).ElementAt(k);
                switch (node.Parent)
                {
                    case JsonObject parent:
                        var name = node.GetPropertyName();
                        parent.Remove(name);
                        yield return ($"{path} removed", copy.ToJsonString());
                        parent[char.ToUpperInvariant(name[0]) + name[1..]] = node;
                        yield return ($"{path} named in capitals", copy.ToJsonString());
                        break;
                    case JsonArray items:
                        items.Remove(node);
                        yield return ($"{path} removed", copy.ToJsonString());
                        break;
                }
            }
            if (nodes[k] is JsonObject { Count: > 0 })
            {
                var copy = original.DeepClone();
                ((JsonObject)Nodes(copy).ElementAt(k))["zzUnknown"] = 1;
                yield return ($"{path} with an unknown member", copy.ToJsonString());
                yield return ($"{path} naming its first member twice", WriteWithFirstMemberTwice(original, k, sameCase: true));
                yield return ($"{path} naming its first member twice in another case", WriteWithFirstMemberTwice(original, k, sameCase: false));
            }
        }
    }

    private static void Replace(JsonNode node, JsonNode? value)
    {
        switch (node.Parent)
        {
            case JsonObject parent:
                parent[node.GetPropertyName()] = value;
                break;
            case JsonArray items:
                items[node.GetElementIndex()] = value;
                break;
        }
    }

    /// <summary>Every non-null node, the root first, in document order.</summary>
    private static IEnumerable<JsonNode> Nodes(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            foreach (var inner in Nodes(child))
            {
                yield return inner;
            }
        }
    }

    /// <summary>The document written out with the k-th node's first member written a second time at its end.</summary>
    private static string WriteWithFirstMemberTwice(JsonNode root, int k, bool sameCase)
    {
        var target = Nodes(root).ElementAt(k);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, root);
        }
        return Encoding.UTF8.GetString(stream.ToArray());

        void Write(Utf8JsonWriter w, JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    w.WriteStartObject();
                    foreach (var (name, value) in o)
                    {
                        w.WritePropertyName(name);
                        Write(w, value);
                    }
                    if (ReferenceEquals(o, target))
                    {
                        var (name, value) = o.First();
                        w.WritePropertyName(sameCase ? name : name.ToUpperInvariant() == name ? name.ToLowerInvariant() : name.ToUpperInvariant());
                        Write(w, value);
                    }
                    w.WriteEndObject();
                    break;
                case JsonArray a:
                    w.WriteStartArray();
                    foreach (var item in a)
                    {
                        Write(w, item);
                    }
                    w.WriteEndArray();
                    break;
                case null:
                    w.WriteNullValue();
                    break;
                default:
                    node.WriteTo(w);
                    break;
            }
        }
    }
}
