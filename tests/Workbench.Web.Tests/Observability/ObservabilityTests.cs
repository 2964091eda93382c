using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Workbench.Web.Observability;

namespace Workbench.Web.Tests.Observability;

public sealed class ObservabilityTests
{
    private sealed record Measured(string Instrument, double Value, Dictionary<string, object?> Tags);

    /// <summary>Listens to the Workbench meter of one app (other apps of the test run have their own).</summary>
    private static MeterListener Listen(WorkbenchFactory app, ConcurrentQueue<Measured> into)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WorkbenchMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => into.Enqueue(new(i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => into.Enqueue(new(i.Name, v, ToDictionary(tags))));
        listener.Start();
        return listener;
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, object?>();
        foreach (var t in tags)
        {
            d[t.Key] = t.Value;
        }
        return d;
    }

    [Fact]
    public async Task A_submission_is_counted_and_timed_by_outcome_and_the_queue_depth_gauge_sees_it()
    {
        await using var app = new WorkbenchFactory();
        _ = app.Server;
        var seen = new ConcurrentQueue<Measured>();
        using var listener = Listen(app, seen);

        await app.SubmitSampleAsync(Samples.Queues);   // handed off to policy-legal
        await app.SubmitSampleAsync(Samples.Proceeds); // proceeds

        var counts = seen.Where(m => m.Instrument == "workbench.intake.cases").ToList();
        Assert.Equal(2, counts.Count);
        Assert.Contains(counts, m => (string?)m.Tags["outcome"] == "handoff" && m.Value == 1);
        Assert.Contains(counts, m => (string?)m.Tags["outcome"] == "proceed" && m.Value == 1);
        var durations = seen.Where(m => m.Instrument == "workbench.intake.duration").ToList();
        Assert.Equal(2, durations.Count);
        Assert.All(durations, m => Assert.InRange(m.Value, 1e-6, 30));
        Assert.Equal(2, seen.Count(m => m.Instrument == "workbench.policy.evaluation.duration" && m.Value > 0));
        // One after the other, each case is a group of its own in the writer: two groups of one, each timed, on SQLite.
        var groups = seen.Where(m => m.Instrument == "workbench.intake.commit.cases").ToList();
        Assert.Equal([1.0, 1.0], groups.Select(m => m.Value));
        Assert.All(groups, m => Assert.Equal("sqlite", m.Tags["store"]));
        var commits = seen.Where(m => m.Instrument == "workbench.intake.commit.duration").ToList();
        Assert.Equal(2, commits.Count);
        Assert.All(commits, m => Assert.InRange(m.Value, 1e-6, 30));
        Assert.All(commits, m => Assert.Equal("sqlite", m.Tags["store"]));

        // The gauge reports cached counts: the first observation starts a count, a later one reports it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!seen.Any(m => m.Instrument == "workbench.queue.depth" && (string?)m.Tags["queue"] == "policy-legal" && m.Value == 1))
        {
            Assert.True(DateTime.UtcNow < deadline, "The queue depth gauge never reported the queued case.");
            listener.RecordObservableInstruments();
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_reviewer_decision_records_the_time_to_decision()
    {
        await using var app = new WorkbenchFactory();
        _ = app.Server;
        var seen = new ConcurrentQueue<Measured>();
        using var listener = Listen(app, seen);
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var rita = await app.SignedInAs("rita");
        static StringContent Json(string s) => new(s, Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await rita.PostAsync($"/api/v1/review/cases/{id}/claim", Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await rita.PostAsync($"/api/v1/review/cases/{id}/actions",
            Json("""{"action":"reject","rejectReasonCode":"MULTI_POLICY_CONFLICT","rootCause":"retrieval_conflict"}"""))).StatusCode);

        var decided = Assert.Single(seen, m => m.Instrument == "workbench.case.time_to_decision");
        Assert.Equal("support.refund", decided.Tags["workflow"]);
        Assert.Equal("rejected", decided.Tags["decision"]);
        Assert.InRange(decided.Value, 0, 60);
    }

    [Fact]
    public void The_methods_for_the_sla_monitor_and_the_webhook_dispatcher_record()
    {
        using var app = new WorkbenchFactory();
        _ = app.Server;
        var seen = new ConcurrentQueue<Measured>();
        using var listener = Listen(app, seen);
        var metrics = app.Services.GetRequiredService<WorkbenchMetrics>();
        metrics.SlaBreached("finance", "billing.refund");
        metrics.WebhookAttempted("case.decided", succeeded: true);
        metrics.WebhookAttempted("case.decided", succeeded: false, "503");

        Assert.Contains(seen, m => m.Instrument == "workbench.sla.breaches" && (string?)m.Tags["queue"] == "finance");
        Assert.Equal(2, seen.Count(m => m.Instrument == "workbench.webhook.attempts"));
        Assert.Contains(seen, m => m.Instrument == "workbench.webhook.failures" && (string?)m.Tags["reason"] == "503");
    }

    [Fact]
    public async Task The_webhook_dispatcher_records_every_attempt_with_its_result_and_status()
    {
        await using var receiver = new WebhookReceiver();
        var calls = 0;
        receiver.Answer = _ => Interlocked.Increment(ref calls) == 1 ? 503 : 204; // one failure, then delivered
        await receiver.StartAsync();
        await using var app = WebhookTestKit.App();
        _ = app.Server;
        var seen = new ConcurrentQueue<Measured>();
        using var listener = Listen(app, seen);
        await WebhookTestKit.EndpointAsync(app, receiver.Url());

        await WebhookTestKit.DecidedCaseAsync(app);

        await WebhookTestKit.Eventually(() => Task.FromResult(seen.Count(m => m.Instrument == "workbench.webhook.attempts") >= 2),
            TimeSpan.FromSeconds(30), "two attempts recorded");
        var attempts = seen.Where(m => m.Instrument == "workbench.webhook.attempts").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Equal(receiver.Received.Count, attempts.Count); // one per request the receiver got
        Assert.All(attempts, a => Assert.Equal("case.decided", a.Tags["event"]));
        Assert.Contains(attempts, a => (string?)a.Tags["result"] == "failed" && (string?)a.Tags["status"] == "503");
        Assert.Contains(attempts, a => (string?)a.Tags["result"] == "delivered" && (string?)a.Tags["status"] == "204");
        var failure = Assert.Single(seen, m => m.Instrument == "workbench.webhook.failures");
        Assert.Equal("503", failure.Tags["reason"]);
    }

    [Fact]
    public async Task The_sla_monitor_records_each_breach_by_queue_and_workflow()
    {
        await using var app = new WorkbenchFactory { Settings = { ["Sla:Interval"] = "01:00:00" } }; // only the sweep below runs
        _ = app.Server;
        var seen = new ConcurrentQueue<Measured>();
        using var listener = Listen(app, seen);
        var first = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var second = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        await app.WithDbAsync(db => db.Cases.Where(c => c.Id == first || c.Id == second)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.SlaDueAt, DateTimeOffset.UtcNow.AddMinutes(-1))));

        Assert.Equal(2, (await app.Services.GetRequiredService<Workbench.Web.Sla.SlaMonitor>().SweepAsync()).Breached);
        Assert.Equal(0, (await app.Services.GetRequiredService<Workbench.Web.Sla.SlaMonitor>().SweepAsync()).Breached);

        var breaches = seen.Where(m => m.Instrument == "workbench.sla.breaches").ToList();
        Assert.Equal(2, breaches.Count);
        Assert.All(breaches, b =>
        {
            Assert.Equal("policy-legal", b.Tags["queue"]);
            Assert.Equal("support.refund", b.Tags["workflow"]);
            Assert.Equal(1, b.Value);
        });
    }

