using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Policy;

namespace Workbench.Core.Review;

/// <summary>
/// The review rules (docs/design.md "The flow of one case", step 5): claims are leases, one reviewer at a time; only
/// the claim holder acts, on the revision he saw; four-eyes cases need distinct reviewers; the submitting principal
/// and its deny list never approve; an edit, a request for info and a route start a new approval round. Each rule
/// takes a case snapshot and returns what changes, with the audit and outbox events to write, or why it refuses.
/// </summary>
/// <param name="policy">The active policy: its reason codes, queues, and which queues stop the SLA clock while awaiting info.</param>
/// <param name="lease">How long a claim lasts unless renewed.</param>
/// <param name="selfApprovalDeny">Per submitting client: users who may never approve its cases, besides the client itself.</param>
/// <param name="undoWindow">
/// How long a decision waits before it reaches the AI system, during which the reviewer who made it may take it back
/// (<see cref="Undo"/>); zero sends it at once and allows no undo.
/// </param>
public sealed class ReviewRules(CompiledPolicy policy, TimeSpan lease, IReadOnlyDictionary<string, string[]> selfApprovalDeny, TimeSpan undoWindow = default)
{
    public ReviewOutcome Claim(ReviewCase c, Reviewer who, DateTimeOffset now)
    {
        if (c.Status == CaseStatus.InReview && c.ClaimedBy == who.UserName)
        {
            return new ReviewOutcome.Changed(c with { ClaimExpiresAt = now + lease }) { LiveKind = CaseEventKinds.Claimed }; // already mine: renew
        }
        if (c.Status == CaseStatus.InReview && c.ClaimExpiresAt > now)
        {
            return Refuse(ReviewRefusal.Conflict(ProblemTypes.AlreadyClaimed, $"{c.ClaimedBy} is reviewing this case (claim until {c.ClaimExpiresAt:HH:mm} UTC)."));
        }
        List<AuditEntry> audit = [];
        var after = c;
        if (c.Status == CaseStatus.InReview)
        {
            // A run-out claim is taken over at once rather than waiting for the sweeper; the audit still shows it ran out.
            audit.Add(LeaseExpiredEntry(c));
            after = after with { Status = CaseStateMachine.Apply(after.Status, CaseTrigger.LeaseExpired) };
        }
        if (!CaseStateMachine.CanApply(after.Status, CaseTrigger.Claim))
        {
            return Refuse(ReviewRefusal.Conflict(ProblemTypes.IllegalTransition, new IllegalTransitionException(after.Status, CaseTrigger.Claim).Message));
        }
        after = after with
        {
            Status = CaseStateMachine.Apply(after.Status, CaseTrigger.Claim),
            ClaimedBy = who.UserName,
            ClaimExpiresAt = now + lease,
        };
        audit.Add(new AuditEntry(AuditEventTypes.CaseClaimed, who.UserName, who.Role, new { after.Queue, LeaseUntil = after.ClaimExpiresAt }));
        return new ReviewOutcome.Changed(after) { LiveKind = CaseEventKinds.Claimed, Audit = audit };
    }

    /// <summary>The claim holder keeps the case (the case page renews while it is open); nothing is published.</summary>
    public ReviewOutcome Renew(ReviewCase c, Reviewer who, DateTimeOffset now) =>
        Held(c, who, null, now) is { } refusal ? Refuse(refusal) : new ReviewOutcome.Changed(c with { ClaimExpiresAt = now + lease });

    public static ReviewOutcome Release(ReviewCase c, Reviewer who, DateTimeOffset now)
    {
        if (Held(c, who, null, now) is { } refusal)
        {
            return Refuse(refusal);
        }
        var after = Unclaimed(c with { Status = CaseStateMachine.Apply(c.Status, CaseTrigger.Release) });
        return new ReviewOutcome.Changed(after)
        {
            LiveKind = CaseEventKinds.Released,
            Audit = [new AuditEntry(AuditEventTypes.CaseReleased, who.UserName, who.Role, new { after.Queue })],
        };
    }

