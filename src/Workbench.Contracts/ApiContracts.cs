using System.Text.Json;

namespace Workbench.Contracts;

// The wire contract of /api/v1, shared by the server and Workbench.Client so that there is one definition.
// JSON: camelCase members, snake_case enum strings, ISO 8601 UTC times (WorkbenchJson.Options).

/// <summary>The policy outcome of a case, separately for releasing the answer and executing the action.</summary>
public sealed record OutcomeView(PathOutcome Release, PathOutcome Execute)
{
    /// <summary>The more severe of the two (the enum is in the default order of severity): the case's path.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public PathOutcome Path => (PathOutcome)Math.Max((int)Release, (int)Execute);
}

/// <summary>Relative links to what the AI system can do next with a case.</summary>
public sealed record CaseLinks(string Self, string Decision, string Replies, string Withdraw, string Outcome)
{
    public static CaseLinks For(Guid id)
    {
        var self = $"/api/v1/cases/{id}";
        return new(self, $"{self}/decision", $"{self}/replies", $"{self}/withdraw", $"{self}/outcome");
    }
}

/// <summary>The answer to a submission: the policy's decision, at once.</summary>
public sealed record CaseReceipt
{
    public required Guid Id { get; init; }
    public required string ExternalId { get; init; }
    public required CaseStatus Status { get; init; }
    public required OutcomeView Outcome { get; init; }
    public required IReadOnlyList<string> ReasonCodes { get; init; }
    public string? Queue { get; init; }
    public CasePriority Priority { get; init; }
    public DateTimeOffset? SlaDueAt { get; init; }
    public int ApprovalsRequired { get; init; }
    public bool SpotCheck { get; init; }
    public string? ClarifyingQuestion { get; init; }
    /// <summary>
    /// The tier the case was decided at: the highest of the workflow's floor, the action catalogue's tier for the tool
    /// and the tier the AI system declared. Absent only when a retry replays a receipt stored by an older version.
    /// </summary>
    public int? RiskTier { get; init; }
    public required string PolicyVersion { get; init; }
    public required CaseLinks Links { get; init; }
}

/// <summary>The human (or policy, or timeout) decision that flows back to the AI system.</summary>
public sealed record DecisionView
{
    public required Guid CaseId { get; init; }
    public required DecisionKind Decision { get; init; }
    /// <summary>
    /// The final response as it will be sent: the template with its variables filled in, edited where the reviewer
    /// edited it. A placeholder without a value stays in the text as written (<c>{{name}}</c>).
    /// </summary>
    public string? ResponseText { get; init; }
    /// <summary>The template <see cref="ResponseText"/> was rendered from, with its <c>{{name}}</c> placeholders.</summary>
    public string? ResponseTemplate { get; init; }
    /// <summary>The variables the template was filled from: the AI system's, with the reviewer's changes.</summary>
    public IReadOnlyDictionary<string, string>? ResponseVariables { get; init; }
    /// <summary>The final action parameters, edited where the reviewer edited them.</summary>
    public IReadOnlyDictionary<string, JsonElement>? ActionParameters { get; init; }
    public string? RejectReasonCode { get; init; }
    public string? Note { get; init; }
    public required IReadOnlyList<string> Reviewers { get; init; }
    public required DateTimeOffset DecidedAt { get; init; }
    public required string PolicyVersion { get; init; }
}

/// <summary>A case's current state as its AI system sees it.</summary>
public sealed record CaseView
{
    public required Guid Id { get; init; }
    public required string ExternalId { get; init; }
    public required string Workflow { get; init; }
    public required CaseStatus Status { get; init; }
    public required int RiskTier { get; init; }
    public required OutcomeView Outcome { get; init; }
    public required IReadOnlyList<string> ReasonCodes { get; init; }
    public string? Queue { get; init; }
    public DateTimeOffset? SlaDueAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The open question when the status is awaiting_info or clarification_requested.</summary>
    public string? Question { get; init; }
    public DecisionView? Decision { get; init; }
    public required CaseLinks Links { get; init; }
}

