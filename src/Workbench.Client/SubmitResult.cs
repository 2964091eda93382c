using Workbench.Contracts;

namespace Workbench.Client;

/// <summary>The answer to <see cref="WorkbenchClient.SubmitAsync"/>.</summary>
/// <param name="Receipt">The policy's decision on the case, at once.</param>
/// <param name="Replayed">
/// <see langword="true"/> when the server had already accepted a submission with the same idempotency key (HTTP 200)
/// and returned the original receipt; <see langword="false"/> when this call created the case (HTTP 201).
/// </param>
public sealed record SubmitResult(CaseReceipt Receipt, bool Replayed)
{
    /// <summary>The idempotency key the submission was sent with: keep it to resubmit safely after a crash.</summary>
    public string IdempotencyKey { get; init; } = "";
}