    /// <summary>The lease sweeper returns a claim that ran out to its queue.</summary>
    public static ReviewOutcome ExpireLease(ReviewCase c, DateTimeOffset now)
    {
        if (!CaseStateMachine.CanApply(c.Status, CaseTrigger.LeaseExpired))
        {
            return Refuse(ReviewRefusal.Conflict(ProblemTypes.IllegalTransition, new IllegalTransitionException(c.Status, CaseTrigger.LeaseExpired).Message));
        }
        if (!(c.ClaimExpiresAt < now))
        {
            return Refuse(ReviewRefusal.Conflict(ProblemTypes.AlreadyClaimed, $"{c.ClaimedBy} is reviewing this case (claim until {c.ClaimExpiresAt:HH:mm} UTC)."));
        }
        return new ReviewOutcome.Changed(Unclaimed(c with { Status = CaseStateMachine.Apply(c.Status, CaseTrigger.LeaseExpired) }))
        {
            LiveKind = CaseEventKinds.LeaseExpired,
            Audit = [LeaseExpiredEntry(c)],
        };
    }

    /// <summary>Only a lead assigns. Checked before the case is read, so that nobody else learns which cases exist.</summary>
    public static ReviewRefusal? MayAssign(Reviewer who) =>
        who.IsLead ? null : ReviewRefusal.Forbidden(ProblemTypes.Forbidden, "Only a lead assigns cases.");

    /// <summary>A lead puts an open case at the top of a reviewer's queue; the reviewer must work the case's queue.</summary>
    public static ReviewOutcome Assign(ReviewCase c, Reviewer lead, string assignee, bool assigneeWorksQueue)
    {
        if (MayAssign(lead) is { } refusal)
        {
            return Refuse(refusal);
        }
        if (!assigneeWorksQueue)
        {
            return Refuse(ReviewRefusal.Invalid("$.reviewer", $"{assignee} does not work the {c.Queue} queue."));
        }
        if (!CaseStateMachine.IsOpen(c.Status))
        {
            return Refuse(ReviewRefusal.Conflict(ProblemTypes.IllegalTransition, "Only an open case can be assigned."));
        }
        return new ReviewOutcome.Changed(c with { AssignedTo = assignee })
        {
            LiveKind = CaseEventKinds.Assigned,
            Audit = [new AuditEntry(AuditEventTypes.CaseAssigned, lead.UserName, lead.Role, new { To = assignee, c.Queue })],
        };
    }

    /// <summary>
    /// The reviewer says why the system needed a human and whether it did at all, with the action or afterwards; each is
    /// optional and keeps the earlier answer when not given. A reviewer classifies his own action on the case; a lead
    /// may change the case's classification (the action it stands on), and the audit says whose it was and what it said.
    /// </summary>
    /// <param name="own">
    /// The classification to change: on the reviewer's latest action on the case, or — for a lead who did not act — on
    /// the case's classified action; null when there is none.
    /// </param>
    /// <param name="actionBy">Who took the action that carries the classification.</param>
    public static ClassifyOutcome Classify(Reviewer who, Classification? own, string? actionBy, RootCause? rootCause, bool? necessary)
    {
        if (own is null || actionBy is null)
        {
            return new ClassifyOutcome.Refused(ReviewRefusal.Forbidden(ProblemTypes.NotClaimHolder, who.IsLead
                ? "Nobody acted on this case yet: there is no classification to change."
                : "Only a reviewer who acted on the case (or a lead) classifies it."));
        }
        if (actionBy != who.UserName && !who.IsLead)
        {
            return new ClassifyOutcome.Refused(ReviewRefusal.Forbidden(ProblemTypes.Forbidden, $"The classification is {actionBy}'s; only a lead changes another reviewer's."));
        }
        if (rootCause is { } cause && !Enum.IsDefined(cause))
        {
            return new ClassifyOutcome.Refused(ReviewRefusal.Invalid("$.rootCause", "Unknown root cause."));
        }
        var after = new Classification(rootCause ?? own.RootCause, necessary ?? own.EscalationNecessary);
        return new ClassifyOutcome.Classified(after, new AuditEntry(AuditEventTypes.CaseClassified, who.UserName, who.Role, new
        {
            RootCause = after.RootCause,
            EscalationNecessary = after.EscalationNecessary,
            // What it said before, when this changes it, and whose action it is when a lead changes another's.
            Previous = own.RootCause is not null && own.RootCause != after.RootCause ? own.RootCause : null,
            ActionBy = actionBy == who.UserName ? null : actionBy,
        }));
    }