    [Fact]
    public async Task With_an_otlp_endpoint_the_sdk_exports_and_without_one_it_is_absent()
    {
        await using (var plain = new WorkbenchFactory())
        {
            _ = plain.Server;
            Assert.Null(plain.Services.GetService<TracerProvider>());
            Assert.Null(plain.Services.GetService<MeterProvider>());
        }

        // Nothing listens on the endpoint: exporting fails quietly and the app serves as usual.
        await using var app = new WorkbenchFactory();
        app.Settings["OpenTelemetry:Endpoint"] = $"http://127.0.0.1:{Processes.FreePort()}";
        app.Settings["OpenTelemetry:Protocol"] = "http/protobuf";
        _ = app.Server;
        Assert.NotNull(app.Services.GetService<TracerProvider>());
        Assert.NotNull(app.Services.GetService<MeterProvider>());
        await app.SubmitSampleAsync(Samples.Queues);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Log_lines_during_a_case_request_carry_the_case_id_request_id_and_trace_id()
    {
        var capture = new CapturingLoggerProvider();
        await using var app = new WorkbenchFactory { TestServices = s => s.AddSingleton<ILoggerProvider>(capture) };
        // EF Core writes each command at Information under this category: a log line from inside the request.
        app.Settings["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information";
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;

        capture.Clear();
        var withdraw = await app.ApiClient().PostAsync($"/api/v1/cases/{id}/withdraw", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, withdraw.StatusCode);

        // Lines of this request (the background services — webhook dispatcher, SLA monitor, policy watcher — query too,
        // outside any request).
        var lines = capture.Lines.Where(l => l.Category.StartsWith("Microsoft.EntityFrameworkCore.Database.Command", StringComparison.Ordinal)
            && l.Scopes.ContainsKey("RequestPath") && l.Scopes["RequestPath"]?.ToString()?.Contains("/withdraw", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l =>
        {
            Assert.Equal(id.ToString(), l.Scopes.GetValueOrDefault("CaseId")?.ToString());
            Assert.False(string.IsNullOrEmpty(l.Scopes.GetValueOrDefault("RequestId")?.ToString()));
            Assert.False(string.IsNullOrEmpty(l.Scopes.GetValueOrDefault("TraceId")?.ToString()));
            Assert.Equal("demo-agent", l.Scopes.GetValueOrDefault("Principal")?.ToString());
        });
    }

    private sealed record Line(string Category, string Message, Dictionary<string, object?> Scopes);

    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<Line> _lines = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyList<Line> Lines => [.. _lines];

        public void Clear() => _lines.Clear();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new Dictionary<string, object?>();
                owner._scopes.ForEachScope((scope, into) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (k, v) in pairs)
                        {
                            into[k] = v;
                        }
                    }
                }, scopes);
                owner._lines.Enqueue(new Line(category, formatter(state, exception), scopes));
            }
        }
    }
}
