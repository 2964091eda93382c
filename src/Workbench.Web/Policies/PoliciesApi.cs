using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Core.Policy;
using Workbench.Web.Auth;
using Workbench.Web.Sla;

namespace Workbench.Web.Policies;

/// <summary>
/// The policy lifecycle over HTTP for Leads (cookie sign-in): history, check, simulate, publish, rollback. POSTs need a
/// JSON body, which a cross-site form cannot send without a preflight this API never grants (CSRF defence).
/// </summary>
public static class PoliciesApi
{
    public sealed record DraftRequest(string Yaml);
    public sealed record SimulateRequest(string Yaml, DateTimeOffset? From, DateTimeOffset? To);
    public sealed record PublishRequest(string Yaml, string Reason);
    public sealed record RollbackRequest(string Reason);

    public sealed record VersionView(int Id, string Version, string PublishedBy, string Reason, DateTimeOffset PublishedAt, bool IsActive, string? Yaml);
    public sealed record ScenarioView(string File, string Name, bool Passed, string Difference);
    public sealed record CheckView(bool Valid, bool Publishable, IReadOnlyList<PolicyError> Errors, IReadOnlyList<ScenarioView> Scenarios);
    public sealed record PathChangeView(string From, string To, int Cases);
    public sealed record SimulationView(string CurrentVersion, string DraftVersion, DateTimeOffset From, DateTimeOffset To, int Cases, int Changed,
        IReadOnlyList<PathChangeView> PathChanges, IReadOnlyList<Core.Learning.RuleChange> Rules, IReadOnlyList<Core.Learning.QueueLoad> Queues,
        IReadOnlyList<Guid> ChangedCases, bool ChangedCasesTruncated, int Unreadable);

