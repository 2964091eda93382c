using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbench.Contracts;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// The served <c>/openapi/v1.json</c> read as a code generator reads it: every schema typed, every enum with its
/// values, required exactly as the server enforces it, request bodies closed, every operation with its problem responses.
/// </summary>
public sealed class OpenApiDocumentTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private const string AnyJsonDescription = "Any JSON value.";

    private async Task<JsonObject> DocumentAsync() =>
        (await app.CreateClient().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;

    private static IEnumerable<(string Path, JsonObject Schema)> Schemas(JsonNode? node, string path)
    {
        if (node is JsonObject o)
        {
            if (path.Contains(".schema", StringComparison.Ordinal))
            {
                yield return (path, o);
            }
            foreach (var (key, value) in o)
            {
                // Examples are data, not schemas.
                if (key is "examples" or "example" or "default" or "enum")
                {
                    continue;
                }
                foreach (var inner in Schemas(value, $"{path}.{key}"))
                {
                    yield return inner;
                }
            }
        }
        else if (node is JsonArray a)
        {
            for (var i = 0; i < a.Count; i++)
            {
                foreach (var inner in Schemas(a[i], $"{path}[{i}]"))
                {
                    yield return inner;
                }
            }
        }
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => (p.Key, m.Key, m.Value!.AsObject())));

    private static string[] Types(JsonObject schema) => schema["type"] switch
    {
        JsonArray list => list.Select(t => t!.GetValue<string>()).ToArray(),
        JsonValue single => [single.GetValue<string>()],
        _ => [],
    };

    [Fact]
    public async Task No_schema_is_empty_and_no_number_may_be_a_string()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();
        foreach (var (path, schema) in Schemas(document, "$"))
        {
            if (schema.Count == 0)
            {
                failures.Add($"{path}: {{}}");
            }
            var types = Types(schema);
            var anyJson = schema["description"]?.GetValue<string>() == AnyJsonDescription && types.Length == 6;
            if (!anyJson && types.Contains("string") && (types.Contains("integer") || types.Contains("number")))
            {
                failures.Add($"{path}: {string.Join(" | ", types)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Every_enum_of_the_contract_is_listed_with_its_snake_case_values()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!.AsObject();
        var enums = typeof(CaseStatus).Assembly.GetTypes().Where(t => t.IsEnum && t.IsPublic).ToList();
        Assert.Contains(typeof(EvidenceAuthority), enums);
        foreach (var type in enums.Where(t => schemas.ContainsKey(t.Name)))
        {
            var listed = schemas[type.Name]!["enum"]?.AsArray().Select(v => v!.GetValue<string>()).ToArray();
            var expected = Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, WorkbenchJson.Options).Trim('"')).ToArray();
            Assert.True(listed is not null, $"{type.Name} has no enum");
            Assert.Equal(expected, listed);
            Assert.Equal("string", schemas[type.Name]!["type"]!.GetValue<string>());
        }
        foreach (var name in new[] { "CaseStatus", "PathOutcome", "DecisionKind", "EvidenceAuthority", "ToolStepStatus", "ReviewActionKind", "DownstreamOutcome", "CasePriority" })
        {
            Assert.True(schemas.ContainsKey(name), $"{name} is missing");
        }
    }

    [Fact]
    public async Task Every_operation_lists_its_problem_responses_with_their_types()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();
        foreach (var (path, method, operation) in Operations(document))
        {
            var responses = operation["responses"]!.AsObject();
            var expected = new List<string> { "503" };
            if (operation["security"] is JsonArray { Count: > 0 })
            {
                expected.AddRange(["401", "403"]);
            }
            if (path.Contains('{', StringComparison.Ordinal))
            {
                expected.AddRange(["404", "400"]);
            }
            if (operation["requestBody"] is not null)
            {
                expected.AddRange(["400", "413", "415"]);
            }
            if (path.StartsWith("/api/v1/cases", StringComparison.Ordinal) && !path.EndsWith("/audit", StringComparison.Ordinal) || path == "/api/v1/queues")
            {
                expected.Add("429");
                if (operation["security"]!.AsArray().Count < 2)
                {
                    failures.Add($"{method} {path}: an AI system's call takes X-Api-Key and Bearer");
                }
            }
            failures.AddRange(expected.Where(s => !responses.ContainsKey(s)).Select(s => $"{method} {path}: no {s}"));
            foreach (var (status, response) in responses.Where(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture) >= 400))
            {
                var media = response!["content"]?["application/problem+json"];
                var examples = media?["examples"]?.AsObject();
                if (media?["schema"]?["$ref"]?.GetValue<string>() != "#/components/schemas/Problem" || examples is null || examples.Count == 0)
                {
                    failures.Add($"{method} {path} {status}: not a problem detail with its types");
                    continue;
                }
                failures.AddRange(examples.Select(e => "urn:workbench:problem:" + e.Key).Where(t => !ProblemTypes.All.Contains(t))
                    .Select(t => $"{method} {path} {status}: unknown problem type {t}"));
            }
            if (responses.ContainsKey("429") && responses["429"]!["headers"]?["Retry-After"] is null)
            {
                failures.Add($"{method} {path}: 429 without Retry-After");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        var submit = document["paths"]!["/api/v1/cases"]!["post"]!;
        var conflicts = submit["responses"]!["409"]!["content"]!["application/problem+json"]!["examples"]!.AsObject().Select(e => e.Key).ToArray();
        Assert.Equal(["duplicate-external-id", "idempotency-key-in-flight"], conflicts);
        Assert.True(submit["responses"]!["422"]!["content"]!["application/problem+json"]!["examples"]!.AsObject().ContainsKey("idempotency-key-reused"));
        var key = submit["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "Idempotency-Key")!;
        Assert.Equal("header", key["in"]!.GetValue<string>());
        Assert.Equal(255, key["schema"]!["maxLength"]!.GetValue<int>());
        var wait = document["paths"]!["/api/v1/cases/{id}/decision"]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "wait")!;
        Assert.Equal(60, wait["schema"]!["maximum"]!.GetValue<int>());
    }

    [Fact]
    public async Task Every_response_describes_its_headers_and_the_listing_its_filters()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();
        foreach (var (path, method, operation) in Operations(document))
        {
            var limited = operation["responses"]!["429"] is not null;
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                var headers = response!["headers"]?.AsObject();
                // A 401 names no client, and the limit is per client: no RateLimit headers there (ApiHeadersTests checks the wire).
                var wanted = limited && status != "401" ? new[] { "X-Request-Id", "traceparent", "RateLimit-Policy", "RateLimit" } : ["X-Request-Id", "traceparent"];
                failures.AddRange(wanted.Where(h => headers?.ContainsKey(h) != true).Select(h => $"{method} {path} {status}: no {h}"));
                if (status == "401" && headers?.ContainsKey("RateLimit") == true)
                {
                    failures.Add($"{method} {path} 401: lists RateLimit, which a 401 cannot carry");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var components = document["components"]!["headers"]!.AsObject();
        Assert.Equal("boolean", components["Idempotent-Replayed"]!["schema"]!["type"]!.GetValue<string>());
        Assert.NotNull(document["paths"]!["/api/v1/cases"]!["post"]!["responses"]!["200"]!["headers"]!["Idempotent-Replayed"]);

        var list = document["paths"]!["/api/v1/cases"]!["get"]!;
        var parameters = list["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["schema"]!);
        Assert.Equal(Enum.GetValues<CaseStatus>().Select(v => JsonSerializer.Serialize(v, WorkbenchJson.Options).Trim('"')),
            parameters["status"]["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("date-time", parameters["updatedSince"]["format"]!.GetValue<string>());
        Assert.Equal(100, parameters["limit"]["maximum"]!.GetValue<int>());
        Assert.All(new[] { "externalId", "workflow", "cursor" }, name => Assert.Contains(name, parameters.Keys));
        Assert.NotNull(document["paths"]!["/api/v1/cases/by-external-id/{externalId}"]!["get"]!["responses"]!["404"]);
    }

    [Fact]
    public async Task Both_kinds_of_API_credentials_are_security_schemes()
    {
        var schemes = (await DocumentAsync())["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("apiKey", schemes["apiKey"]!["type"]!.GetValue<string>());
        Assert.Equal("X-Api-Key", schemes["apiKey"]!["name"]!.GetValue<string>());
        Assert.Equal("header", schemes["apiKey"]!["in"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["bearer"]!["scheme"]!.GetValue<string>());
        Assert.Equal("cookie", schemes["signInCookie"]!["in"]!.GetValue<string>());
        // Entra ID tokens are a scheme only where the server is configured for them.
        Assert.False(schemes.ContainsKey("entra"));
    }

    [Fact]
    public async Task Every_request_body_refuses_unknown_members_in_the_document_as_the_server_does()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        var open = new List<string>();
        var seen = new HashSet<string>();
        void Visit(JsonNode? node)
        {
            foreach (var (_, schema) in Schemas(node, "$.schema"))
            {
                if (schema["$ref"]?.GetValue<string>() is { } reference && seen.Add(reference))
                {
                    var name = reference["#/components/schemas/".Length..];
                    var target = schemas[name]!.AsObject();
                    if (target["properties"] is not null && target["additionalProperties"]?.GetValue<bool>() != false)
                    {
                        open.Add(name);
                    }
                    Visit(target);
                }
            }
        }
        foreach (var (_, _, operation) in Operations(document))
        {
            Visit(operation["requestBody"]?["content"]?["application/json"]?["schema"]);
        }
        Assert.Contains("#/components/schemas/CaseSubmission", seen);
        Assert.Contains("#/components/schemas/ToolStep", seen);
        Assert.True(open.Count == 0, "open request schemas: " + string.Join(", ", open));
    }

    /// <summary>
    /// Each member of a full submission left out in turn: the server refuses the body (400, the member's path among the
    /// errors) exactly when the document lists the member as required.
    /// </summary>
    [Fact]
    public async Task Required_members_are_exactly_those_the_server_refuses_to_miss()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        var full = FullSubmission();
        var api = app.ApiClient();
        var failures = new List<string>();
        foreach (var (jsonPath, schemaName) in Members(full, "$", "CaseSubmission", schemas))
        {
            var body = full.DeepClone().AsObject();
            body["externalId"] = $"req-{Guid.NewGuid():N}";
            var (parent, member) = Locate(body, jsonPath);
            if (member == "externalId")
            {
                body = full.DeepClone().AsObject();
                (parent, member) = Locate(body, jsonPath);
            }
            parent.Remove(member);
            var required = schemas[schemaName]!["required"]?.AsArray().Any(r => r!.GetValue<string>() == member) == true;
            using var response = await api.PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            var refused = response.StatusCode == HttpStatusCode.BadRequest &&
                          (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Any(e => e.Key.StartsWith(jsonPath, StringComparison.Ordinal));
            if (refused != required)
            {
                failures.Add($"{jsonPath}: document says {(required ? "required" : "optional")}, server answered {(int)response.StatusCode}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        var received = await app.SubmitSampleAsync(Samples.Queues);
        using var noOutcome = await api.PostAsync($"/api/v1/cases/{received.Id}/outcome", new StringContent("""{"note":"n"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, noOutcome.StatusCode);
        Assert.Contains("outcome", schemas["OutcomeReport"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        using var noMessage = await api.PostAsync($"/api/v1/cases/{received.Id}/replies", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, noMessage.StatusCode);
        Assert.Equal(["message"], schemas["ReplyRequest"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    /// <summary>A sample with every member the contract has filled in (a response and an action, evidence, claims, steps …).</summary>
    private static JsonObject FullSubmission()
    {
        var body = Samples.Json("009-");
        body["riskTier"] = 2;
        body["requester"] = new JsonObject { ["id"] = "cust-1", ["role"] = "customer", ["authenticated"] = true };
        body["proposal"] = new JsonObject
        {
            ["response"] = new JsonObject { ["body"] = "We refund the pole.", ["variables"] = new JsonObject { ["amount"] = "40" } },
            ["action"] = new JsonObject { ["tool"] = "refunds.create", ["parameters"] = new JsonObject { ["amount"] = 40 }, ["reversible"] = true },
        };
        body["evidence"] = new JsonArray(new JsonObject
        {
            ["id"] = "kb-1", ["title"] = "Refund policy", ["uri"] = "https://kb.northwind.example/refunds", ["snippet"] = "Damaged goods are refunded.",
            ["authority"] = "authoritative", ["version"] = "v7", ["publishedAt"] = DateTimeOffset.UtcNow.AddDays(-3).ToString("O"), ["score"] = 0.9, ["topic"] = "refunds",
        });
        body["claims"] = new JsonArray(new JsonObject { ["text"] = "Damaged goods are refunded.", ["evidenceIds"] = new JsonArray("kb-1") });
        body["toolTrace"] = new JsonArray(new JsonObject
        {
            ["step"] = 1, ["tool"] = "orders.lookup", ["status"] = "succeeded", ["durationMs"] = 120, ["input"] = "order 1", ["output"] = "found",
        });
        body["signals"] = new JsonObject { ["amount"] = 40 };
        body["provenance"] = new JsonObject
        {
            ["model"] = "m", ["promptVersion"] = "p1", ["retrievalIndexVersion"] = "r1", ["toolVersions"] = new JsonObject { ["orders.lookup"] = "1.0" },
        };
        body["modelCost"] = new JsonObject { ["amount"] = 0.01, ["currency"] = "USD" };
        body["metadata"] = new JsonObject { ["channel"] = "email" };
        return body;
    }

    /// <summary>Every member of every object of the submission whose schema is a component, with that component's name.</summary>
    private static IEnumerable<(string Path, string Schema)> Members(JsonObject value, string path, string schemaName, JsonObject schemas)
    {
        var properties = schemas[schemaName]!["properties"]!.AsObject();
        foreach (var (name, child) in value.ToList())
        {
            yield return ($"{path}.{name}", schemaName);
            var reference = Reference(properties[name]);
            if (reference is null)
            {
                continue;
            }
            var target = child is JsonArray { Count: > 0 } items ? items[0] : child;
            if (target is JsonObject inner && schemas[reference]!["properties"] is not null)
            {
                foreach (var nested in Members(inner, child is JsonArray ? $"{path}.{name}[0]" : $"{path}.{name}", reference, schemas))
                {
                    yield return nested;
                }
            }
        }
    }

    private static string? Reference(JsonNode? schema)
    {
        if (schema?["$ref"]?.GetValue<string>() is { } direct)
        {
            return direct["#/components/schemas/".Length..];
        }
        foreach (var key in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema?[key] is JsonArray options && options.Select(Reference).FirstOrDefault(r => r is not null) is { } found)
            {
                return found;
            }
        }
        return schema?["items"] is { } items ? Reference(items) : null;
    }

    private static (JsonObject Parent, string Member) Locate(JsonObject body, string path)
    {
        var parts = path[2..].Split('.');
        JsonNode node = body;
        foreach (var part in parts[..^1])
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            node = bracket < 0 ? node[part]! : node[part[..bracket]]![int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)]!;
        }
        return (node.AsObject(), parts[^1]);
    }
}
