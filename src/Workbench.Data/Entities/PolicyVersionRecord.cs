namespace Workbench.Data.Entities;

/// <summary>A published version of the escalation policy (YAML), with who published it and why.</summary>
public sealed class PolicyVersionRecord
{
    public int Id { get; set; }
    public required string Version { get; set; }
    public required string Yaml { get; set; }
    public required string PublishedBy { get; set; }
    public required string Reason { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
    public bool IsActive { get; set; }
}