    /// <summary>Each action kind needs its own fields, named by the policy where it names a reason code or a queue.</summary>
    public IDictionary<string, string[]> Validate(ReviewActionRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Enum.IsDefined(r.Action))
        {
            errors["$.action"] = ["Must be approve, approve_with_edits, reject, request_info or route."];
            return errors;
        }
        switch (r.Action)
        {
            case ReviewActionKind.ApproveWithEdits when string.IsNullOrWhiteSpace(r.EditedResponse) && r.EditedVariables is not { Count: > 0 } && r.EditedParameters is null:
                errors["$.editedResponse"] = ["Approve with edits needs the edited response, the edited variables or the edited parameters."];
                break;
            case ReviewActionKind.Reject when string.IsNullOrWhiteSpace(r.RejectReasonCode):
                errors["$.rejectReasonCode"] = ["A reject needs a reason code."];
                break;
            case ReviewActionKind.Reject when !policy.ReasonCodes.ContainsKey(r.RejectReasonCode!):
                errors["$.rejectReasonCode"] = [$"'{r.RejectReasonCode}' is not a reason code of the active policy."];
                break;
            case ReviewActionKind.RequestInfo when string.IsNullOrWhiteSpace(r.Question):
                errors["$.question"] = ["Request info needs the question for the AI system."];
                break;
            case ReviewActionKind.Route when string.IsNullOrWhiteSpace(r.TargetQueue):
                errors["$.targetQueue"] = ["Route needs the target queue."];
                break;
            case ReviewActionKind.Route when policy.FindQueue(r.TargetQueue!) is null:
                errors["$.targetQueue"] = [$"'{r.TargetQueue}' is not a queue of the active policy."];
                break;
        }
        if (r.EditedResponse is { Length: > 64 * 1024 })
        {
            errors["$.editedResponse"] = ["At most 65536 characters."];
        }
        ValidateVariables(r.EditedVariables, errors);
        if (r.Question is { Length: > 4096 } || r.Note is { Length: > 4096 })
        {
            errors["$.note"] = ["Questions and notes are at most 4096 characters."];
        }
        return errors;
    }

    /// <summary>The edited variables follow the intake's rules for the AI system's: names of the placeholder grammar, bounded values.</summary>
    private static void ValidateVariables(IReadOnlyDictionary<string, string>? variables, Dictionary<string, string[]> errors)
    {
        if (variables is null)
        {
            return;
        }
        if (variables.Count > MaxEditedVariables)
        {
            errors["$.editedVariables"] = [$"At most {MaxEditedVariables} variables."];
            return;
        }
        foreach (var (name, value) in variables)
        {
            if (MessageTemplate.PlaceholdersOf("{{" + name + "}}") is not [var parsed] || parsed != name)
            {
                errors["$.editedVariables"] = [$"'{Truncate(name)}' is not a variable name: use letters, digits, '.', '_' or '-' (at most 64)."];
                return;
            }
            if (value is null || value.Length > 4096)
            {
                errors[$"$.editedVariables.{name}"] = ["A value is text of at most 4096 characters."];
            }
        }
    }

    private const int MaxEditedVariables = 64;

    private static string Truncate(string name) => TextCut.Shorten(name, 41);

    /// <summary>
    /// Approve, approve with edits, reject, request info or route, by the claim holder on the revision he saw (when
    /// he says which). The action is expected to have passed <see cref="Validate"/>.
    /// </summary>
    public ReviewOutcome Act(ReviewCase c, Reviewer who, ReviewActionRequest action, int? expectedRevision, DateTimeOffset now)
    {
        // A field error first, as Validate's are: nothing about the case is told to a request that cannot go through.
        if (RootCauses.Check(action.RootCause, RootCauses.RequiredOn(action.Action), policy.AllowsUnknownRootCause(c.Workflow)) is { } missing)
        {
            return Refuse(ReviewRefusal.Invalid("$.rootCause", missing));
        }
        if (Held(c, who, expectedRevision, now) is { } refusal)
        {
            return Refuse(refusal);
        }
        var recorded = new RecordedAction(action.Action, who.UserName, c.Queue, action.Note) { RootCause = action.RootCause };
        return action.Action switch
        {
            ReviewActionKind.Approve or ReviewActionKind.ApproveWithEdits => Approve(c, who, action, recorded, now),
            ReviewActionKind.Reject => Reject(c, who, action, recorded, now),
            ReviewActionKind.RequestInfo => RequestInfo(c, who, action, recorded, now),
            ReviewActionKind.Route => Route(c, who, action, recorded),
            _ => Refuse(ReviewRefusal.Invalid("$.action", "Unknown action.")),
        };
    }

    /// <summary>The submitting principal, and the people on its deny list, can never approve its cases.</summary>
    public bool IsSelfApproval(string user, string clientId) =>
        string.Equals(user, clientId, StringComparison.OrdinalIgnoreCase) ||
        selfApprovalDeny.Any(d => string.Equals(d.Key, clientId, StringComparison.OrdinalIgnoreCase) &&
                                  d.Value.Contains(user, StringComparer.OrdinalIgnoreCase));

    /// <summary>A new approval round: no approvals yet, and back to the proposal's text.</summary>
    public static ReviewCase ResetRound(ReviewCase c) =>
        c with { ApprovedBy = [], EditedResponse = null, EditedVariablesJson = null, EditedParametersJson = null, EditedBy = null };

    private ReviewOutcome Approve(ReviewCase c, Reviewer who, ReviewActionRequest r, RecordedAction recorded, DateTimeOffset now)
    {
        if (IsSelfApproval(who.UserName, c.ClientId))
        {
            return Refuse(ReviewRefusal.Forbidden(ProblemTypes.SelfApproval,
                "The principal that submitted a case, and the people on its self-approval deny list, can never approve it."));
        }
        string[] approvers = [.. c.ApprovedBy];
        if (approvers.Contains(who.UserName, StringComparer.Ordinal))
        {
            return Refuse(ReviewRefusal.Forbidden(ProblemTypes.SecondApproverRequired,
                $"You already approved this case; approval {approvers.Length + 1} of {c.ApprovalsRequired} must come from another reviewer."));
        }
        var edited = r.Action == ReviewActionKind.ApproveWithEdits;
        if (MissingPlaceholders(c, r, edited) is [var first, ..] missing)
        {
            // The customer would receive "{{refund_amount}}": the approval is of the message as it will be sent.
            return Refuse(ReviewRefusal.Invalid($"$.editedVariables.{first}",
                $"The message still has {(missing.Count == 1 ? "a placeholder" : "placeholders")} without a value: " +
                string.Join(", ", missing.Select(m => "{{" + m + "}}")) + ". Give the variable a value or edit the text, then approve."));
        }
        // The action as this approval would execute it: the parameters edited now, else those of the round, else the proposal's.
        var parameters = (edited ? r.EditedParameters : null) ?? ParametersOf(c.EditedParametersJson);
        if (ApprovalGate.For(policy, SubmissionOf(c), c.RiskTier, parameters) is { } gate && gate.Check(r.ConfirmedTool, r.ConfirmedAmount) is { } unconfirmed)
        {
            return Refuse(unconfirmed);
        }
        var after = c;
        if (edited)
        {
            var parametersJson = r.EditedParameters is null ? null : JsonSerializer.Serialize(r.EditedParameters, WorkbenchJson.Options);
            var variablesJson = MergedVariablesJson(c, r.EditedVariables);
            recorded = recorded with
            {
                EditedResponse = r.EditedResponse,
                EditedVariablesJson = r.EditedVariables is { Count: > 0 } ? JsonSerializer.Serialize(r.EditedVariables, WorkbenchJson.Options) : null,
                EditedParametersJson = parametersJson,
                EditDiffJson = EditDiff(c, r.EditedResponse),
            };
            // An edit changes what is approved: earlier approvals covered other text, so a new round starts.
            after = after with
            {
                EditedResponse = string.IsNullOrWhiteSpace(r.EditedResponse) ? c.EditedResponse : r.EditedResponse,
                EditedVariablesJson = variablesJson ?? c.EditedVariablesJson,
                EditedParametersJson = parametersJson ?? c.EditedParametersJson,
                EditedBy = who.UserName,
            };
            approvers = [];
        }
        approvers = [.. approvers, who.UserName];
        after = after with { ApprovedBy = approvers };
        if (approvers.Length < c.ApprovalsRequired)
        {
            after = Unclaimed(after with { Status = CaseStateMachine.Apply(after.Status, CaseTrigger.RecordApproval) });
            return Acted(after, who, r, recorded, AuditEventTypes.CaseApprovalRecorded,
                new { Approval = approvers.Length, Of = c.ApprovalsRequired, Edited = edited }, CaseEventKinds.ApprovalRecorded);
        }
        after = Decide(c, after, approvers, who, r, now, out var decision);
        return Acted(after, who, r, recorded, AuditEventTypes.CaseDecided, new { Decision = after.Decision, Reviewers = approvers, after.ReleaseAt },
            CaseEventKinds.Decided, new OutboxEntry(WebhookEventTypes.CaseDecided, decision, after.ReleaseAt));
    }

    /// <summary>The placeholders the message this approval approves would still show as written (no value, or a blank one).</summary>
    private static IReadOnlyList<string> MissingPlaceholders(ReviewCase c, ReviewActionRequest r, bool edited)
    {
        var proposal = ProposalOf(c)?.Response;
        var template = edited && !string.IsNullOrWhiteSpace(r.EditedResponse) ? r.EditedResponse : c.EditedResponse ?? proposal?.Body;
        if (template is null)
        {
            return [];
        }
        var variablesJson = edited ? MergedVariablesJson(c, r.EditedVariables) ?? c.EditedVariablesJson : c.EditedVariablesJson;
        return MessageTemplate.Render(template, VariablesOf(variablesJson) ?? proposal?.Variables).Missing;
    }

    private ReviewOutcome Reject(ReviewCase c, Reviewer who, ReviewActionRequest r, RecordedAction recorded, DateTimeOffset now)
    {
        // Rejecting is open to the submitter too: the self-approval rule is about approving one's own work.
        var after = Decide(c, c, [.. c.ApprovedBy.Append(who.UserName).Distinct(StringComparer.Ordinal)], who, r, now, out var decision);
        return Acted(after, who, r, recorded with { RejectReasonCode = r.RejectReasonCode }, AuditEventTypes.CaseDecided,
            new { Decision = after.Decision, r.RejectReasonCode, Note = AuditFreeText.Of(r.Note), after.ReleaseAt },
            CaseEventKinds.Decided, new OutboxEntry(WebhookEventTypes.CaseDecided, decision, after.ReleaseAt));
    }

    /// <summary>
    /// The reviewer who decided takes the decision back while its undo window lasts, before it reached the AI system:
    /// the case is in review again, claimed by him, with the round's approvals and edits as they were before his action.
    /// Nobody else may (the decision is his); after the window the decision stands.
    /// </summary>
    public ReviewOutcome Undo(ReviewCase c, Reviewer who, DateTimeOffset now)
    {
        if (c.Status != CaseStatus.Decided || c.UndoJson is null ||
            JsonSerializer.Deserialize<UndoState>(c.UndoJson, WorkbenchJson.Options) is not { } before)
        {
            return Refuse(ReviewRefusal.Conflict(ProblemTypes.UndoWindowClosed,
                $"The case is {JsonNamingPolicy.SnakeCaseLower.ConvertName(c.Status.ToString()).Replace('_', ' ')}; there is no decision to undo."));
        }
        if (!string.Equals(before.DecidedBy, who.UserName, StringComparison.Ordinal))
        {
            return Refuse(ReviewRefusal.Forbidden(ProblemTypes.Forbidden, $"Only {before.DecidedBy}, who made the decision, can undo it."));
        }
        if (c.ReleaseAt is not { } releaseAt || releaseAt <= now)
        {
            return Refuse(ReviewRefusal.Conflict(ProblemTypes.UndoWindowClosed,
                $"The decision was sent to the AI system at {c.ReleaseAt ?? c.DecidedAt:HH:mm:ss} UTC; it can no longer be undone."));
        }
        var after = c with
        {
            Status = CaseStateMachine.Apply(c.Status, CaseTrigger.UndoDecision),
            ClaimedBy = who.UserName,
            ClaimExpiresAt = now + lease,
            ApprovedBy = before.ApprovedBy,
            EditedResponse = before.EditedResponse,
            EditedVariablesJson = before.EditedVariablesJson,
            EditedParametersJson = before.EditedParametersJson,
            EditedBy = before.EditedBy,
            Decision = null,
            DecidedAt = null,
            DecisionJson = null,
            ReleaseAt = null,
            UndoJson = null,
        };
        return new ReviewOutcome.Changed(after)
        {
            LiveKind = CaseEventKinds.DecisionUndone,
            Audit = [new AuditEntry(AuditEventTypes.CaseDecisionUndone, who.UserName, who.Role,
                new { c.Decision, c.DecidedAt, ReleaseAt = releaseAt })],
            UndoneBy = who.UserName,
        };
    }

    private ReviewOutcome RequestInfo(ReviewCase c, Reviewer who, ReviewActionRequest r, RecordedAction recorded, DateTimeOffset now)
    {
        var after = c with
        {
            Status = CaseStateMachine.Apply(c.Status, CaseTrigger.RequestInfo),
            PendingQuestion = r.Question,
            // The queue stops its clock while the AI system owes the answer.
            SlaPausedAt = c.Queue is not null && policy.FindQueue(c.Queue) is { PauseWhileAwaitingInfo: true } ? now : c.SlaPausedAt,
        };
        // Approvals given before the new information do not cover what comes after it.
        after = Unclaimed(ResetRound(after));
        return Acted(after, who, r, recorded with { Question = r.Question }, AuditEventTypes.CaseInfoRequested,
            new { Question = AuditFreeText.Of(r.Question) }, CaseEventKinds.InfoRequested,
            new OutboxEntry(WebhookEventTypes.CaseInfoRequested, new CaseEventData(after.Id, after.ExternalId, after.Status, after.Queue, new { r.Question })));
    }

    private static ReviewOutcome Route(ReviewCase c, Reviewer who, ReviewActionRequest r, RecordedAction recorded)
    {
        if (r.TargetQueue == c.Queue)
        {
            return Refuse(ReviewRefusal.Invalid("$.targetQueue", "The case is already in that queue."));
        }
        var after = Unclaimed(ResetRound(c with
        {
            Status = CaseStateMachine.Apply(c.Status, CaseTrigger.Route),
            Queue = r.TargetQueue,
            AssignedTo = null,
        }));
        return Acted(after, who, r, recorded with { TargetQueue = r.TargetQueue }, AuditEventTypes.CaseRouted,
            new { From = c.Queue, To = r.TargetQueue, Note = AuditFreeText.Of(r.Note) }, CaseEventKinds.Routed);
    }

    private static ReviewOutcome.Changed Acted(ReviewCase after, Reviewer who, ReviewActionRequest r, RecordedAction recorded, string auditType,
        object details, string liveKind, OutboxEntry? outbox = null) =>
        new(after)
        {
            LiveKind = liveKind,
            // The audit writer takes the action kind from the data's Action member for the event's reviewer action.
            Audit = [new AuditEntry(auditType, who.UserName, who.Role, new { Action = r.Action, r.RootCause, Details = details })],
            Outbox = outbox is null ? [] : [outbox],
            Action = recorded,
            // Sampled at queue time: the first decision stands and is delivered now; a blind second review is due.
            SecondReviewDue = after.Status == CaseStatus.Decided && after.DoubleReview,
        };

    /// <param name="before">The case before the deciding action, which an undo puts back.</param>
    /// <param name="c">The case with the deciding action's approvals and edits.</param>
    private ReviewCase Decide(ReviewCase before, ReviewCase c, string[] reviewers, Reviewer who, ReviewActionRequest last, DateTimeOffset now,
        out DecisionView decision)
    {
        var proposal = ProposalOf(c);
        // The round's text: its edit (which started the round, so every approver saw it), else the proposal.
        var kind = last.Action switch
        {
            ReviewActionKind.Reject => DecisionKind.Rejected,
            _ when c.EditedBy is not null => DecisionKind.ApprovedWithEdits,
            _ => DecisionKind.Approved,
        };
        var template = c.EditedResponse ?? proposal?.Response?.Body;
        var variables = VariablesOf(c.EditedVariablesJson) ?? proposal?.Response?.Variables;
        var parameters = ParametersOf(c.EditedParametersJson) ?? proposal?.Action?.Parameters;
        decision = new DecisionView
        {
            CaseId = c.Id,
            Decision = kind,
            ActionParameters = kind == DecisionKind.Rejected ? null : parameters,
            RejectReasonCode = last.RejectReasonCode,
            Note = last.Note,
            Reviewers = reviewers,
            DecidedAt = now,
            PolicyVersion = c.PolicyVersion,
        }.WithResponse(kind == DecisionKind.Rejected ? null : template, variables);
        var undoable = undoWindow > TimeSpan.Zero;
        return Unclaimed(c with
        {
            Status = CaseStateMachine.Apply(c.Status, CaseTrigger.Decide),
            Decision = kind,
            DecidedAt = now,
            DecisionJson = JsonSerializer.Serialize(decision, WorkbenchJson.Options),
            ReleaseAt = undoable ? now + undoWindow : null,
            UndoJson = undoable
                ? JsonSerializer.Serialize(new UndoState(who.UserName, before.ApprovedBy, before.EditedResponse, before.EditedVariablesJson,
                    before.EditedParametersJson, before.EditedBy, before.UpdatedAt), WorkbenchJson.Options)
                : null,
        });
    }

    /// <summary>The word-level diff of the edit against the proposal, kept with the action for edit mining.</summary>
    private static string? EditDiff(ReviewCase c, string? edited) =>
        edited is null ? null : JsonSerializer.Serialize(WordDiff.Compute(ProposalOf(c)?.Response?.Body ?? "", edited), WorkbenchJson.Options);

    private static Proposal? ProposalOf(ReviewCase c) => SubmissionOf(c).Proposal;

    private static CaseSubmission SubmissionOf(ReviewCase c) =>
        JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)
        ?? throw new InvalidOperationException($"Case {c.Id} has no readable submission.");

    /// <summary>
    /// The variables the round's message is filled from: the AI system's, overlaid with this edit's changes and the
    /// round's earlier ones. Null when the edit changes no variable.
    /// </summary>
    private static string? MergedVariablesJson(ReviewCase c, IReadOnlyDictionary<string, string>? edited)
    {
        if (edited is not { Count: > 0 })
        {
            return null;
        }
        var merged = new SortedDictionary<string, string>(
            (IDictionary<string, string>?)VariablesOf(c.EditedVariablesJson) ?? ProposalOf(c)?.Response?.Variables?.ToDictionary() ?? [],
            StringComparer.Ordinal);
        foreach (var (name, value) in edited)
        {
            merged[name] = value;
        }
        return JsonSerializer.Serialize(merged, WorkbenchJson.Options);
    }

    private static Dictionary<string, string>? VariablesOf(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(json, WorkbenchJson.Options);

    private static Dictionary<string, JsonElement>? ParametersOf(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json, WorkbenchJson.Options);

    /// <summary>Only the claim holder acts, while his claim lasts, and — when he says which — on the revision he saw.</summary>
    private static ReviewRefusal? Held(ReviewCase c, Reviewer who, int? expectedRevision, DateTimeOffset now)
    {
        if (expectedRevision is { } expected && expected != c.Revision)
        {
            return ReviewRefusal.Conflict(ProblemTypes.StaleRevision, "The case changed since you opened it; here is its current state.");
        }
        if (c.Status != CaseStatus.InReview || c.ClaimedBy != who.UserName || c.ClaimExpiresAt <= now)
        {
            var detail = c.Status != CaseStatus.InReview
                ? $"The case is {JsonNamingPolicy.SnakeCaseLower.ConvertName(c.Status.ToString())}; claim it first."
                : c.ClaimedBy != who.UserName ? $"{c.ClaimedBy} holds the claim on this case." : "Your claim ran out; claim the case again.";
            return ReviewRefusal.Conflict(ProblemTypes.NotClaimHolder, detail);
        }
        return null;
    }

    private static AuditEntry LeaseExpiredEntry(ReviewCase c) =>
        new(AuditEventTypes.CaseLeaseExpired, "system", "system", new { Holder = c.ClaimedBy, c.ClaimExpiresAt });

    private static ReviewCase Unclaimed(ReviewCase c) => c with { ClaimedBy = null, ClaimExpiresAt = null };

    private static ReviewOutcome.Refused Refuse(ReviewRefusal refusal) => new(refusal);
}
