using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbench.Testing;

/// <summary>The AI system's side in the journeys: submits cases and answers questions through the real API.</summary>
/// <param name="key">The API key the AI system sends (the demo agent's unless given).</param>
public sealed class AgentApi(string baseUrl, string key = Samples.DemoKey)
{
    public const string DemoKey = Samples.DemoKey;

    private readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl) };

    /// <summary>The sample whose file name starts with <paramref name="prefix"/>, with a fresh short externalId.</summary>
    public static JsonObject Sample(string prefix) => Samples.Json(prefix, $"e2e-{Guid.NewGuid():N}"[..20]);

    public async Task<(Guid Id, string ExternalId)> SubmitAsync(JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
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
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<int> ReplyAsync(Guid id, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cases/{id}/replies") { Content = JsonContent.Create(new { message }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request);
        return (int)response.StatusCode;
    }
}
