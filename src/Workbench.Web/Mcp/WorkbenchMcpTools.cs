using System.ComponentModel;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Workbench.Web.Intake;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Mcp;

/// <summary>
/// The Workbench as MCP tools an agent calls directly. Each tool calls the same code as its REST twin
/// (<see cref="CasesApi"/>): same validation, policy, idempotency, scopes and "a client sees only its own cases".
/// Results are the REST bodies as JSON; failures are tool errors whose JSON is the RFC 9457 problem detail.
/// </summary>
[McpServerToolType]
public sealed class WorkbenchMcpTools
{
    public const string RequestHumanReview = "request_human_review";
    public const string GetReviewStatus = "get_review_status";
    public const string WaitForDecision = "wait_for_decision";
    public const string ReplyToReviewer = "reply_to_reviewer";
    /// <summary>
    /// The longest wait_for_decision grants: below the 60 s the official MCP clients allow a request by default
    /// (their -32001 timeout), with room for the answer to travel. A longer wait asked is refused, not shortened, so
    /// an agent never mistakes a shortened wait for the one it asked; it calls again to keep waiting.
    /// </summary>
    public const int MaxWaitSeconds = 50;
    public const int DefaultWaitSeconds = 30;

    /// <summary>The states wait_for_decision answers (its output schema's enum).</summary>
    public static readonly IReadOnlyList<string> DecisionStates = ["decided", "pending", "info_requested", "clarification_requested"];

