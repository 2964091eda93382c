using System.Diagnostics;
using System.Net;
using Workbench.Client;
using Workbench.Contracts;

namespace Workbench.Simulator;

/// <summary>
/// Plays AI systems (through <see cref="WorkbenchClient"/>) and reviewers (through <c>/api/v1/review</c>) against a
/// running Workbench. Each accepted case is followed like a real AI system would: a clarifying question or a
/// reviewer's request for info is answered, a decision is awaited by long-poll, and its downstream outcome reported.
/// </summary>
public sealed class Simulation
{
    /// <summary>How long a submission is retried (429, 503, network) with its one Idempotency-Key before it counts as an error.</summary>
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    private readonly SimulatorOptions _options;
    private readonly Func<HttpMessageHandler> _handlerFactory;
    private readonly TextWriter _output;
    private readonly CaseFactory _cases;
    private readonly Random _random;
    private readonly Lock _randomLock = new();
    private readonly SemaphoreSlim _inFlight;
    private readonly SemaphoreSlim _waits;
    private CancellationToken _followUpsStop;

    public SimulationStats Stats { get; } = new();

    /// <param name="options">What to simulate.</param>
    /// <param name="handlerFactory">The HTTP handler for each client (tests pass the in-process server's); null: sockets.</param>
    /// <param name="output">Where the live summary and the final table go.</param>
    public Simulation(SimulatorOptions options, Func<HttpMessageHandler>? handlerFactory, TextWriter output)
    {
        _options = options;
        _handlerFactory = handlerFactory ?? (() => new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        _output = output;
        var callback = options.WebhookPort is { } port ? $"http://127.0.0.1:{port}/webhooks" : null;
        _cases = new CaseFactory(CaseFactory.LoadSamples(options.SamplesPath, options.Workflows), options.Seed, options.RunId,
            options.VariationShare, callback);
        _random = new Random(options.Seed + 1);
        _inFlight = new SemaphoreSlim(options.MaxInFlight);
        _waits = new SemaphoreSlim(options.MaxWaits);
    }

    public async Task<SimulationStats> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient(_handlerFactory(), disposeHandler: true) { BaseAddress = _options.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
        var agents = _options.ApiKeys.Select(k => new WorkbenchClient(http, new WorkbenchClientOptions { ApiKey = k })).ToArray();

        // Reviewers and the agents' follow-ups stop when the drain ends; the generator stops earlier.
        using var everything = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _followUpsStop = everything.Token;
        await using var webhooks = _options.WebhookPort is { } port ? await WebhookReceiver.StartAsync(port, _options.WebhookSecret, Stats, everything.Token) : null;
        var reviewers = new List<Task>();
        for (var i = 0; i < _options.Reviewers; i++)
        {
            var reviewer = new ReviewerSimulator(_options.ReviewerNames[i % _options.ReviewerNames.Count], _options, _handlerFactory, Stats, Seed(i));
            reviewers.Add(reviewer.RunAsync(everything.Token));
        }

        using var live = new CancellationTokenSource();
        var summary = _options.Quiet ? Task.CompletedTask : LiveSummaryAsync(clock, live.Token);
        var followUps = new List<Task>();
        try
        {
            await GenerateAsync(agents, clock, followUps, ct);
            // The drain: agents keep answering and waiting, reviewers keep working, then everything stops.
            everything.CancelAfter(_options.Drain);
            await Task.WhenAll(followUps).WaitAsync(everything.Token).ContinueWith(_ => { }, CancellationToken.None);
            await everything.CancelAsync();
            await Task.WhenAll(followUps.Concat(reviewers)).ContinueWith(_ => { }, CancellationToken.None);
        }
        finally
        {
            await live.CancelAsync();
            await summary.ContinueWith(_ => { }, CancellationToken.None);
        }
        clock.Stop();
        await _output.WriteLineAsync();
        await _output.WriteAsync(Stats.FinalTable(clock.Elapsed));
        return Stats;
    }

    private int Seed(int salt)
    {
        lock (_randomLock)
        {
            return _random.Next() ^ salt;
        }
    }

    private double NextDouble()
    {
        lock (_randomLock)
        {
            return _random.NextDouble();
        }
    }

    /// <summary>The rate at time t: steady, or bursts of 5× for 3 s of every 15 s with a third of the rate between.</summary>
    private double RateAt(double seconds) => _options.Profile switch
    {
        LoadProfile.Burst => seconds % 15 < 3 ? _options.Rate * 5 : _options.Rate / 3,
        _ => _options.Rate,
    };

    private async Task GenerateAsync(WorkbenchClient[] agents, Stopwatch clock, List<Task> followUps, CancellationToken ct)
    {
        var due = 0.0;
        var limit = _options.Duration?.TotalSeconds ?? double.MaxValue;
        var count = _options.Count ?? int.MaxValue;
        for (var n = 0; n < count && due < limit && !ct.IsCancellationRequested; n++)
        {
            var wait = due - clock.Elapsed.TotalSeconds;
            if (wait > 0.002)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait), ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            if (!_inFlight.Wait(0))
            {
                Interlocked.Increment(ref Stats.Behind);
                try
                {
                    await _inFlight.WaitAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            var agent = agents[n % agents.Length];
            var dueAt = due;
            followUps.Add(Task.Run(() => CaseAsync(agent, clock, dueAt, ct), CancellationToken.None));
            due += 1 / RateAt(due);
        }
    }

    private async Task CaseAsync(WorkbenchClient agent, Stopwatch clock, double dueAt, CancellationToken generatorCt)
    {
        CaseReceipt? receipt;
        try
        {
            receipt = await SubmitAsync(agent, clock, dueAt, generatorCt);
        }
        finally
        {
            _inFlight.Release();
        }
        if (receipt is null)
        {
            return;
        }
        // Follow-ups are not cut short by the end of generation: only the drain's end (see RunAsync) stops them.
        try
        {
            await FollowAsync(agent, receipt, clock, _followUpsStop);
        }
        catch (OperationCanceledException)
        {
        }
        catch (WorkbenchApiException e)
        {
            Stats.Error($"follow-up {(int)e.StatusCode} {ShortType(e.ProblemType)} {e.Detail}");
        }
        catch (HttpRequestException e)
        {
            Stats.Error($"follow-up network: {e.HttpRequestError}");
        }
    }

    private async Task<CaseReceipt?> SubmitAsync(WorkbenchClient agent, Stopwatch clock, double dueAt, CancellationToken ct)
    {
        var (submission, variation) = _cases.Next(DateTimeOffset.UtcNow);
        var key = Guid.NewGuid().ToString("N");
        Interlocked.Increment(ref Stats.Submitted);
        SimulationStats.Increment(Stats.ByVariation, variation);
        var trying = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await agent.SubmitAsync(submission, key, ct);
                // Measured from when the submission was due, so that a generator falling behind cannot hide queueing.
                Stats.SubmitLatency.Add((clock.Elapsed.TotalSeconds - dueAt) * 1000);
                if (result.Replayed)
                {
                    Interlocked.Increment(ref Stats.Replayed);
                }
                else
                {
                    Interlocked.Increment(ref Stats.Accepted);
                }
                var r = result.Receipt;
                Stats.AcceptedCases[r.Id] = r.ExternalId;
                SimulationStats.Increment(Stats.ByOutcome, Worst(r.Outcome));
                SimulationStats.Increment(Stats.ByStatus, Snake(r.Status));
                return r;
            }
            catch (WorkbenchApiException e) when (e.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && trying.Elapsed < RetryFor)
            {
                // A well-behaved AI system waits as told and retries with the same key: at worst a replay, never a
                // duplicate. For as long as RetryFor, so that a database outage of half a minute loses no submission.
                Interlocked.Increment(ref Stats.Retried);
                await Task.Delay(Min(e.RetryAfter ?? TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)), ct);
            }
            catch (HttpRequestException) when (trying.Elapsed < RetryFor && !ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref Stats.Retried);
                await Task.Delay(TimeSpan.FromMilliseconds(500 * Math.Min(attempt, 10)), ct);
            }
            catch (WorkbenchApiException e)
            {
                Stats.Error($"submit {(int)e.StatusCode} {ShortType(e.ProblemType)}");
                return null;
            }
            catch (HttpRequestException e)
            {
                Stats.Error($"submit network: {e.HttpRequestError}");
                return null;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    private async Task FollowAsync(WorkbenchClient agent, CaseReceipt receipt, Stopwatch clock, CancellationToken ct)
    {
        var acceptedAt = clock.Elapsed;
        switch (receipt.Status)
        {
            case CaseStatus.AutoApproved:
                await ReportOutcomeAsync(agent, receipt.Id, ct);
                return;
            case CaseStatus.ClarificationRequested:
                await Task.Delay(TimeSpan.FromMilliseconds(200 + NextDouble() * 800), ct);
                if (!await ReplyAsync(agent, receipt.Id, receipt.ClarifyingQuestion, ct))
                {
                    return;
                }
                break;
            case CaseStatus.Queued when NextDouble() < _options.WithdrawShare:
                await Task.Delay(TimeSpan.FromMilliseconds(500 + NextDouble() * 2000), ct);
                try
                {
                    await agent.WithdrawAsync(receipt.Id, "The customer solved it on their own.", CancellationToken.None);
                    Interlocked.Increment(ref Stats.Withdrawn);
                    return;
                }
                catch (WorkbenchApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
                {
                    break; // decided or claimed first: wait for the decision as usual
                }
            case CaseStatus.Queued or CaseStatus.InReview:
                break;
            default:
                return;
        }
        await WaitForDecisionAsync(agent, receipt.Id, clock, acceptedAt, ct);
    }

    private async Task WaitForDecisionAsync(WorkbenchClient agent, Guid id, Stopwatch clock, TimeSpan acceptedAt, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await _waits.WaitAsync(ct);
            DecisionView? decision = null;
            string? question = null;
            var asked = false;
            try
            {
                // 10.5 s, not 10: the server holds the poll 10 s and answers 202 before the client's own deadline.
                decision = await agent.WaitForDecisionAsync(id, TimeSpan.FromSeconds(10.5), ct);
            }
            catch (WorkbenchQuestionException q)
            {
                asked = true;
                question = q.Question;
            }
            catch (TimeoutException)
            {
            }
            catch (InvalidOperationException)
            {
                return; // withdrawn
            }
            catch (WorkbenchApiException) when (ct.IsCancellationRequested)
            {
                return; // the drain ended while the poll was held
            }
            catch (WorkbenchApiException e)
            {
                Stats.Error($"wait {(int)e.StatusCode} {ShortType(e.ProblemType)} {e.Detail}");
                if (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                Stats.Error($"wait network: {e.HttpRequestError}");
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
            finally
            {
                _waits.Release();
            }
            if (asked)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300 + NextDouble() * 1500), ct);
                if (!await ReplyAsync(agent, id, question, ct))
                {
                    return;
                }
                continue;
            }
            if (decision is not null)
            {
                Interlocked.Increment(ref Stats.Delivered);
                Stats.DecisionLatency.Add((clock.Elapsed - acceptedAt).TotalMilliseconds);
                await ReportOutcomeAsync(agent, id, ct);
                return;
            }
        }
    }

