namespace Workbench.Core.Cases;

/// <summary>
/// A text a person or an AI system wrote (a note, a question, a reply) inside an audit event's data. The audit writer
/// keeps such texts out of the hashed data, so that retention can purge them while the chain keeps verifying.
/// </summary>
public sealed record AuditFreeText(string Text)
{
    public static AuditFreeText? Of(string? text) => text is null ? null : new AuditFreeText(text);
}
