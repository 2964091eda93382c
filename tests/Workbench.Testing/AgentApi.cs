using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbench.E2E;

/// <summary>The AI system's side in the journeys: submits cases and answers questions through the real API.</summary>
public sealed class AgentApi(string baseUrl)
{
    public const string DemoKey = "wb_demo_agent_7Qm2VxK9pLr4TzN8aHcE3uYd";

    private readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl) };

    public static JsonObject Sample(string prefix)
    {
        var dir = Path.Combine(AppServer.RepositoryRoot, "assets", "samples", "cases");
        var file = Directory.GetFiles(dir, "*.json").Single(f => Path.GetFileName(f).StartsWith(prefix, StringComparison.Ordinal));
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        json["externalId"] = $"e2e-{Guid.NewGuid():N}"[..20];
        var shift = DateTimeOffset.UtcNow - new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
        foreach (var e in json["evidence"]?.AsArray() ?? [])
        {
            if (e?["publishedAt"]?.GetValue<string>() is { } published)
            {
                e["publishedAt"] = (DateTimeOffset.Parse(published, System.Globalization.CultureInfo.InvariantCulture) + shift).ToString("O");
            }
        }
        return json;
    }

    public async Task<(Guid Id, string ExternalId)> SubmitAsync(JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DemoKey);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Submit failed: {(int)response.StatusCode} {text}");
        }
        var receipt = JsonDocument.Parse(text).RootElement;
        return (receipt.GetProperty("id").GetGuid(), receipt.GetProperty("externalId").GetString()!);
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DemoKey);
        using var response = await _http.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<int> ReplyAsync(Guid id, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cases/{id}/replies") { Content = JsonContent.Create(new { message }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DemoKey);
        using var response = await _http.SendAsync(request);
        return (int)response.StatusCode;
    }
}
