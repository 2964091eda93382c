using System.Text.Json;

namespace Workbench.Contracts;

/// <summary>What the reviewer of a spot check says about an answer the policy let through on its own.</summary>
public enum SpotCheckVerdict
{
    /// <summary>The reviewer would have released it as it was.</summary>
    Agree,
    /// <summary>The reviewer would have changed it (the edit is recorded).</summary>
    WouldHaveEdited,
    /// <summary>The reviewer would have stopped it (the reason code is recorded).</summary>
    WouldHaveRejected,
}

/// <summary>Where a spot check is. It never changes the case it checks: that case stays <c>auto_approved</c>.</summary>
public enum SpotCheckState
{
    /// <summary>Waiting for a reviewer.</summary>
    Open,
    /// <summary>A reviewer holds it (a lease, as on cases).</summary>
    InReview,
    /// <summary>A reviewer recorded a verdict.</summary>
    Reviewed,
    /// <summary>Nobody reviewed it before it aged out of the sample: counted as not reviewed, never as agreement.</summary>
    NotReviewed,
}

/// <summary>A spot-check verdict: agree, would have edited (with the edit) or would have rejected (with the reason), and the root cause.</summary>
public sealed record SpotCheckVerdictRequest
{
    public required SpotCheckVerdict Verdict { get; init; }
    /// <summary>The response as the reviewer would have released it (would_have_edited).</summary>
    public string? EditedResponse { get; init; }
    /// <summary>The action parameters as the reviewer would have executed them (would_have_edited).</summary>
    public IReadOnlyDictionary<string, JsonElement>? EditedParameters { get; init; }
    /// <summary>Why the reviewer would have stopped it: a reason code of the active policy (would_have_rejected).</summary>
    public string? RejectReasonCode { get; init; }
    /// <summary>Required when the reviewer disagrees (<c>unknown</c> only where the policy allows it); optional on agree.</summary>
    public RootCause? RootCause { get; init; }
    public string? Note { get; init; }
}