    private const int MaxPolicyBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddWorkbenchPolicies(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<PolicyLifecycleOptions>(builder.Configuration.GetSection("Policy"));
        // The reviewer hour is one setting with the board's (Board:ReviewerCostPerHour; this section's older key still read).
        builder.Services.AddOptions<SimulationOptions>().Bind(builder.Configuration.GetSection("Learning:Simulation"))
            .PostConfigure<IConfiguration>((o, c) => o.ReviewerCostPerHour = BoardOptions.ReviewerCostFrom(c));
        builder.Services.AddSingleton<PolicyService>();
        builder.Services.AddSingleton<PolicySimulator>();
        builder.Services.AddHostedService<PolicyVersionWatcher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWorkbenchPolicies(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/policies").WithTags("Policies").RequireAuthorization(WorkbenchPolicies.Lead);
        group.MapGet("/", HistoryAsync).WithName("PolicyHistory").WithSummary("Published versions, newest first");
        group.MapGet("/{id:int}", VersionAsync).WithName("PolicyVersion").WithSummary("One published version with its YAML");
        group.MapPost("/check", Check).WithName("PolicyCheck").Accepts<DraftRequest>("application/json").WithSummary("Validate a draft and run the scenario tests against it");
        group.MapPost("/simulate", SimulateAsync).WithName("PolicySimulate").Accepts<SimulateRequest>("application/json").WithSummary("Replay a period's stored cases through the active policy and a draft");
        group.MapPost("/", PublishAsync).WithName("PolicyPublish").Accepts<PublishRequest>("application/json")
            .WithProblems(422, ProblemTypes.PolicyRefused).WithSummary("Publish a draft (valid, scenarios passing, a reason)");
        group.MapPost("/{id:int}/rollback", RollbackAsync).WithName("PolicyRollback").Accepts<RollbackRequest>("application/json")
            .WithProblems(422, ProblemTypes.PolicyRefused).WithSummary("Publish an earlier version again as a new version");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<PolicyVersionSummary>>> HistoryAsync(PolicyService policies, CancellationToken ct) =>
        TypedResults.Ok(await policies.HistoryAsync(ct));

    public static async Task<Results<Ok<VersionView>, ProblemHttpResult>> VersionAsync(int id, PolicyService policies, CancellationToken ct) =>
        await policies.VersionAsync(id, ct) is { } v
            ? TypedResults.Ok(new VersionView(v.Id, v.Version, v.PublishedBy, v.Reason, v.PublishedAt, v.IsActive, v.Yaml))
            : Problems.NotFound("policy version");

    public static async Task<Results<Ok<CheckView>, ProblemHttpResult, ValidationProblem>> Check(HttpRequest request, PolicyService policies, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<DraftRequest>(request, MaxPolicyBytes, ct);
        if (body.Problem is ProblemHttpResult problem)
        {
            return problem;
        }
        if (body.Problem is ValidationProblem invalid)
        {
            return invalid;
        }
        return TypedResults.Ok(ToView(policies.Check(body.Value!.Yaml ?? "")));
    }

    public static async Task<Results<Ok<SimulationView>, ProblemHttpResult, ValidationProblem>> SimulateAsync(
        HttpRequest request, PolicyService policies, PolicySimulator simulator, TimeProvider time, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<SimulateRequest>(request, MaxPolicyBytes, ct);
        if (body.Problem is ProblemHttpResult problem)
        {
            return problem;
        }
        if (body.Problem is ValidationProblem invalid)
        {
            return invalid;
        }
        var to = body.Value!.To ?? time.GetUtcNow();
        var from = body.Value.From ?? to.AddDays(-7);
        if (from >= to)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["$.from"] = ["'from' must be before 'to'."] });
        }
        var load = PolicyLoader.Load(body.Value.Yaml ?? "");
        if (load.Policy is null)
        {
            return Refused($"The draft has {load.Errors.Count} error(s); fix them before simulating. First: {load.Errors[0]}", load.Errors);
        }
        var run = await simulator.RunAsync(load.Policy, from, to, ct);
        var r = run.Result;
        return TypedResults.Ok(new SimulationView(run.CurrentVersion, run.DraftVersion, run.From, run.To, r.Cases, r.Changed,
            r.PathChanges.Select(p => new PathChangeView(Snake(p.Key.From), Snake(p.Key.To), p.Value)).OrderByDescending(p => p.Cases).ToList(),
            r.Rules, r.Queues, r.ChangedCases.Select(c => c.Id).ToList(), r.ChangedCasesTruncated, run.Unreadable));
    }

    public static async Task<Results<Created<PolicyVersionSummary>, ProblemHttpResult, ValidationProblem>> PublishAsync(
        HttpRequest request, ClaimsPrincipal user, PolicyService policies, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<PublishRequest>(request, MaxPolicyBytes, ct);
        if (body.Problem is ProblemHttpResult problem)
        {
            return problem;
        }
        if (body.Problem is ValidationProblem invalid)
        {
            return invalid;
        }
        var result = await policies.PublishAsync(body.Value!.Yaml ?? "", body.Value.Reason ?? "", user.Identity!.Name!, "Lead", ct);
        return result.Published is { } p
            ? TypedResults.Created($"/api/v1/policies/{p.Id}", p)
            : Refused(result.Refusal!, result.Check?.Errors ?? [], result.Check);
    }

    public static async Task<Results<Created<PolicyVersionSummary>, ProblemHttpResult, ValidationProblem>> RollbackAsync(
        int id, HttpRequest request, ClaimsPrincipal user, PolicyService policies, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<RollbackRequest>(request, 64 * 1024, ct);
        if (body.Problem is ProblemHttpResult problem)
        {
            return problem;
        }
        if (body.Problem is ValidationProblem invalid)
        {
            return invalid;
        }
        var result = await policies.RollbackAsync(id, body.Value!.Reason ?? "", user.Identity!.Name!, "Lead", ct);
        return result.Published is { } p
            ? TypedResults.Created($"/api/v1/policies/{p.Id}", p)
            : Refused(result.Refusal!, result.Check?.Errors ?? [], result.Check);
    }

    private static ProblemHttpResult Refused(string detail, IReadOnlyList<PolicyError> errors, DraftCheck? check = null) =>
        Problems.Of(422, ProblemTypes.PolicyRefused, "The policy was not published", detail, new Dictionary<string, object?>
        {
            ["errors"] = errors.Select(e => new { line = e.Line, column = e.Column, rule = e.RuleId, message = e.Message }).ToList(),
            ["failed_scenarios"] = check is null ? null : ToView(check).Scenarios.Where(s => !s.Passed).ToList(),
        });

    private static CheckView ToView(DraftCheck check) => new(check.Valid, check.Publishable, check.Errors,
        check.Scenarios.SelectMany(f => f.Run.Errors.Select(e => new ScenarioView(f.File, e.ToString(), false, e.Message))
            .Concat(f.Run.Results.Select(r => new ScenarioView(f.File, r.Name, r.Passed, r.Difference)))).ToList());

    private static string Snake(PathOutcome o) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(o.ToString());
}