/// <summary>
/// One page of the calling client's cases, newest first (by creation, then id). <see cref="NextCursor"/> is absent on
/// the last page; pass it as <c>cursor</c> with the same filters for the next one.
/// </summary>
public sealed record CaseList
{
    public required IReadOnlyList<CaseView> Items { get; init; }
    public string? NextCursor { get; init; }
}

/// <summary>The 202 body of the decision long-poll: no decision yet.</summary>
public sealed record PendingDecisionView(Guid CaseId, CaseStatus Status, string? Question);

/// <summary>The AI system's answer to a request for information.</summary>
public sealed record ReplyRequest(string Message, IReadOnlyDictionary<string, SignalValue>? Signals = null);

public sealed record WithdrawRequest(string? Reason = null);

/// <summary>What happened downstream once the decision was used: feeds learning.</summary>
public sealed record OutcomeReport(DownstreamOutcome Outcome, string? Note = null);

public sealed record OutcomeReceipt(Guid CaseId, DownstreamOutcome Outcome, string? Note, DateTimeOffset ReportedAt);

public sealed record QueueSummaryView(
    string Name,
    string Title,
    int Depth,
    int InReview,
    int AwaitingInfo,
    int DueSoon,
    int Breached,
    double? OldestAgeSeconds);

/// <summary>A reviewer's action; each kind needs its own fields (the review rules validate them).</summary>
public sealed record ReviewActionRequest
{
    public required ReviewActionKind Action { get; init; }
    /// <summary>The edited response template (placeholders as <c>{{name}}</c>); the variables fill it.</summary>
    public string? EditedResponse { get; init; }
    /// <summary>
    /// Changed or added template variables, by name; the others keep the AI system's values. An approve with edits
    /// may change the variables alone.
    /// </summary>
    public IReadOnlyDictionary<string, string>? EditedVariables { get; init; }
    public IReadOnlyDictionary<string, JsonElement>? EditedParameters { get; init; }
    public string? RejectReasonCode { get; init; }
    public string? Question { get; init; }
    public string? TargetQueue { get; init; }
    public string? Note { get; init; }
    /// <summary>The revision the reviewer saw; when given, an action on a case that changed since is refused.</summary>
    public int? ExpectedRevision { get; init; }
    /// <summary>
    /// An approval of an irreversible or money action names the tool it executes (the case's confirmation says which):
    /// the deliberate second step after reading the action restated.
    /// </summary>
    public string? ConfirmedTool { get; init; }
    /// <summary>The amount the reviewer typed, where the policy asks for it (the highest tier of money actions).</summary>
    public string? ConfirmedAmount { get; init; }
    /// <summary>
    /// Why the case needed a person: one of the article's root-cause classes. Required on <c>approve_with_edits</c> and
    /// <c>reject</c> (the reviewer changed or stopped the proposal); <c>unknown</c> only where the workflow's policy
    /// sets <c>allow_unknown_root_cause</c>. Optional on the other actions; editable afterwards (classification).
    /// </summary>
    public RootCause? RootCause { get; init; }
}

/// <summary>
/// A reviewer's classification of a case he acted on, given or changed after the action (a lead may change it too):
/// each member is optional and keeps the earlier answer when left out.
/// </summary>
public sealed record ClassificationRequest
{
    /// <summary>One of the article's root-cause classes; <c>unknown</c> only where the workflow's policy allows it.</summary>
    public RootCause? RootCause { get; init; }
    /// <summary>Whether the case needed a person at all.</summary>
    public bool? EscalationNecessary { get; init; }
}

/// <summary>A case's classification as it stands: on the action of <c>Reviewer</c>, last changed by <c>ChangedBy</c>.</summary>
public sealed record ClassificationView(Guid CaseId, RootCause? RootCause, bool? EscalationNecessary, string Reviewer, string ChangedBy);