    [McpServerTool(Name = RequestHumanReview, Title = "Request human review", Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("""
        Submit a case to Workbench when you must not finish a task alone: an irreversible or high-impact action, a
        refund or exception above your authority, conflicting or missing evidence, an unverified requester, ambiguous
        intent, or anything your instructions say needs a human. Workbench's escalation policy decides at once what
        happens and answers with a receipt: `status` (`auto_approved` = you may proceed now; `queued`/`in_review` = a
        human will decide, call wait_for_decision with the receipt's `id`; `clarification_requested` = answer
        `clarifyingQuestion` with reply_to_reviewer before anything else), `outcome.release` and `outcome.execute`
        (proceed | clarify | await_approval | handoff: whether you may send the answer and whether you may run the
        action), `reasonCodes`, `queue` and `slaDueAt`. Do not send the answer or run the action until the outcome for
        it is `proceed` or a human approved it. Always pass an `idempotency_key` (any unique string you keep for this
        case): calling again with the same key and submission returns the original receipt instead of a second case.
        Errors are problem details: `urn:workbench:problem:validation` lists each bad field by its path in the arguments,
        e.g. `submission.evidence[3].uri` (fix them and retry), `duplicate-external-id` means this externalId was already submitted (its `caseId` is given: use it).
        """)]
    public static async Task<CallToolResult> RequestHumanReviewAsync(
        RequestContext<CallToolRequestParams> context,
        [Description("The case, exactly the body of POST /api/v1/cases (its schema is in this tool's input schema).")] JsonElement submission,
        [Description("A unique string you keep with this case; retrying with the same key and submission returns the first receipt.")]
        string? idempotency_key = null,
        CancellationToken cancellationToken = default)
    {
        var (client, error) = Authorize(context, ApiClaims.SubmitScope);
        if (error is not null)
        {
            return error;
        }
        var services = context.Services!;
        var s = new CasesApi.Services(
            services.GetRequiredService<IntakeService>(), services.GetRequiredService<AgentCommands>(),
            services.GetRequiredService<IPolicyRuntime>(), services.GetRequiredService<DecisionNotifier>(),
            services.GetRequiredService<IOptionsMonitor<IntakeLimits>>(), services.GetRequiredService<IWebHostEnvironment>(),
            services.GetRequiredService<IOptionsMonitor<WebhookOptions>>(), services.GetRequiredService<WebhookAdmin>());
        // The argument's own text (a member named twice inside it included) through the REST endpoint's strict reader.
        var body = JsonBody.Parse<CaseSubmission>(JsonSerializer.SerializeToUtf8Bytes(submission), s.Limits.CurrentValue.MaxBodyBytes);
        var result = await CasesApi.SubmitParsedAsync(client!, idempotency_key, body, TraceId(context), s, cancellationToken);
        return result.Result switch
        {
            Created<CaseReceipt> created => Success(created.Value),
            Ok<CaseReceipt> replayed => Success(replayed.Value),
            var problem => Failure(problem, "submission"),
        };
    }

    [McpServerTool(Name = GetReviewStatus, Title = "Get review status", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("""
        Read a case you submitted, without waiting: its `status` (queued, in_review, awaiting_info,
        clarification_requested, decided, auto_approved, withdrawn, expired), `queue`, `slaDueAt`, the open
        `question` when a reviewer asked you something, and the `decision` once there is one. Prefer wait_for_decision
        when you are waiting for the outcome. A case that is not yours is reported as not found.
        """)]
    public static async Task<CallToolResult> GetReviewStatusAsync(
        RequestContext<CallToolRequestParams> context,
        [Description("The case id from the receipt of request_human_review (a GUID).")] string case_id,
        CancellationToken cancellationToken = default)
    {
        var (client, error) = Authorize(context, ApiClaims.ReadScope);
        if (error is not null)
        {
            return error;
        }
        if (ParseId(case_id) is not { } id)
        {
            return InvalidId();
        }
        var result = await CasesApi.GetAsync(id, context.User!, context.Services!.GetRequiredService<AgentCommands>(), cancellationToken);
        _ = client;
        return result.Result is Ok<CaseView> ok ? Success(ok.Value) : Failure(result.Result);
    }

    [McpServerTool(Name = WaitForDecision, Title = "Wait for the human decision", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("""
        Wait (up to `wait_seconds`, at most 50) for the human decision on a case you submitted; returns the moment it
        lands. Result `state`:
        `decided` - `decision.decision` is approved, approved_with_edits or rejected. Approved: go ahead as proposed.
        Approved with edits: use `decision.responseText` / `decision.actionParameters` instead of your proposal,
        exactly as given. Rejected: do not send or run it; tell the user a human declined (`decision.rejectReasonCode`,
        `decision.note`).
        `pending` - no decision yet: call wait_for_decision again (keep waiting until `slaDueAt`, or tell the user a
        human is reviewing).
        `info_requested` / `clarification_requested` - a reviewer (or the policy) asks you `question`: answer it with
        reply_to_reviewer (ask your user if you do not know), then call wait_for_decision again.
        A withdrawn or expired case fails with `urn:workbench:problem:illegal-transition`: it will never be decided.
        """)]
    public static async Task<CallToolResult> WaitForDecisionAsync(
        RequestContext<CallToolRequestParams> context,
        [Description("The case id from the receipt of request_human_review (a GUID).")] string case_id,
        [Description("How long to wait for the decision, in seconds.")] int wait_seconds = DefaultWaitSeconds,
        CancellationToken cancellationToken = default)
    {
        var (client, error) = Authorize(context, ApiClaims.ReadScope);
        if (error is not null)
        {
            return error;
        }
        if (ParseId(case_id) is not { } id)
        {
            return InvalidId();
        }
        var services = context.Services!;
        var result = await CasesApi.WaitForDecisionAsync(client!, id, TimeSpan.FromSeconds(wait_seconds),
            services.GetRequiredService<AgentCommands>(), services.GetRequiredService<DecisionNotifier>(), cancellationToken);
        return result.Result switch
        {
            Ok<DecisionView> ok => Success(new McpDecision("decided", id, null, null, ok.Value)),
            Accepted<PendingDecisionView> pending => Success(new McpDecision(
                pending.Value!.Status switch
                {
                    CaseStatus.AwaitingInfo => "info_requested",
                    CaseStatus.ClarificationRequested => "clarification_requested",
                    _ => "pending",
                }, id, pending.Value.Status, pending.Value.Question, null)),
            var problem => Failure(problem),
        };
    }

    [McpServerTool(Name = ReplyToReviewer, Title = "Reply to the reviewer", Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("""
        Answer the question on a case whose state is info_requested or clarification_requested (from
        wait_for_decision or get_review_status). The case goes back to its reviewers' queue; then call
        wait_for_decision again. Answer only what was asked, truthfully; say so when you do not know. A case that is
        not waiting for an answer fails with `urn:workbench:problem:illegal-transition`.
        """)]
    public static async Task<CallToolResult> ReplyToReviewerAsync(
        RequestContext<CallToolRequestParams> context,
        [Description("The case id (a GUID).")] string case_id,
        [Description("Your answer to the reviewer's question, as plain text.")] string message,
        [Description("Optional signals your answer changes, e.g. {\"identity_verified\": true} (numbers or booleans).")] JsonElement? signals = null,
        CancellationToken cancellationToken = default)
    {
        var (client, error) = Authorize(context, ApiClaims.SubmitScope);
        if (error is not null)
        {
            return error;
        }
        if (ParseId(case_id) is not { } id)
        {
            return InvalidId();
        }
        var services = context.Services!;
        var limits = services.GetRequiredService<IOptionsMonitor<IntakeLimits>>().CurrentValue;
        var body = JsonBody.Parse<ReplyRequest>(ReplyBody(message, signals), limits.MaxBodyBytes);
        var result = await CasesApi.ReplyParsedAsync(client!, id, body, TraceId(context), services.GetRequiredService<AgentCommands>(), limits, cancellationToken);
        // The reply's members are the tool's arguments: its problems are keyed by the argument's name.
        return result.Result is Ok<CaseView> ok ? Success(ok.Value) : Failure(result.Result, "");
    }

    /// <summary>
    /// The REST body of a reply, written from the arguments' own text so that the strict reader sees what the agent
    /// sent (a member named twice inside the signals included) rather than a re-serialized copy.
    /// </summary>
    private static byte[] ReplyBody(string message, JsonElement? signals)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("message", message);
            if (signals is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } given)
            {
                writer.WritePropertyName("signals");
                given.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>What wait_for_decision answers: one `state` to switch on, the question when there is one, the decision when decided.</summary>
    public sealed record McpDecision(string State, Guid CaseId, CaseStatus? Status, string? Question, DecisionView? Decision);

    private static (string? Client, CallToolResult? Error) Authorize(RequestContext<CallToolRequestParams> context, string scope)
    {
        var user = context.User;
        var client = user is null ? null : ApiClaims.ClientOf(user);
        if (client is null)
        {
            return (null, Failure(Problems.Of(401, ProblemTypes.Unauthenticated, "Authentication required", "Call /mcp with a Workbench API key or an Entra ID app token.")));
        }
        if (!user!.HasClaim(ApiClaims.Scope, scope))
        {
            return (null, Failure(Problems.Of(403, ProblemTypes.Forbidden, "Forbidden", $"This client's credentials do not grant the scope '{scope}' this tool needs.")));
        }
        return (client, null);
    }

    private static Guid? ParseId(string? value) => Guid.TryParse(value, out var id) ? id : null;

    private static CallToolResult InvalidId() =>
        Failure(Problems.Invalid(new Dictionary<string, string[]> { ["case_id"] = ["Must be the case id (a GUID) from the receipt of request_human_review."] }));

    private static string TraceId(RequestContext<CallToolRequestParams> context) =>
        context.Services?.GetService<IHttpContextAccessor>()?.HttpContext?.TraceIdentifier ?? "mcp-" + Guid.NewGuid().ToString("N");

    private static CallToolResult Success<T>(T value)
    {
        var node = JsonSerializer.SerializeToNode(value, WorkbenchJson.Options)!;
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = node.ToJsonString(WorkbenchJson.Options) }],
            StructuredContent = node as JsonObject is { } obj ? JsonSerializer.SerializeToElement(obj) : null,
        };
    }

    /// <summary>
    /// The problem detail of the REST twin, as a tool error (isError) whose text is the problem's JSON. A validation
    /// problem's JSON paths (<c>$.evidence[3].uri</c>) are rebased on the argument that held the body
    /// (<c>submission.evidence[3].uri</c>; <paramref name="argument"/> empty: the body's members are the arguments).
    /// No structuredContent: that is the tool's output schema's, which describes the success (the official clients
    /// validate any structuredContent against it, an error's too).
    /// </summary>
    public static CallToolResult Failure(IResult result, string? argument = null)
    {
        ProblemDetails problem = result switch
        {
            ProblemHttpResult p => p.ProblemDetails,
            ValidationProblem v => v.ProblemDetails,
            _ => new ProblemDetails { Status = 500, Type = ProblemTypes.Internal, Title = "Unexpected result" },
        };
        var node = JsonSerializer.SerializeToNode(problem, problem.GetType(), WorkbenchJson.Options)!.AsObject();
        if (argument is not null && node["errors"] is JsonObject errors)
        {
            var rebased = new JsonObject();
            foreach (var (path, messages) in errors.ToList())
            {
                errors.Remove(path);
                rebased[Rebase(path, argument)] = messages;
            }
            node["errors"] = rebased;
        }
        return new CallToolResult
        {
            IsError = true,
            Content = [new TextContentBlock { Text = node.ToJsonString(WorkbenchJson.Options) }],
        };
    }

    private static string Rebase(string path, string argument) => path switch
    {
        "$" => argument.Length == 0 ? "arguments" : argument,
        _ when path.StartsWith("$.", StringComparison.Ordinal) => argument.Length == 0 ? path[2..] : argument + path[1..],
        _ when path.StartsWith("$[", StringComparison.Ordinal) => argument + path[1..],
        _ => path,
    };
}
