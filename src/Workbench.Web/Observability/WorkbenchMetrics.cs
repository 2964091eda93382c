using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Workbench.Web.Observability;

/// <summary>
/// The <c>Workbench</c> meter: what the product does, beside the HTTP, EF Core and runtime metrics of the
/// instrumentation libraries. The methods are the one way to record; the SLA monitor and the webhook dispatcher call
/// <see cref="SlaBreached"/> and <see cref="WebhookAttempted"/>. Instruments cost nothing until a listener (the
/// OpenTelemetry SDK when an exporter is configured, or dotnet-counters) subscribes.
/// </summary>
public sealed class WorkbenchMetrics
{
    public const string MeterName = "Workbench";
    public const string ActivitySourceName = "Workbench";

    /// <summary>Spans of our own (policy evaluation); the OpenTelemetry SDK listens when tracing is exported.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    // Seconds, from 1 ms (an intake) to a day (a human decision).
    private static readonly double[] IntakeBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] DecisionBuckets = [1, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200];
    private static readonly double[] PolicyBuckets = [0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.01];
    // Seconds, from 100 µs (one case alone) to the busy timeout of a group that waited for the file's lock.
    private static readonly double[] CommitBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 10];
    private static readonly long[] CommitSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128];

    private readonly Counter<long> _intake;
    private readonly Histogram<double> _intakeDuration;
    private readonly Histogram<double> _timeToDecision;
    private readonly Counter<long> _slaBreaches;
    private readonly Counter<long> _webhookAttempts;
    private readonly Counter<long> _webhookFailures;
    private readonly Histogram<double> _policyEvaluation;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<long> _commitCases;

    public WorkbenchMetrics(IMeterFactory meters, QueueDepthSampler queueDepth)
    {
        var meter = meters.Create(MeterName);
        _intake = meter.CreateCounter<long>("workbench.intake.cases", "{case}",
            "Submissions answered by intake, by outcome (proceed, await_approval, clarify, handoff; replayed, refused, unavailable, error).");
        _intakeDuration = meter.CreateHistogram("workbench.intake.duration", "s",
            "Time from the request's arrival to its answer, by outcome.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = IntakeBuckets });
        _timeToDecision = meter.CreateHistogram("workbench.case.time_to_decision", "s",
            "From submission to the human (or timeout) decision, by workflow and decision.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DecisionBuckets });
        _slaBreaches = meter.CreateCounter<long>("workbench.sla.breaches", "{case}", "Cases that passed their SLA due time, by queue.");
        _webhookAttempts = meter.CreateCounter<long>("workbench.webhook.attempts", "{attempt}", "Webhook delivery attempts, by event type, result and HTTP status.");
        _webhookFailures = meter.CreateCounter<long>("workbench.webhook.failures", "{attempt}", "Failed webhook delivery attempts, by event type and reason.");
        _policyEvaluation = meter.CreateHistogram("workbench.policy.evaluation.duration", "s",
            "Time to evaluate the policy for one case (signals, rules, trace).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PolicyBuckets });
        _commitDuration = meter.CreateHistogram("workbench.intake.commit.duration", "s",
            "Time the intake writer spent on one group commit (its rows written and committed), by store. Intake has one writer: the sum per second is the share of time it was busy.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CommitBuckets });
        _commitCases = meter.CreateHistogram("workbench.intake.commit.cases", "{case}",
            "Cases in one group commit of the intake writer (committed, or refused alone by a unique index), by store.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = CommitSizeBuckets });
        meter.CreateObservableGauge("workbench.queue.depth", queueDepth.Observe, "{case}",
            "Open cases per queue and status (queued, in_review, awaiting_info); refreshed every few seconds, not per scrape.");
    }

    public void IntakeCompleted(string outcome, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _intake.Add(1, tag);
        _intakeDuration.Record(elapsed.TotalSeconds, tag);
    }

    /// <param name="store">sqlite, postgres or sqlserver.</param>
    public void IntakeGroupWritten(string store, int cases, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("store", store);
        _commitDuration.Record(elapsed.TotalSeconds, tag);
        _commitCases.Record(cases, tag);
    }

    public void CaseDecided(string workflow, string decision, TimeSpan sinceSubmission) =>
        _timeToDecision.Record(Math.Max(0, sinceSubmission.TotalSeconds),
            new KeyValuePair<string, object?>("workflow", workflow), new KeyValuePair<string, object?>("decision", decision));

    public void SlaBreached(string queue, string? workflow = null) =>
        _slaBreaches.Add(1, new KeyValuePair<string, object?>("queue", queue), new KeyValuePair<string, object?>("workflow", workflow));

    /// <param name="eventType">case.decided, case.info_requested…</param>
    /// <param name="succeeded">2xx from the endpoint.</param>
    /// <param name="failureReason">When not succeeded: the status code ("503"), "timeout", "network" or "no_secret".</param>
    /// <param name="statusCode">The HTTP status the endpoint answered, if it answered ("none" otherwise).</param>
    public void WebhookAttempted(string eventType, bool succeeded, string? failureReason = null, int? statusCode = null)
    {
        var type = new KeyValuePair<string, object?>("event", eventType);
        _webhookAttempts.Add(1, type, new KeyValuePair<string, object?>("result", succeeded ? "delivered" : "failed"),
            new KeyValuePair<string, object?>("status", statusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"));
        if (!succeeded)
        {
            _webhookFailures.Add(1, type, new KeyValuePair<string, object?>("reason", failureReason ?? "unknown"));
        }
    }

    public void PolicyEvaluated(string workflow, TimeSpan elapsed) =>
        _policyEvaluation.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("workflow", workflow));

    /// <summary>The case's path as a metric tag or tally key (snake_case, like the API).</summary>
    public static string PathOf(OutcomeView outcome) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(outcome.Path.ToString());
}
