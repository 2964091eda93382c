using System.Text.Json.Nodes;
using ModelContextProtocol;

namespace Workbench.Web.Mcp;

/// <summary>
/// A tools/call whose arguments name a member twice, at any depth, is refused as the REST API refuses such a body: a
/// tool error carrying the validation problem, keyed by the member's path in the arguments. It has to be looked at
/// before the MCP library reads the message: the library keeps one of two top-level arguments of the same name
/// without a word, and a member named twice deeper inside makes it fail with a 500. A proxy or logger that reads the
/// first of two <c>workflow</c> members must not see another case than the one the policy decides.
/// </summary>
public static class McpDuplicateMembers
{
    /// <summary>Puts the check in front of the endpoint's handler (after authentication, authorization and the rate limit).</summary>
    public static TBuilder RefuseDuplicateMembers<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = http => HandleAsync(http, inner);
        });
        return builder;
    }

    private static async Task HandleAsync(HttpContext http, RequestDelegate inner)
    {
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            await inner(http);
            return;
        }
        // The largest submission and room for the message around it. A larger message is refused here, unread by
        // anything else: left to the library, a submission padded with white space past this limit would skip the check
        // and still fit the tool's limit once the library had read it (it keeps one of two arguments of the same name).
        var limit = http.RequestServices.GetRequiredService<IOptionsMonitor<IntakeLimits>>().CurrentValue.MaxBodyBytes + 64 * 1024;
        if (http.Request.ContentLength > limit)
        {
            await TooLarge(limit).ExecuteAsync(http);
            return;
        }
        // Without a Content-Length the reader reads a chunk past the limit before it knows: the buffer has room for it.
        http.Request.EnableBuffering(limit, limit + JsonBody.ChunkBytes);
        var bytes = await JsonBody.ReadChunkedAsync(http.Request.Body, limit, http.RequestAborted);
        if (bytes is null)
        {
            await TooLarge(limit).ExecuteAsync(http);
            return;
        }
        http.Request.Body.Position = 0;
        if (Refusal(bytes) is { } refusal)
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(refusal.ToJsonString(), http.RequestAborted);
            return;
        }
        await inner(http);
    }

    private static IResult TooLarge(int limit) =>
        Problems.Of(413, ProblemTypes.PayloadTooLarge, "The message is too large",
            $"An MCP message is at most {limit} bytes: the largest submission (Intake:Limits:MaxBodyBytes) and 64 KiB around it.");

    /// <summary>The JSON-RPC answer refusing a tools/call with a member named twice in its arguments, or null.</summary>
    public static JsonObject? Refusal(byte[] message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            return null; // not JSON: the library answers that with its own parse error
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) ||
                !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String || method.GetString() != "tools/call" ||
                !root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object ||
                !parameters.TryGetProperty("arguments", out var arguments))
            {
                return null;
            }
            var errors = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
            CollectDuplicates(arguments, "", errors);
            if (errors.Count == 0)
            {
                return null;
            }
            var result = WorkbenchMcpTools.Failure(Problems.Invalid(errors,
                "A member is named twice in the tool's arguments. Each member may appear once, as in the REST API's bodies."));
            return new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = JsonNode.Parse(id.GetRawText()),
                ["result"] = JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions),
            };
        }
    }

    private static void CollectDuplicates(JsonElement element, string path, IDictionary<string, string[]> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in element.EnumerateObject())
                {
                    var at = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
                    if (!seen.Add(member.Name))
                    {
                        errors[at] = ["Named twice: a member may appear once."];
                    }
                    CollectDuplicates(member.Value, at, errors);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CollectDuplicates(item, $"{path}[{index++}]", errors);
                }
                break;
        }
    }
}
