using Workbench.Contracts;

namespace Workbench.Core.Cases;

/// <summary>The <c>data</c> of <c>case.info_requested</c>, <c>case.withdrawn</c> and <c>case.sla_breached</c>.</summary>
public sealed record CaseEventData(Guid CaseId, string ExternalId, CaseStatus Status, string? Queue, object? Details);
