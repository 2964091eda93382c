using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Client;

/// <summary>A verified webhook delivery.</summary>
/// <param name="Id">The <c>webhook-id</c>: the same on every retry, so use it to ignore duplicates.</param>
/// <param name="Timestamp">The <c>webhook-timestamp</c> of this attempt.</param>
/// <param name="Body">The raw body, exactly as signed.</param>
public sealed record WebhookMessage(string Id, DateTimeOffset Timestamp, string Body)
{
    /// <summary>Reads the body as a <see cref="WebhookEvent"/>.</summary>
    /// <returns>The event.</returns>
    /// <exception cref="JsonException">The body is not a Workbench webhook event.</exception>
    public WebhookEvent ReadEvent()
    {
        var evt = JsonSerializer.Deserialize<WebhookEvent>(Body, WorkbenchJson.Options);
        return evt is { Type.Length: > 0 } ? evt : throw new JsonException("The webhook body has no event type.");
    }
}

/// <summary>The body of a Workbench webhook delivery.</summary>
/// <param name="Type">The event type: one of <see cref="WebhookEventTypes"/>.</param>
/// <param name="Id">The event's id, when the server sends one.</param>
/// <param name="Timestamp">When the event happened.</param>
/// <param name="Data">The event's payload; read it with <see cref="GetData{T}"/>.</param>
public sealed record WebhookEvent(string Type, string? Id, DateTimeOffset Timestamp, JsonElement Data)
{
    /// <summary>Deserializes <see cref="Data"/> with the product's JSON settings (camelCase, snake_case enums).</summary>
    /// <typeparam name="T">The payload type, e.g. <c>DecisionView</c> for <c>case.decided</c>.</typeparam>
    /// <returns>The payload, or <see langword="null"/> when it is JSON null.</returns>
    public T? GetData<T>() => Data.Deserialize<T>(WorkbenchJson.Options);
}
