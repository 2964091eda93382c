namespace Workbench.Web.Review;

public sealed record ReviewOptions
{
    /// <summary>How long a claim lasts unless renewed (the case page renews it while open).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Per submitting client: users who may never approve that client's cases (besides the client itself).</summary>
    public Dictionary<string, string[]> SelfApprovalDeny { get; init; } = [];
    /// <summary>
    /// How long a decision waits before it reaches the AI system (webhook, long-poll, the case it reads), during which
    /// the reviewer who made it may undo it. Zero sends decisions at once; at most <see cref="MaxUndoWindow"/>.
    /// </summary>
    public TimeSpan UndoWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A decision held longer would hold up the AI system, and its SLA, for nothing a reviewer still needs.</summary>
    public static readonly TimeSpan MaxUndoWindow = TimeSpan.FromMinutes(5);

    /// <summary>What is wrong with the settings, one line each; empty when they can be used.</summary>
    public IEnumerable<string> Problems()
    {
        if (UndoWindow < TimeSpan.Zero || UndoWindow > MaxUndoWindow)
        {
            yield return $"The setting Review:UndoWindow is {UndoWindow}; it must be between 00:00:00 (no undo) and {MaxUndoWindow}.";
        }
        if (Lease <= TimeSpan.Zero)
        {
            yield return $"The setting Review:Lease is {Lease}; a claim must last longer than zero.";
        }
    }
}

/// <summary>Refuses unusable review settings when they are read (at start, by the settings check), one line each.</summary>
internal sealed class ReviewOptionsValidation : IValidateOptions<ReviewOptions>
{
    public ValidateOptionsResult Validate(string? name, ReviewOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