    // Calls that change the case are never cancelled half-way (the server could commit what the counts then miss):
    // the stop token only ends waits.
    private async Task<bool> ReplyAsync(WorkbenchClient agent, Guid id, string? question, CancellationToken ct)
    {
        var reply = new ReplyRequest(
            $"Answering \"{Trim(question)}\": the customer confirmed the account and order details in the ticket; identity verified by SSO.",
            new Dictionary<string, SignalValue> { ["intent_ambiguity"] = 0.1, ["required_fields_missing"] = 0 });
        try
        {
            await agent.ReplyAsync(id, reply, CancellationToken.None);
            Interlocked.Increment(ref Stats.Replies);
            return true;
        }
        catch (WorkbenchApiException e)
        {
            Stats.Error($"reply {(int)e.StatusCode} {ShortType(e.ProblemType)}");
            return false;
        }
    }

    private async Task ReportOutcomeAsync(WorkbenchClient agent, Guid id, CancellationToken ct)
    {
        var r = NextDouble();
        if (r >= _options.OutcomeShare)
        {
            return;
        }
        // Later, as in life: the outcome is known some time after the decision was used.
        await Task.Delay(TimeSpan.FromMilliseconds(100 + NextDouble() * 900), ct);
        var pick = NextDouble();
        var outcome = pick switch
        {
            < 0.85 => DownstreamOutcome.Correct,
            < 0.92 => DownstreamOutcome.Incorrect,
            < 0.95 => DownstreamOutcome.RolledBack,
            _ => DownstreamOutcome.Complaint,
        };
        try
        {
            await agent.ReportOutcomeAsync(id, new OutcomeReport(outcome, $"simulated: {Snake(outcome)}"), CancellationToken.None);
            Interlocked.Increment(ref Stats.OutcomesReported);
        }
        catch (WorkbenchApiException e)
        {
            Stats.Error($"outcome {(int)e.StatusCode} {ShortType(e.ProblemType)} {e.Detail}");
        }
    }

    private async Task LiveSummaryAsync(Stopwatch clock, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        long lastAccepted = 0;
        var lastTime = TimeSpan.Zero;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = clock.Elapsed;
                var accepted = Interlocked.Read(ref Stats.Accepted);
                var rate = (accepted - lastAccepted) / Math.Max(0.001, (now - lastTime).TotalSeconds);
                (lastAccepted, lastTime) = (accepted, now);
                await _output.WriteLineAsync(Stats.LiveLine(now, rate));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The case's path as a metric tag or tally key (snake_case, like the API).</summary>
    internal static string Worst(OutcomeView outcome) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(outcome.Path.ToString());

    internal static string Snake<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static string ShortType(string? type) => type is null ? "" : type[(type.LastIndexOf(':') + 1)..];

    private static string Trim(string? text) => text is null ? "your question" : text.Length <= 80 ? text : text[..80] + "…";

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
