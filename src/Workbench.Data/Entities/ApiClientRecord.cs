namespace Workbench.Data.Entities;

/// <summary>An AI system allowed to submit cases. The API key is stored only as a hash.</summary>
public sealed class ApiClientRecord
{
    public required string Id { get; set; }
    public required string DisplayName { get; set; }
    /// <summary>The first characters of the key, shown in the admin UI to tell keys apart.</summary>
    public required string KeyPrefix { get; set; }
    /// <summary>SHA-256 of the whole key, hex.</summary>
    public required string KeyHash { get; set; }
    /// <summary>Space-separated scopes, e.g. <c>cases:submit cases:read</c>.</summary>
    public required string Scopes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    /// <summary>
    /// When a Workbench instance last let the key in, as flushed by that instance (at most once a minute each); it only
    /// moves forward, whichever instance writes last. Null: no use recorded yet.
    /// </summary>
    public DateTimeOffset? LastUsedAt { get; set; }
}
