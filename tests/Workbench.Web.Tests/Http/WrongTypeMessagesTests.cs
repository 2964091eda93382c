using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbench.Contracts;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// A value of the wrong JSON type is told in JSON's words (an integer, one of the enum's values, an array), never with
/// the .NET type the body is read into (<c>System.Nullable`1[System.Int32]</c>): an AI system's engineer never sees .NET.
/// </summary>
public sealed class WrongTypeMessagesTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    [Theory]
    [InlineData("riskTier", "\"3\"", "$.riskTier", "Must be an integer or null.")]
    [InlineData("requester.authenticated", "\"yes\"", "$.requester.authenticated", "Must be true or false.")]
    [InlineData("evidence[0].authority", "\"official\"", "$.evidence[0].authority", "Must be one of: authoritative, secondary, unverified.")]
    [InlineData("evidence", "{}", "$.evidence", "Must be an array")]
    [InlineData("evidence[0].publishedAt", "17", "$.evidence[0].publishedAt", "Must be a string holding an RFC 3339 date-time")]
    public async Task A_wrong_type_is_said_in_json_words(string member, string value, string path, string message)
    {
        var body = Samples.Json(Samples.Queues);
        Set(body, member, JsonNode.Parse(value)!);
        using var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", Samples.DemoKey);
        using var response = await api.PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("`1", text);
        Assert.DoesNotContain("System.", text);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(path, out var messages), text);
        Assert.StartsWith(message, messages[0].GetString());
    }

    /// <summary>Sets a member by a dotted path with array indexes (<c>evidence[0].authority</c>).</summary>
    private static void Set(JsonObject body, string path, JsonNode value)
    {
        JsonNode node = body;
        var parts = path.Split('.');
        foreach (var part in parts[..^1])
        {
            node = Step(node, part);
        }
        var last = parts[^1];
        if (last.EndsWith(']'))
        {
            Step(node, last[..last.IndexOf('[')]).AsArray()[int.Parse(last[(last.IndexOf('[') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            node[last] = value;
        }
    }

    private static JsonNode Step(JsonNode node, string part) =>
        part.EndsWith(']')
            ? node[part[..part.IndexOf('[')]]!.AsArray()[int.Parse(part[(part.IndexOf('[') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)]!
            : node[part]!;
}
