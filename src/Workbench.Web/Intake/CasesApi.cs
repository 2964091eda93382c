using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Web.Observability;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Intake;

/// <summary>The /api/v1 endpoints AI systems call (docs/design.md "HTTP API v1").</summary>
public static class CasesApi
{
    public const int MaxWaitSeconds = 60;
    public const string IdempotentReplayedHeader = "Idempotent-Replayed";

    public sealed record Services(
        IntakeService Intake,
        AgentCommands Commands,
        IPolicyRuntime Policy,
        DecisionNotifier Notifier,
        IOptionsMonitor<IntakeLimits> Limits,
        IWebHostEnvironment Environment,
        IOptionsMonitor<WebhookOptions> Webhooks,
        WebhookAdmin WebhookAdmin);

    public static IHostApplicationBuilder AddWorkbenchIntake(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<IntakeLimits>(builder.Configuration.GetSection("Intake:Limits"));
        builder.Services.AddSingleton<IntakeService>();
        builder.Services.AddSingleton<IntakeWriter>();
        builder.Services.AddSingleton<AgentCommands>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWorkbenchIntake(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/v1/cases").WithTags("Cases").RequireRateLimiting(HttpExtensions.RateLimitPolicy)
            .AddEndpointFilter<CaseScopeFilter>();
        cases.MapPost("/", SubmitAsync).WithName("SubmitCase").RequireAuthorization(ApiSchemes.SubmitPolicy)
            .AddEndpointFilter<IntakeMetricsFilter>()
            .Accepts<CaseSubmission>("application/json")
            .WithMetadata(new IdempotencyKeyAccepted())
            .WithProblems(400, ProblemTypes.IdempotencyKeyInvalid)
            .WithProblems(409, ProblemTypes.IdempotencyKeyInFlight, ProblemTypes.DuplicateExternalId)
            .WithProblems(422, ProblemTypes.IdempotencyKeyReused)
            .WithSummary("Submit a case for the escalation policy and, where it says so, human review")
            .WithDescription("Answers at once with the policy's receipt. Send an Idempotency-Key (1–255 characters) to make retries safe: " +
                             "the same key and body give the original receipt (200); the same key with another body is 422; " +
                             "the same key while the first request is still running is 409.");
        cases.MapGet("/{id:guid}", GetAsync).WithName("GetCase").RequireAuthorization(ApiSchemes.ReadPolicy)
            .WithSummary("A case's status and, once decided, its decision");
        cases.MapGet("/{id:guid}/decision", DecisionAsync).WithName("WaitForDecision").RequireAuthorization(ApiSchemes.ReadPolicy)
            .WithMetadata(new ParameterRange("wait", 0, MaxWaitSeconds))
            .WithProblems(409, ProblemTypes.IllegalTransition)
            .WithSummary("The decision, waiting up to `wait` seconds (0–60) for it to land")
            .WithDescription("200 with the decision, or 202 when it is still pending after the wait (with the open question, if any).");
        cases.MapPost("/{id:guid}/replies", ReplyAsync).WithName("ReplyToCase").RequireAuthorization(ApiSchemes.SubmitPolicy)
            .Accepts<ReplyRequest>("application/json")
            .WithProblems(409, ProblemTypes.IllegalTransition, ProblemTypes.ConcurrentChange)
            .WithSummary("Answer a request for information; the case returns to its queue");
        cases.MapPost("/{id:guid}/withdraw", WithdrawAsync).WithName("WithdrawCase").RequireAuthorization(ApiSchemes.SubmitPolicy)
            .Accepts<WithdrawRequest>("application/json")
            .WithProblems(409, ProblemTypes.IllegalTransition, ProblemTypes.ConcurrentChange)
            .WithSummary("The AI system no longer needs a decision");
        cases.MapPost("/{id:guid}/outcome", OutcomeAsync).WithName("ReportOutcome").RequireAuthorization(ApiSchemes.SubmitPolicy)
            .Accepts<OutcomeReport>("application/json")
            .WithProblems(409, ProblemTypes.IllegalTransition, ProblemTypes.ConcurrentChange)
            .WithSummary("Report what happened downstream (correct, incorrect, rolled_back, complaint)");
        cases.MapCaseListing();
        return app;
    }

    public static async Task<Results<Created<CaseReceipt>, Ok<CaseReceipt>, ProblemHttpResult, ValidationProblem>> SubmitAsync(
        HttpContext http, [AsParameters] Services s, CancellationToken ct)
    {
        var key = http.Request.Headers.ContainsKey("Idempotency-Key") ? http.Request.Headers["Idempotency-Key"].ToString() : null;
        if (key is not null && !IsValidKey(key))
        {
            return InvalidKey();
        }
        var body = await JsonBody.ReadAsync<CaseSubmission>(http.Request, s.Limits.CurrentValue.MaxBodyBytes, ct, CaseSubmissionReader.TryRead);
        var result = await SubmitParsedAsync(ApiClaims.ClientOf(http.User)!, key, body, http.TraceIdentifier, s, ct);
        if (result.Result is Ok<CaseReceipt>)
        {
            // 200 is only ever the replay of an earlier submission with this key (201 is a new case).
            http.Response.Headers[IdempotentReplayedHeader] = "true";
        }
        return result;
    }

    /// <summary>
    /// Everything a submission goes through after its body is read: the idempotency key's form, the strict parse's
    /// problems, validation, the policy and intake. The REST endpoint and the MCP tool both come here.
    /// </summary>
    public static async Task<Results<Created<CaseReceipt>, Ok<CaseReceipt>, ProblemHttpResult, ValidationProblem>> SubmitParsedAsync(
        string client, string? idempotencyKey, JsonBody.Read<CaseSubmission> body, string traceId, Services s, CancellationToken ct)
    {
        if (idempotencyKey is not null && !IsValidKey(idempotencyKey))
        {
            return InvalidKey();
        }
        if (body.Problem is not null)
        {
            return AsSubmitResult(body.Problem);
        }
        var allowPrivate = s.Webhooks.CurrentValue.AllowPrivateTargets;
        var errors = SubmissionValidator.Validate(body.Value!, s.Limits.CurrentValue, s.Policy.IsKnownWorkflow, uri => TargetGuard.CheckUrl(uri, allowPrivate));
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors.ToDictionary());
        }
        if (body.Value!.CallbackUrl is { } callback &&
            await s.WebhookAdmin.CheckCallbackHostAsync(client, new Uri(callback), ct) is { } notAllowed)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["$.callbackUrl"] = [notAllowed] });
        }
        var outcome = await s.Intake.SubmitAsync(client, string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey, body.Bytes, body.Value!, traceId, ct);
        return outcome switch
        {
            IntakeOutcome.Created c => TypedResults.Created(c.Receipt.Links.Self, c.Receipt),
            IntakeOutcome.Replayed r => TypedResults.Ok(r.Receipt),
            IntakeOutcome.KeyReused => Problems.Of(422, ProblemTypes.IdempotencyKeyReused, "Idempotency-Key reused with another body",
                "This Idempotency-Key was already used for a different request. Use a new key for a new case."),
            IntakeOutcome.InFlight => Problems.Of(409, ProblemTypes.IdempotencyKeyInFlight, "Request with this Idempotency-Key in progress",
                "The first request with this Idempotency-Key has not finished yet. Retry shortly."),
            IntakeOutcome.DuplicateExternalId d => Problems.Of(409, ProblemTypes.DuplicateExternalId, "externalId already used",
                "This client already submitted a case with this externalId.", new Dictionary<string, object?> { ["caseId"] = d.ExistingCaseId }),
            _ => throw new InvalidOperationException("Unknown intake outcome."),
        };
    }

    private static ProblemHttpResult InvalidKey() => Problems.Of(400, ProblemTypes.IdempotencyKeyInvalid, "Invalid Idempotency-Key",
        "The Idempotency-Key header must be 1–255 visible ASCII characters.");

    public static async Task<Results<Ok<CaseView>, ProblemHttpResult>> GetAsync(Guid id, ClaimsPrincipal user, AgentCommands commands, CancellationToken ct)
    {
        var c = await commands.FindAsync(ApiClaims.ClientOf(user)!, id, ct);
        return c is null ? Problems.NotFound("case") : TypedResults.Ok(CaseViews.View(c));
    }

    public static async Task<Results<Ok<DecisionView>, Accepted<PendingDecisionView>, ProblemHttpResult, ValidationProblem>> DecisionAsync(
        Guid id, int? wait, ClaimsPrincipal user, AgentCommands commands, DecisionNotifier notifier, CancellationToken ct)
    {
        if (wait is < 0 or > MaxWaitSeconds)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["wait"] = [$"Must be between 0 and {MaxWaitSeconds} seconds."] });
        }
        return await WaitForDecisionAsync(ApiClaims.ClientOf(user)!, id, TimeSpan.FromSeconds(wait ?? 0), commands, notifier, ct);
    }

    /// <summary>Past the end of an undo window, so that the re-read finds the decision released.</summary>
    private static readonly TimeSpan HeldMargin = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The long-poll: answers the moment the decision lands, when the case will never get one, when the AI system
    /// must answer a question, or when <paramref name="limit"/> has passed. The REST endpoint and the MCP tool share it.
    /// </summary>
    public static async Task<Results<Ok<DecisionView>, Accepted<PendingDecisionView>, ProblemHttpResult, ValidationProblem>> WaitForDecisionAsync(
        string client, Guid id, TimeSpan limit, AgentCommands commands, DecisionNotifier notifier, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        Workbench.Data.Entities.CaseRecord? c;
        while (true)
        {
            // Subscribe before reading, so a decision landing between the read and the wait is not missed.
            using var subscription = notifier.Subscribe(id);
            c = await commands.FindAsync(client, id, ct);
            if (c is null)
            {
                return Problems.NotFound("case");
            }
            var left = limit - waited.Elapsed;
            // Stop waiting when there is a decision, when nothing will ever come, or when the AI system must act
            // (a question to answer): it should not sit out the whole wait to learn that.
            if (c.DecisionJson is not null || CaseStateMachine.IsTerminal(c.Status) || left <= TimeSpan.Zero ||
                c.Status is CaseStatus.AwaitingInfo or CaseStatus.ClarificationRequested)
            {
                break;
            }
            // Woken by the case's events; re-reads on the notifier's slow timer too, in case an event was lost. A
            // decision in its undo window is re-read the moment the window ends (nothing wakes the wait then).
            var wait = left < notifier.Recheck ? left : notifier.Recheck;
            if (commands.HeldFor(c) is { } held && held + HeldMargin < wait)
            {
                wait = held + HeldMargin;
            }
            await subscription.WaitAsync(wait, ct);
        }
        if (CaseViews.DecisionOf(c) is { } decision)
        {
            return TypedResults.Ok(decision);
        }
        if (c.Status is CaseStatus.Withdrawn or CaseStatus.Expired)
        {
            return Problems.Of(409, ProblemTypes.IllegalTransition, c.Status == CaseStatus.Withdrawn ? "Case withdrawn" : "Case expired",
                "The case will never get a decision.");
        }
        return TypedResults.Accepted(CaseLinksFor(id).Decision, new PendingDecisionView(id, c.Status,
            c.Status is CaseStatus.AwaitingInfo or CaseStatus.ClarificationRequested ? c.PendingQuestion : null));
    }

    public static async Task<Results<Ok<CaseView>, ProblemHttpResult, ValidationProblem>> ReplyAsync(
        Guid id, HttpContext http, AgentCommands commands, IOptionsMonitor<IntakeLimits> limits, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ReplyRequest>(http.Request, limits.CurrentValue.MaxBodyBytes, ct);
        return await ReplyParsedAsync(ApiClaims.ClientOf(http.User)!, id, body, http.TraceIdentifier, commands, limits.CurrentValue, ct);
    }

    /// <summary>A read reply's checks and the transition; the REST endpoint and the MCP tool share it.</summary>
    public static async Task<Results<Ok<CaseView>, ProblemHttpResult, ValidationProblem>> ReplyParsedAsync(
        string client, Guid id, JsonBody.Read<ReplyRequest> body, string traceId, AgentCommands commands, IntakeLimits limits, CancellationToken ct)
    {
        if (body.Problem is not null)
        {
            return AsCommandResult(body.Problem);
        }
        var reply = body.Value!;
        if (string.IsNullOrWhiteSpace(reply.Message) || reply.Message.Length > limits.MaxRequestBytes)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["$.message"] = [$"Required, at most {limits.MaxRequestBytes} characters."] });
        }
        return ToResult(await commands.ReplyAsync(client, id, reply, traceId, ct));
    }

    public static async Task<Results<Ok<CaseView>, ProblemHttpResult, ValidationProblem>> WithdrawAsync(
        Guid id, HttpContext http, AgentCommands commands, CancellationToken ct)
    {
        var request = new WithdrawRequest();
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            var body = await JsonBody.ReadAsync<WithdrawRequest>(http.Request, 16 * 1024, ct);
            if (body.Problem is not null)
            {
                return AsCommandResult(body.Problem);
            }
            request = body.Value!;
            if (request.Reason is { Length: > 4096 })
            {
                return Problems.Invalid(new Dictionary<string, string[]> { ["$.reason"] = ["At most 4096 characters."] });
            }
        }
        return ToResult(await commands.WithdrawAsync(ApiClaims.ClientOf(http.User)!, id, request, http.TraceIdentifier, ct));
    }

    public static async Task<Results<Ok<OutcomeReceipt>, ProblemHttpResult, ValidationProblem>> OutcomeAsync(
        Guid id, HttpContext http, AgentCommands commands, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<OutcomeReport>(http.Request, 64 * 1024, ct);
        if (body.Problem is not null)
        {
            return body.Problem switch
            {
                ProblemHttpResult p => p,
                ValidationProblem v => v,
                _ => throw new InvalidOperationException(),
            };
        }
        var report = body.Value!;
        if (!JsonBody.HasTopLevelMember(body.Bytes, "outcome"))
        {
            // The reader would fill a missing outcome in as "correct": a report that says nothing must not count as one.
            return Problems.Invalid(new Dictionary<string, string[]> { ["$.outcome"] = ["Required: correct, incorrect, rolled_back or complaint."] });
        }
        if (!Enum.IsDefined(report.Outcome) || report.Note is { Length: > 4096 })
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["$"] = ["outcome must be correct, incorrect, rolled_back or complaint; note at most 4096 characters."] });
        }
        return await commands.ReportOutcomeAsync(ApiClaims.ClientOf(http.User)!, id, report, http.TraceIdentifier, ct) switch
        {
            CommandResult<OutcomeReceipt>.Done d => TypedResults.Ok(d.Value),
            CommandResult<OutcomeReceipt>.NotFound => Problems.NotFound("case"),
            CommandResult<OutcomeReceipt>.Illegal i => Problems.Of(409, ProblemTypes.IllegalTransition, "Not decided yet", i.Detail),
            _ => Problems.Of(409, ProblemTypes.ConcurrentChange, "Changed meanwhile", "The case changed while reporting; retry."),
        };
    }

    private static Results<Ok<CaseView>, ProblemHttpResult, ValidationProblem> ToResult(CommandResult<CaseView> result) => result switch
    {
        CommandResult<CaseView>.Done d => TypedResults.Ok(d.Value),
        CommandResult<CaseView>.NotFound => Problems.NotFound("case"),
        CommandResult<CaseView>.Illegal i => Problems.Of(409, ProblemTypes.IllegalTransition, "Not possible in the case's current state", i.Detail),
        _ => Problems.Of(409, ProblemTypes.ConcurrentChange, "The case changed meanwhile", "Someone acted on the case at the same moment; read it again and retry."),
    };

    private static Results<Created<CaseReceipt>, Ok<CaseReceipt>, ProblemHttpResult, ValidationProblem> AsSubmitResult(IResult problem) => problem switch
    {
        ProblemHttpResult p => p,
        ValidationProblem v => v,
        _ => throw new InvalidOperationException("Not a problem result."),
    };

    private static Results<Ok<CaseView>, ProblemHttpResult, ValidationProblem> AsCommandResult(IResult problem) => problem switch
    {
        ProblemHttpResult p => p,
        ValidationProblem v => v,
        _ => throw new InvalidOperationException("Not a problem result."),
    };

    private static CaseLinks CaseLinksFor(Guid id) => CaseLinks.For(id);

    private static bool IsValidKey(string key) => key.Length is >= 1 and <= 255 && key.All(ch => ch is >= '!' and <= '~');
}
