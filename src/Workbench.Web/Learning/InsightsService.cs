using Workbench.Core.Learning;
using Workbench.Core.Policy;
using Workbench.Core.Review;

namespace Workbench.Web.Learning;

/// <summary>Learning-loop settings (<c>Learning:*</c>).</summary>
public sealed record LearningOptions
{
    /// <summary>The bars for the next autonomy stage (<c>Learning:Autonomy:*</c>).</summary>
    public AutonomyOptions Autonomy { get; init; } = new();
    /// <summary>JSON paths masked in eval exports, e.g. <c>requester.id</c> or <c>proposal.action.parameters.card_number</c>.</summary>
    public List<string> SensitiveFields { get; init; } = [];
    /// <summary>Blind double review (<c>Learning:DoubleReview:*</c>).</summary>
    public DoubleReviewOptions DoubleReview { get; init; } = new();
    /// <summary>Spot checks of sampled proceed cases (<c>Learning:SpotCheck:*</c>).</summary>
    public SpotCheckOptions SpotCheck { get; init; } = new();
}

public sealed record SpotCheckOptions
{
    public static readonly TimeSpan DefaultAgeOut = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a sampled proceed case waits for its spot check; after that it leaves the sample as "not reviewed"
    /// (never as agreement). Fixed per item when the case is sampled.
    /// </summary>
    public TimeSpan AgeOut { get; init; } = DefaultAgeOut;
}

public sealed record DoubleReviewOptions
{
    /// <summary>The share of queued cases sampled for a blind second review (0–1).</summary>
    public double Share { get; init; } = DoubleReviewSampling.DefaultShare;
    /// <summary>Per-workflow shares that replace <see cref="Share"/>, e.g. <c>Learning:DoubleReview:Workflows:billing.refund = 0.2</c>.</summary>
    public Dictionary<string, double> Workflows { get; init; } = new(StringComparer.Ordinal);

    public bool IsSampled(Guid caseId, string workflow) => DoubleReviewSampling.IsSampled(caseId, DoubleReviewSampling.ShareFor(workflow, Share, Workflows));
}

public sealed record AutonomyOptions
{
    public int MinReviews { get; init; } = AutonomyThresholds.Default.MinReviews;
    public double MaxOverrideUpper { get; init; } = AutonomyThresholds.Default.MaxOverrideUpper;
    public double MaxFalseAutonomyUpper { get; init; } = AutonomyThresholds.Default.MaxFalseAutonomyUpper;
    public double MinEvidenceSufficiency { get; init; } = AutonomyThresholds.Default.MinEvidenceSufficiency;
    public bool RequireReversible { get; init; } = AutonomyThresholds.Default.RequireReversible;
    public int MinSpotChecks { get; init; } = AutonomyThresholds.Default.MinSpotChecks;

    public AutonomyThresholds ToThresholds() =>
        new(MinReviews, MaxOverrideUpper, MaxFalseAutonomyUpper, MinEvidenceSufficiency, RequireReversible, MinSpotChecks);
}

public sealed record WorkflowInsight(string Workflow, string? Title, LearningSnapshot Metrics, AutonomyStage? Stage, AutonomyEvidence Evidence,
    AutonomyRecommendation? Recommendation);

/// <summary>One case behind a rate.</summary>
public sealed record MetricCase(Guid Id, string ExternalId, string Workflow, string? Queue, CaseStatus Status, DateTimeOffset CreatedAt, string RequestPreview,
    PathOutcome Path, DecisionKind? Decision, DecisionKind? SecondOpinion, bool? EscalationNecessary, DownstreamOutcome? Downstream, bool Counted,
    SpotCheckVerdict? Verdict = null);

/// <summary>The cases behind one rate: <see cref="Rate"/> is the rate exactly as /insights shows it.</summary>
public sealed record MetricCases(LearningMetric Metric, DateTimeOffset From, DateTimeOffset To, string? Workflow, Proportion Rate, int Matching,
    IReadOnlyList<MetricCase> Cases);

