using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbench.Web.Tests.Intake;

/// <summary>
/// Hundreds of generated bad submissions: every one must be a 4xx problem detail, never a 5xx, and must write
/// nothing at all.
/// </summary>
public sealed class MalformedInputTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    public sealed record BadInput(string Name, byte[] Body, string ContentType = "application/json");

    public static IReadOnlyList<BadInput> Generate()
    {
        var list = new List<BadInput>();
        var valid = Samples.Json(Samples.Queues, "malformed-base").ToJsonString();
        var validBytes = Encoding.UTF8.GetBytes(valid);

        void Add(string name, string body) => list.Add(new BadInput(name, Encoding.UTF8.GetBytes(body)));
        void Mutate(string name, Action<JsonObject> change)
        {
            var json = JsonNode.Parse(valid)!.AsObject();
            change(json);
            list.Add(new BadInput(name, Encoding.UTF8.GetBytes(json.ToJsonString())));
        }

        // Truncated JSON at 60 places.
        for (var i = 1; i <= 60; i++)
        {
            var cut = (int)((long)validBytes.Length * i / 61);
            list.Add(new BadInput($"truncated at {cut}", validBytes[..cut]));
        }

        // Not an object, not JSON, empty.
        foreach (var body in new[] { "", " ", "null", "[]", "42", "\"text\"", "true", "{", "}", "{]", "{\"externalId\":}", "{'a':1}", "{\"a\":1,}", "\u0000", "NaN", "{\"externalId\":\"x\" \"workflow\":\"y\"}" })
        {
            Add($"not an object: {body}", body);
        }
        list.Add(new BadInput("invalid UTF-8", [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]));
        list.Add(new BadInput("form body", Encoding.UTF8.GetBytes("externalId=1&workflow=support.faq"), "application/x-www-form-urlencoded"));
        list.Add(new BadInput("xml body", Encoding.UTF8.GetBytes("<case/>"), "application/xml"));
        list.Add(new BadInput("json as text/plain", validBytes, "text/plain"));

        // Wrong types for every top-level member and for nested ones.
        JsonNode?[] wrongValues = [JsonValue.Create(42), JsonValue.Create("text"), JsonValue.Create(true), new JsonArray(), new JsonObject(), null];
        var members = new[] { "externalId", "workflow", "taskType", "riskTier", "requester", "request", "proposal", "evidence", "claims", "toolTrace", "signals", "provenance", "callbackUrl", "metadata" };
        foreach (var member in members)
        {
            foreach (var value in wrongValues)
            {
                var v = value?.DeepClone();
                var name = $"{member} = {(v is null ? "null" : v.ToJsonString())}";
                var json = JsonNode.Parse(valid)!.AsObject();
                var original = json[member]?.ToJsonString();
                if (original == (v?.ToJsonString() ?? "null"))
                {
                    continue;
                }
                // Valid combinations the contract allows are skipped: optional members may be null.
                if (v is null && member is "riskTier" or "provenance" or "callbackUrl" or "metadata")
                {
                    continue;
                }
                if (member is "externalId" or "taskType" or "request" && v is JsonValue sv && sv.TryGetValue<string>(out _))
                {
                    continue;
                }
                if (member is "metadata" or "provenance" && v is JsonObject)
                {
                    continue;
                }
                if (member is "evidence" or "claims" or "toolTrace" && v is JsonArray)
                {
                    continue;
                }
                if (member == "signals" && v is JsonObject)
                {
                    continue;
                }
                json[member] = v;
                list.Add(new BadInput(name, Encoding.UTF8.GetBytes(json.ToJsonString())));
            }
        }
        foreach (var (path, value) in new (string, JsonNode?)[]
        {
            ("requester.id", 5), ("requester.authenticated", "yes"), ("requester", "rita"), ("proposal.response.body", 7),
            ("proposal.response", "text"), ("proposal.action.reversible", "no"), ("proposal.action.parameters", "x"),
            ("evidence.0.score", "high"), ("evidence.0.publishedAt", "yesterday"), ("evidence.0.publishedAt", 20261101),
            ("evidence.0.authority", 1), ("claims.0.evidenceIds", "ev-1"), ("claims.0", "text"), ("toolTrace.0.step", "one"),
            ("toolTrace.0.durationMs", "fast"), ("toolTrace.0.status", true), ("signals.amount", "500"), ("signals.amount", new JsonObject()),
            ("signals.amount", new JsonArray(1)), ("provenance.toolVersions", "3.1"), ("evidence.0", 3), ("toolTrace", "[]"),
        })
        {
            Mutate($"{path} has the wrong type", json => Set(json, path, value));
        }

        // Invalid enums.
        foreach (var (path, value) in new[]
        {
            ("evidence.0.authority", "official"), ("evidence.0.authority", "AUTHORITATIVE"), ("evidence.0.authority", ""),
            ("toolTrace.0.status", "ok"), ("toolTrace.0.status", "Succeeded"), ("toolTrace.0.status", "error"),
        })
        {
            Mutate($"{path} = {value}", json => Set(json, path, value));
        }

        // Unknown workflow, bad tiers, missing members.
        foreach (var wf in new[] { "support.unknown", "SUPPORT.FAQ", "", " ", "billing", "support.faq ", "../etc/passwd", "support.faq\u0000" })
        {
            Mutate($"workflow '{wf}'", json => json["workflow"] = wf);
        }
        foreach (var tier in new JsonNode[] { -1, -100, 4, 99, 1.5, int.MaxValue, long.MaxValue })
        {
            Mutate($"riskTier {tier.ToJsonString()}", json => json["riskTier"] = tier.DeepClone());
        }
        foreach (var member in new[] { "externalId", "workflow", "taskType", "requester", "request", "proposal" })
        {
            Mutate($"missing {member}", json => json.Remove(member));
        }
        foreach (var path in new[] { "requester.id", "proposal.response.body", "evidence.0.id", "evidence.0.title", "claims.0.text", "claims.0.evidenceIds", "toolTrace.0.tool" })
        {
            Mutate($"missing {path}", json => Remove(json, path));
        }
        Mutate("proposal without response or action", json => json["proposal"] = new JsonObject());
        Mutate("unknown top-level member", json => json["approveImmediately"] = true);
        Mutate("unknown nested member", json => json["requester"]!["isAdmin"] = true);

        // Huge strings.
        foreach (var (path, length) in new[]
        {
            ("externalId", 256), ("externalId", 10_000), ("workflow", 200), ("taskType", 129), ("request", 33 * 1024), ("request", 200_000),
            ("requester.id", 256), ("requester.role", 65), ("evidence.0.title", 513), ("evidence.0.snippet", 9 * 1024), ("evidence.0.id", 256),
            ("evidence.0.version", 65), ("claims.0.text", 4097), ("toolTrace.0.input", 17 * 1024), ("toolTrace.0.output", 17 * 1024),
            ("toolTrace.0.tool", 129), ("provenance.model", 257), ("proposal.response.body", 65 * 1024), ("proposal.action.tool", 129),
            ("callbackUrl", 3000),
        })
        {
            Mutate($"{path} of {length} characters", json => Set(json, path, "https://x.example/" + new string('a', length)));
        }

        // Control characters.
        foreach (var ch in new[] { '\u0000', '\u0001', '\u0007', '\u001b', '\u007f' })
        {
            foreach (var path in new[] { "externalId", "request", "evidence.0.title", "requester.id", "taskType" })
            {
                Mutate($"{path} with U+{(int)ch:X4}", json => Set(json, path, $"abc{ch}def"));
            }
        }
        Mutate("newline in externalId", json => json["externalId"] = "a\nb");

        // Invalid URLs in evidence and callback.
        foreach (var url in new[] { "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "ftp://files.example.com/a",
                     "file:///etc/passwd", "not a url", "/relative/path", "//no-scheme.example.com", "http://", "https:", "mailto:a@b.c", "  ", "https://exa mple.com" })
        {
            Mutate($"evidence uri {url}", json => json["evidence"]![0]!["uri"] = url);
        }
        foreach (var url in new[] { "javascript:alert(1)", "ftp://hooks.example.com", "not a url", "/hooks", "https://user:pass@hooks.example.com/x", "file:///tmp/x", "gopher://x" })
        {
            Mutate($"callbackUrl {url}", json => json["callbackUrl"] = url);
        }

        // Numbers out of range.
        foreach (var score in new JsonNode[] { -0.1, 1.01, 100, -1e300 })
        {
            Mutate($"evidence score {score.ToJsonString()}", json => json["evidence"]![0]!["score"] = score.DeepClone());
        }
        Mutate("negative duration", json => json["toolTrace"]![0]!["durationMs"] = -5);
        Mutate("negative step", json => json["toolTrace"]![0]!["step"] = -1);
        Mutate("publishedAt year 1", json => json["evidence"]![0]!["publishedAt"] = "0001-01-01T00:00:00Z");
        Mutate("publishedAt year 9999", json => json["evidence"]![0]!["publishedAt"] = "9999-01-01T00:00:00Z");
        Mutate("step beyond int", json => json["toolTrace"]![0]!["step"] = 1e20);

        // Signals.
        foreach (var name in new[] { "Amount", "1st", "with space", "a-b", "", new string('s', 65), "ümlaut" })
        {
            Mutate($"signal named '{name}'", json => json["signals"]![name] = 1);
        }
        Mutate("signal as string", json => json["signals"]!["intent_ambiguity"] = "high");
        Mutate("signal as null", json => json["signals"]!["intent_ambiguity"] = null);
        Mutate("too many signals", json =>
        {
            var signals = new JsonObject();
            for (var i = 0; i < 101; i++)
            {
                signals[$"s{i}"] = i;
            }
            json["signals"] = signals;
        });

        // Counts over the limits; references that do not resolve; duplicates.
        Mutate("201 evidence items", json => json["evidence"] = new JsonArray(Enumerable.Range(0, 201)
            .Select(i => (JsonNode)new JsonObject { ["id"] = $"e{i}", ["title"] = "t" }).ToArray()));
        Mutate("201 tool steps", json => json["toolTrace"] = new JsonArray(Enumerable.Range(0, 201)
            .Select(i => (JsonNode)new JsonObject { ["step"] = i, ["tool"] = "t", ["status"] = "succeeded" }).ToArray()));
        Mutate("101 claims", json => json["claims"] = new JsonArray(Enumerable.Range(0, 101)
            .Select(i => (JsonNode)new JsonObject { ["text"] = "c", ["evidenceIds"] = new JsonArray() }).ToArray()));
        Mutate("claim cites unknown evidence", json => json["claims"]![0]!["evidenceIds"] = new JsonArray("nope"));
        Mutate("duplicate evidence ids", json =>
        {
            var first = json["evidence"]![0]!.DeepClone();
            json["evidence"]!.AsArray().Add(first);
        });
        Mutate("101 parameters", json =>
        {
            var p = new JsonObject();
            for (var i = 0; i < 101; i++)
            {
                p[$"p{i}"] = i;
            }
            json["proposal"]!["action"] = new JsonObject { ["tool"] = "t.x", ["parameters"] = p, ["reversible"] = true };
        });

        // Deep nesting.
        foreach (var depth in new[] { 40, 100, 1000, 5000 })
        {
            var nested = new StringBuilder();
            nested.Append(valid[..^1]).Append(",\"metadata\":");
            nested.Append(string.Concat(Enumerable.Repeat("{\"a\":", depth))).Append('1').Append(new string('}', depth)).Append('}');
            Add($"metadata nested {depth} deep", nested.ToString().Replace("\"metadata\":{\"channel\"", "\"x_unused\":{\"channel\"", StringComparison.Ordinal));
            Add($"array nested {depth} deep", string.Concat(Enumerable.Repeat("[", depth)) + string.Concat(Enumerable.Repeat("]", depth)));
        }
        Mutate("metadata is an array", json => json["metadata"] = new JsonArray(1, 2));
        Mutate("metadata is a string", json => json["metadata"] = "x");
        Mutate("metadata over 16 KiB", json => json["metadata"] = new JsonObject { ["blob"] = new string('m', 17 * 1024) });

        // Over the body limit.
        Mutate("body over 1 MiB", json => json["request"] = new string('r', 1024 * 1024 + 1));
        return list.DistinctBy(i => Convert.ToBase64String(i.Body) + i.ContentType).ToList();
    }

    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        JsonNode node = root;
        foreach (var part in parts[..^1])
        {
            node = int.TryParse(part, out var i) ? node[i]! : node[part] ??= new JsonObject();
        }
        if (int.TryParse(parts[^1], out var index))
        {
            node[index] = value;
        }
        else
        {
            node[parts[^1]] = value;
        }
    }

    private static void Remove(JsonObject root, string path)
    {
        var parts = path.Split('.');
        JsonNode node = root;
        foreach (var part in parts[..^1])
        {
            node = int.TryParse(part, out var i) ? node[i]! : node[part]!;
        }
        node.AsObject().Remove(parts[^1]);
    }

    [Fact]
    public void The_suite_has_at_least_300_distinct_bad_payloads()
    {
        var inputs = Generate();
        Assert.True(inputs.Count >= 300, $"only {inputs.Count} distinct bad payloads");
    }

    [Fact]
    public async Task The_base_payload_itself_is_accepted()
    {
        // Guards the suite: if the base were invalid, every mutation would "fail" for the wrong reason.
        var json = Samples.Json(Samples.Queues);
        var client = app.ApiClient();
        var response = await client.PostAsync("/api/v1/cases", new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Every_bad_payload_is_a_4xx_problem_and_writes_nothing()
    {
        var client = app.ApiClient();
        var before = await app.RowCountsAsync();
        var failures = new List<string>();
        foreach (var input in Generate())
        {
            var content = new ByteArrayContent(input.Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(input.ContentType);
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = content };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var type = response.Content.Headers.ContentType?.MediaType;
            if (status is < 400 or >= 500 || type != "application/problem+json")
            {
                failures.Add($"{input.Name}: {status} {type} {Truncate(await response.Content.ReadAsStringAsync())}");
                continue;
            }
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (!problem.TryGetProperty("type", out var t) || !t.GetString()!.StartsWith("urn:workbench:problem:", StringComparison.Ordinal))
            {
                failures.Add($"{input.Name}: problem without a stable type");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(before, await app.RowCountsAsync());
    }

    private static string Truncate(string s) => s.Length > 300 ? s[..300] : s;
}