public sealed record InsightsReport(DateTimeOffset From, DateTimeOffset To, LearningSnapshot All, IReadOnlyList<WorkflowInsight> Workflows,
    IReadOnlyList<EditGroup> EditGroups, int EditsRead);

/// <summary>The learning metrics, autonomy evidence and mined edits of a period, read from the database.</summary>
public sealed class InsightsService(IDbContextFactory<WorkbenchDbContext> dbFactory, ActivePolicy active, IOptions<LearningOptions> options, TimeProvider time)
{
    public const int MaxEditsMined = 5000;

    public async Task<InsightsReport> ReportAsync(DateTimeOffset from, DateTimeOffset to, string? workflow, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cases = Period(db, from, to, workflow);
        var facts = await FactsAsync(db, cases, ct);
        var evaluations = await EvaluationsAsync(db, cases, ct);
        var policy = active.Policy;
        var thresholds = options.Value.Autonomy.ToThresholds();
        var names = policy.Workflows.Keys.Where(w => string.IsNullOrEmpty(workflow) || w == workflow)
            .Concat(facts.Select(f => f.Workflow)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var workflows = new List<WorkflowInsight>();
        foreach (var name in names)
        {
            var wf = facts.Where(f => f.Workflow == name).ToList();
            var metrics = LearningMetrics.Compute(wf);
            var evaluated = wf.Select(f => evaluations.GetValueOrDefault(f.CaseId)).OfType<EvaluationFacts>().ToList();
            // Only what people reviewed: the autonomy override rate is the "reviewed" rate (decisions and spot-check
            // verdicts), never the automatic approvals; reversibility is the policy's judgement of each proposed action.
            var evidence = new AutonomyEvidence(
                metrics.Reviewed,
                metrics.FalseAutonomy,
                Proportion.Of(evaluated.Count(e => !e.EvidenceInsufficient), evaluated.Count),
                Proportion.Of(evaluated.Count(e => e.ActionIrreversible == true), evaluated.Count(e => e.ActionIrreversible is not null)));
            var definition = policy.Workflows.GetValueOrDefault(name);
            workflows.Add(new WorkflowInsight(name, definition?.Title, metrics, definition?.Autonomy, evidence,
                definition is null ? null : AutonomyReadiness.Recommend(definition.Autonomy, evidence, thresholds)));
        }

        var (groups, editsRead) = await MineEditsAsync(db, cases, ct);
        return new InsightsReport(from, to, LearningMetrics.Compute(facts), workflows, groups, editsRead);
    }

    /// <summary>The reversibility and evidence sufficiency of each case, as its stored policy trace says.</summary>
    private static async Task<Dictionary<Guid, EvaluationFacts>> EvaluationsAsync(WorkbenchDbContext db, IQueryable<Data.Entities.CaseRecord> cases,
        CancellationToken ct)
    {
        var result = new Dictionary<Guid, EvaluationFacts>();
        var rows = db.PolicyEvaluations.AsNoTracking().Where(e => cases.Any(c => c.Id == e.CaseId))
            .Select(e => new { e.CaseId, e.TraceJson }).AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct))
        {
            var trace = JsonSerializer.Deserialize<List<RuleTrace>>(row.TraceJson, WorkbenchJson.Options) ?? [];
            result[row.CaseId] = EvaluationFacts.From(trace);
        }
        return result;
    }

    /// <summary>The most cases a click-through list shows (its count is always complete).</summary>
    public const int MaxListed = 1000;

    /// <summary>
    /// The cases behind one rate of the period: those the metric counts (or, with <paramref name="wholeSample"/>, its
    /// whole sample), newest first. Decided by <see cref="LearningMetrics.Member"/>, the same test the rate uses.
    /// </summary>
    public async Task<MetricCases> CasesAsync(LearningMetric metric, DateTimeOffset from, DateTimeOffset to, string? workflow, bool wholeSample,
        CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cases = Period(db, from, to, workflow);
        var facts = await FactsAsync(db, cases, ct);
        var members = facts.Select(f => (Fact: f, Member: LearningMetrics.Member(metric, f))).Where(m => m.Member.InSample).ToList();
        var counted = members.Count(m => m.Member.Counted);
        var listedFacts = members.Where(m => wholeSample || m.Member.Counted).ToList();
        var ids = listedFacts.Select(m => m.Fact.CaseId).ToHashSet();
        var info = (await cases.Where(c => ids.Contains(c.Id))
                .Select(c => new { c.Id, c.ExternalId, c.Queue, c.Status, c.CreatedAt, c.RequestPreview })
                .ToListAsync(ct))
            .ToDictionary(c => c.Id);
        var listed = listedFacts
            .Select(m => (m, i: info[m.Fact.CaseId]))
            .OrderByDescending(x => x.i.CreatedAt).ThenBy(x => x.i.Id)
            .Take(MaxListed)
            .Select(x => new MetricCase(x.m.Fact.CaseId, x.i.ExternalId, x.m.Fact.Workflow, x.i.Queue, x.i.Status, x.i.CreatedAt, x.i.RequestPreview,
                x.m.Fact.Path, x.m.Fact.Decision, x.m.Fact.SecondOpinion, x.m.Fact.EscalationNecessary, x.m.Fact.Downstream, x.m.Member.Counted,
                x.m.Fact.Verdict))
            .ToList();
        return new MetricCases(metric, from, to, workflow, Proportion.Of(counted, members.Count), listedFacts.Count, listed);
    }

    private static IQueryable<Data.Entities.CaseRecord> Period(WorkbenchDbContext db, DateTimeOffset from, DateTimeOffset to, string? workflow)
    {
        var cases = db.Cases.AsNoTracking().Where(c => c.CreatedAt >= from && c.CreatedAt < to);
        return string.IsNullOrEmpty(workflow) ? cases : cases.Where(c => c.Workflow == workflow);
    }

    /// <summary>
    /// What the metrics need of each case: path, the decision a person made (none for an automatic approval), the latest
    /// classification, the spot check, outcome and blind second verdict.
    /// </summary>
    private async Task<List<CaseFacts>> FactsAsync(WorkbenchDbContext db, IQueryable<Data.Entities.CaseRecord> cases, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var rows = await cases
            .Select(c => new { c.Id, c.Workflow, c.ReleaseOutcome, c.ExecuteOutcome, c.SpotCheck, c.Decision, c.Status })
            .ToListAsync(ct);
        // The latest answer per case to each question (a reviewer may classify again; a later action may answer only one).
        var necessary = (await db.ReviewActions.AsNoTracking()
                .Where(a => a.EscalationNecessary != null && cases.Any(c => c.Id == a.CaseId))
                .Select(a => new { a.CaseId, a.Id, a.EscalationNecessary })
                .ToListAsync(ct))
            .GroupBy(a => a.CaseId)
            .ToDictionary(g => g.Key, g => g.MaxBy(a => a.Id)!.EscalationNecessary);
        var causes = await CaseRootCauses.OfAsync(db, cases, ct);
        var outcomes = (await db.DownstreamOutcomes.AsNoTracking()
                .Where(o => cases.Any(c => c.Id == o.CaseId))
                .Select(o => new { o.CaseId, o.Id, o.Outcome })
                .ToListAsync(ct))
            .GroupBy(o => o.CaseId)
            .ToDictionary(g => g.Key, g => g.MaxBy(o => o.Id)!.Outcome);
        var seconds = await db.DoubleReviews.AsNoTracking()
            .Where(d => d.Verdict != null && cases.Any(c => c.Id == d.CaseId))
            .Select(d => new { d.CaseId, d.Verdict })
            .ToDictionaryAsync(d => d.CaseId, d => d.Verdict, ct);
        var spotChecks = await db.SpotChecks.AsNoTracking()
            .Where(s => cases.Any(c => c.Id == s.CaseId))
            .Select(s => new { s.CaseId, s.Verdict, s.RootCause, s.AgesOutAt, s.ClaimedBy, s.ClaimExpiresAt })
            .ToDictionaryAsync(s => s.CaseId, ct);

        return [.. rows.Select(r =>
        {
            var spot = spotChecks.GetValueOrDefault(r.Id);
            return new CaseFacts(
                r.Id, r.Workflow, (PathOutcome)Math.Max((int)r.ReleaseOutcome, (int)r.ExecuteOutcome), r.SpotCheck,
                // The policy's own "approved" and a timeout's "expired" are nobody's decision.
                r.Status == CaseStatus.AutoApproved || r.Decision is DecisionKind.Expired ? null : r.Decision,
                necessary.GetValueOrDefault(r.Id), causes.TryGetValue(r.Id, out var cause) ? cause : null,
                outcomes.TryGetValue(r.Id, out var o) ? o : null,
                seconds.GetValueOrDefault(r.Id),
                spot is null ? null : SpotCheckRules.StateOf(spot.Verdict, spot.ClaimedBy, spot.ClaimExpiresAt, spot.AgesOutAt, now),
                spot?.Verdict);
        })];
    }

    private static async Task<(IReadOnlyList<EditGroup>, int)> MineEditsAsync(WorkbenchDbContext db, IQueryable<Data.Entities.CaseRecord> cases,
        CancellationToken ct)
    {
        var edits = await db.ReviewActions.AsNoTracking()
            .Where(a => a.EditedResponse != null && cases.Any(c => c.Id == a.CaseId))
            .OrderByDescending(a => a.Id)
            .Take(MaxEditsMined)
            .Join(db.Cases, a => a.CaseId, c => c.Id, (a, c) => new { a.CaseId, c.Workflow, a.EditedResponse, c.SubmissionJson, a.RootCause })
            .ToListAsync(ct);
        var samples = new List<EditSample>(edits.Count);
        foreach (var e in edits)
        {
            var before = ProposalBody(e.SubmissionJson);
            if (before is not null && e.EditedResponse is { } after)
            {
                samples.Add(new EditSample(e.CaseId, e.Workflow, before, after, e.RootCause));
            }
        }
        return (EditMiner.Group(samples), samples.Count);
    }

    private static string? ProposalBody(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<CaseSubmission>(json, WorkbenchJson.Options)?.Proposal.Response?.Body;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The active policy's YAML with one workflow's autonomy stage changed: the draft a "change the stage" starts from.</summary>
    public static string WithAutonomy(string yaml, string workflow, AutonomyStage stage)
    {
        var lines = yaml.Split('\n');
        var inWorkflows = false;
        var inTarget = false;
        var targetIndent = -1;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart();
            var indent = line.Length - trimmed.Length;
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }
            if (indent == 0)
            {
                inWorkflows = trimmed.StartsWith("workflows:", StringComparison.Ordinal);
                inTarget = false;
                continue;
            }
            if (!inWorkflows)
            {
                continue;
            }
            if (trimmed.StartsWith(workflow + ":", StringComparison.Ordinal))
            {
                inTarget = true;
                targetIndent = indent;
                continue;
            }
            if (indent <= targetIndent)
            {
                inTarget = false;
            }
            if (inTarget && trimmed.StartsWith("autonomy:", StringComparison.Ordinal))
            {
                var comment = trimmed.IndexOf(" #", StringComparison.Ordinal);
                lines[i] = line[..indent] + "autonomy: " + AutonomyReadiness.StageName(stage) + (comment > 0 ? "    " + trimmed[comment..].TrimStart() : "");
                return string.Join('\n', lines);
            }
        }
        return yaml;
    }
}
