using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Client;

/// <summary>
/// Typed client for the Workbench <c>/api/v1</c> HTTP API: submit a case, wait for the human decision, answer
/// requests for information, withdraw, report the downstream outcome. Register it with
/// <see cref="WorkbenchServiceCollectionExtensions.AddWorkbenchClient"/> (retries, timeouts, circuit breaker), or
/// construct it over an <see cref="HttpClient"/> of your own.
/// </summary>
/// <remarks>
/// Every non-success answer throws <see cref="WorkbenchApiException"/>. With the resilience pipeline of
/// <see cref="WorkbenchServiceCollectionExtensions.AddWorkbenchClient"/>, transient failures are retried first and
/// the last answer is the one reported.
/// </remarks>
public sealed class WorkbenchClient
{
    /// <summary>The longest long-poll the server grants, in seconds (docs/design.md "HTTP API v1").</summary>
    public const int MaxLongPollSeconds = 60;

    private const string IdempotencyKeyHeader = "Idempotency-Key";
    private const int MaxIdempotencyKeyLength = 255;
    private const string ProblemJson = "application/problem+json";
    private const string InFlightProblem = "urn:workbench:problem:idempotency-key-in-flight";

    // A server that answers 202 long before the wait it was given (an old server, a proxy) must not be hammered.
    private static readonly TimeSpan MinPollInterval = TimeSpan.FromSeconds(1);

    private readonly HttpClient _http;
    private readonly WorkbenchClientOptions _options;

    /// <summary>
    /// Creates the client over <paramref name="http"/>. All paths are relative to <see cref="HttpClient.BaseAddress"/>;
    /// when the client has none, <see cref="WorkbenchClientOptions.BaseAddress"/> is applied.
    /// </summary>
    /// <remarks>
    /// Used this way (without <see cref="WorkbenchServiceCollectionExtensions.AddWorkbenchClient"/>) there are no
    /// retries, and <see cref="HttpClient.Timeout"/> (100 s by default) must stay above the 60 s long-poll.
    /// </remarks>
    /// <param name="http">The HTTP client to send with.</param>
    /// <param name="options">Base address and credentials.</param>
    public WorkbenchClient(HttpClient http, WorkbenchClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        if (_http.BaseAddress is null)
        {
            _http.BaseAddress = WithTrailingSlash(options.BaseAddress
                ?? throw new ArgumentException("Either the HttpClient or the options must carry a base address.", nameof(options)));
        }
    }

    /// <summary>
    /// Submits a case (<c>POST /api/v1/cases</c>) and returns the policy's decision at once.
    /// </summary>
    /// <param name="submission">The case.</param>
    /// <param name="idempotencyKey">
    /// 1–255 characters; the same key with the same body returns the original receipt instead of creating a second
    /// case. When <see langword="null"/>, a new one is generated and used for every retry of this call.
    /// </param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The receipt, and whether it was a replay of an earlier submission with the same key.</returns>
    /// <exception cref="WorkbenchApiException">
    /// 400/413 invalid submission, 409 the same key is still in flight, 422 the same key was used with another body.
    /// </exception>
    public async Task<SubmitResult> SubmitAsync(
        CaseSubmission submission, string? idempotencyKey = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var key = idempotencyKey ?? Guid.NewGuid().ToString("N");
        if (key.Length is 0 or > MaxIdempotencyKeyLength)
        {
            throw new ArgumentException("An idempotency key has 1 to 255 characters.", nameof(idempotencyKey));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/cases") { Content = JsonBody(submission) };
        // The resilience handler re-sends this same message, header included: a retry can only replay, never duplicate.
        request.Headers.Add(IdempotencyKeyHeader, key);
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        var receipt = await ReadAsync<CaseReceipt>(response, ct).ConfigureAwait(false);
        return new SubmitResult(receipt, Replayed: response.StatusCode != HttpStatusCode.Created) { IdempotencyKey = key };
    }

    /// <summary>
    /// Submits like <see cref="SubmitAsync"/> and rides out an outage: while the server answers 429 (rate limit),
    /// 503 (its database is down, a deployment), 502 or 504 (a gateway), 409 idempotency-key-in-flight (an attempt this
    /// call gave up waiting for still runs), or cannot be reached at all, waits as its
    /// <c>Retry-After</c> header says (1 s when absent; at most <paramref name="maxDelay"/>, 10 s by default) and sends
    /// the same body again with the same <c>Idempotency-Key</c> — at worst a replay of a request that did commit,
    /// never a second case — until <paramref name="retryFor"/> has passed; then the last failure is thrown.
    /// Meant for a client without the resilience pipeline of <see cref="WorkbenchServiceCollectionExtensions.AddWorkbenchClient"/>,
    /// or one whose outages outlast that pipeline's three retries.
    /// </summary>
    /// <param name="submission">The case.</param>
    /// <param name="retryFor">How long to keep trying, counted from the first attempt.</param>
    /// <param name="idempotencyKey">As in <see cref="SubmitAsync"/>; generated once when null and kept for every attempt.</param>
    /// <param name="maxDelay">The longest wait between two attempts, whatever <c>Retry-After</c> asks.</param>
    /// <param name="ct">Cancels the call and its waits.</param>
    /// <returns>The receipt, and whether it was a replay (an earlier attempt had committed).</returns>
    /// <exception cref="WorkbenchApiException">A refusal that retrying cannot change (400, 409, 422…), or the last 429/5xx.</exception>
    /// <exception cref="HttpRequestException">The server could not be reached within <paramref name="retryFor"/>.</exception>
    public async Task<SubmitResult> SubmitWithRetriesAsync(
        CaseSubmission submission, TimeSpan retryFor, string? idempotencyKey = null, TimeSpan? maxDelay = null, CancellationToken ct = default)
    {
        var key = idempotencyKey ?? Guid.NewGuid().ToString("N");
        var longest = maxDelay ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan delay;
            try
            {
                return await SubmitAsync(submission, key, ct).ConfigureAwait(false);
            }
            catch (WorkbenchApiException e) when (
                e.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway
                    or HttpStatusCode.GatewayTimeout && clock.Elapsed < retryFor)
            {
                delay = e.RetryAfter ?? TimeSpan.FromSeconds(1);
            }
            catch (WorkbenchApiException e) when (
                e.StatusCode == HttpStatusCode.Conflict && e.ProblemType == InFlightProblem && clock.Elapsed < retryFor)
            {
                delay = TimeSpan.FromSeconds(1); // an earlier attempt with this key (one we gave up waiting for) still runs
            }
            catch (HttpRequestException) when (clock.Elapsed < retryFor && !ct.IsCancellationRequested)
            {
                delay = TimeSpan.FromMilliseconds(250 * Math.Min(attempt, 20));
            }
            catch (TaskCanceledException) when (clock.Elapsed < retryFor && !ct.IsCancellationRequested)
            {
                delay = TimeSpan.FromSeconds(1); // HttpClient.Timeout: the request may have committed; the key makes the retry safe
            }
            delay = delay > longest ? longest : delay;
            var left = retryFor - clock.Elapsed;
            await Task.Delay(delay < left ? delay : left > TimeSpan.Zero ? left : TimeSpan.Zero, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a case's status and, once decided, its decision (<c>GET /api/v1/cases/{id}</c>).</summary>
    /// <param name="caseId">The case id from the receipt.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The case as this AI system sees it.</returns>
    /// <exception cref="WorkbenchApiException">404 when the case does not exist or belongs to another client.</exception>
    public Task<CaseView> GetAsync(Guid caseId, CancellationToken ct = default) =>
        SendForAsync<CaseView>(HttpMethod.Get, CasePath(caseId), body: null, ct);

    /// <summary>
    /// One long-poll for the decision (<c>GET /api/v1/cases/{id}/decision?wait=N</c>): the server answers as soon as
    /// the decision lands, or after <paramref name="wait"/> with "still pending".
    /// </summary>
    /// <param name="caseId">The case id.</param>
    /// <param name="wait">How long the server may hold the request: 0 to 60 s, whole seconds (fractions are dropped).</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The decision (HTTP 200), or <see langword="null"/> while it is still pending (HTTP 202).</returns>
    public async Task<DecisionView?> GetDecisionAsync(Guid caseId, TimeSpan wait, CancellationToken ct)
    {
        var (decision, _) = await PollDecisionAsync(caseId, wait, ct).ConfigureAwait(false);
        return decision;
    }

    /// <summary>
    /// Waits for the human (or timeout) decision by repeated long-polls of at most 60 s each.
    /// </summary>
    /// <param name="caseId">The case id.</param>
    /// <param name="timeout">The overall limit; <see langword="null"/> waits until <paramref name="ct"/> is cancelled.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="TimeoutException">No decision within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The case was withdrawn: no decision will come.</exception>
    public async Task<DecisionView> WaitForDecisionAsync(Guid caseId, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        if (timeout is { } t && t < TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "The timeout cannot be negative.");
        }

        var limit = timeout == Timeout.InfiniteTimeSpan ? null : timeout;
        var overall = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (limit is { } l)
        {
            deadline.CancelAfter(l);
        }

        try
        {
            while (true)
            {
                var remaining = limit is { } lim ? lim - overall.Elapsed : TimeSpan.MaxValue;
                if (remaining <= TimeSpan.Zero)
                {
                    throw NoDecisionWithin(caseId, limit!.Value);
                }

                var wait = TimeSpan.FromSeconds(Math.Min(MaxLongPollSeconds, Math.Max(0, Math.Floor(remaining.TotalSeconds))));
                var started = overall.Elapsed;
                var (decision, pending) = await PollDecisionAsync(caseId, wait, deadline.Token).ConfigureAwait(false);
                if (decision is not null)
                {
                    return decision;
                }

                if (pending?.Status == CaseStatus.Withdrawn)
                {
                    throw new InvalidOperationException($"Case {caseId} was withdrawn: no decision will come.");
                }

                if (pending is { Status: CaseStatus.AwaitingInfo or CaseStatus.ClarificationRequested })
                {
                    // The decision waits for the AI system: answer with ReplyAsync, then wait again.
                    throw new WorkbenchQuestionException(caseId, pending.Status, pending.Question);
                }

                var pollTook = overall.Elapsed - started;
                if (pollTook < MinPollInterval)
                {
                    await Task.Delay(MinPollInterval - pollTook, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            throw NoDecisionWithin(caseId, limit!.Value);
        }
    }

    /// <summary>
    /// Answers a request for information (<c>POST /api/v1/cases/{id}/replies</c>); the case returns to its queue.
    /// </summary>
    /// <param name="caseId">The case id.</param>
    /// <param name="reply">The answer, and optionally updated signals.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The case after the reply.</returns>
    /// <exception cref="WorkbenchApiException">409 when the case is not awaiting information.</exception>
    public Task<CaseView> ReplyAsync(Guid caseId, ReplyRequest reply, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return SendForAsync<CaseView>(HttpMethod.Post, $"{CasePath(caseId)}/replies", reply, ct);
    }

    /// <summary>Withdraws a case that no longer needs a decision (<c>POST /api/v1/cases/{id}/withdraw</c>).</summary>
    /// <param name="caseId">The case id.</param>
    /// <param name="reason">Why, for the audit trail.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The case after the withdrawal.</returns>
    /// <exception cref="WorkbenchApiException">409 when the case is already decided, withdrawn or expired.</exception>
    public Task<CaseView> WithdrawAsync(Guid caseId, string? reason = null, CancellationToken ct = default) =>
        SendForAsync<CaseView>(HttpMethod.Post, $"{CasePath(caseId)}/withdraw", new WithdrawRequest(reason), ct);

    /// <summary>
    /// Reports what happened downstream once the decision was used (<c>POST /api/v1/cases/{id}/outcome</c>).
    /// </summary>
    /// <param name="caseId">The case id.</param>
    /// <param name="report">The outcome and a note.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The server's receipt of the report.</returns>
    public Task<OutcomeReceipt> ReportOutcomeAsync(Guid caseId, OutcomeReport report, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        return SendForAsync<OutcomeReceipt>(HttpMethod.Post, $"{CasePath(caseId)}/outcome", report, ct);
    }

    /// <summary>
    /// One page of this client's cases, newest first (<c>GET /api/v1/cases</c>). Pass <see cref="CaseList.NextCursor"/>
    /// of a page as <paramref name="cursor"/>, with the same filters, for the next; it is null on the last page.
    /// </summary>
    /// <param name="status">Only cases in this status.</param>
    /// <param name="workflow">Only cases of this workflow.</param>
    /// <param name="updatedSince">Only cases changed at or after this time.</param>
    /// <param name="cursor">Where the previous page ended.</param>
    /// <param name="limit">Cases per page, 1 to 100 (the server's default, 50, when null).</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The page.</returns>
    public Task<CaseList> ListCasesAsync(CaseStatus? status = null, string? workflow = null, DateTimeOffset? updatedSince = null,
        string? cursor = null, int? limit = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (status is { } s)
        {
            query.Add("status=" + JsonSerializer.Serialize(s, WorkbenchJson.Options).Trim('"'));
        }
        if (workflow is not null)
        {
            query.Add("workflow=" + Uri.EscapeDataString(workflow));
        }
        if (updatedSince is { } since)
        {
            query.Add("updatedSince=" + Uri.EscapeDataString(since.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (cursor is not null)
        {
            query.Add("cursor=" + Uri.EscapeDataString(cursor));
        }
        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var path = "api/v1/cases" + (query.Count == 0 ? "" : "?" + string.Join('&', query));
        return SendForAsync<CaseList>(HttpMethod.Get, path, body: null, ct);
    }

    /// <summary>This client's case with the id your system gave it (<c>GET /api/v1/cases/by-external-id/{externalId}</c>).</summary>
    /// <param name="externalId">The submission's <c>externalId</c>.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The case.</returns>
    /// <exception cref="WorkbenchApiException">404 when this client has no case with that externalId.</exception>
    public Task<CaseView> GetByExternalIdAsync(string externalId, CancellationToken ct = default) =>
        SendForAsync<CaseView>(HttpMethod.Get, "api/v1/cases/by-external-id/" + Uri.EscapeDataString(externalId), body: null, ct);

    /// <summary>Reads the queue summaries (<c>GET /api/v1/queues</c>): depth, oldest age, due soon, breached.</summary>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>One summary per queue.</returns>
    public Task<IReadOnlyList<QueueSummaryView>> GetQueuesAsync(CancellationToken ct = default) =>
        SendForAsync<IReadOnlyList<QueueSummaryView>>(HttpMethod.Get, "api/v1/queues", body: null, ct);

    private async Task<(DecisionView? Decision, PendingDecisionView? Pending)> PollDecisionAsync(
        Guid caseId, TimeSpan wait, CancellationToken ct)
    {
        if (wait < TimeSpan.Zero || wait > TimeSpan.FromSeconds(MaxLongPollSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "The long-poll wait is 0 to 60 seconds.");
        }

        var seconds = (int)Math.Floor(wait.TotalSeconds);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{CasePath(caseId)}/decision?wait={seconds}");
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            return (null, await ReadOptionalAsync<PendingDecisionView>(response, ct).ConfigureAwait(false));
        }

        return (await ReadAsync<DecisionView>(response, ct).ConfigureAwait(false), null);
    }

    private async Task<T> SendForAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonBody(body);
        }

        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        return await ReadAsync<T>(response, ct).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ProblemJson));
        var token = _options.AccessTokenProvider is { } provider
            ? await provider(ct).ConfigureAwait(false)
            : _options.ApiKey;
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ToExceptionAsync(response, ct).ConfigureAwait(false);
            }
        }

        return response;
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct) =>
        await ReadOptionalAsync<T>(response, ct).ConfigureAwait(false)
        ?? throw new WorkbenchApiException(
            response.StatusCode,
            title: response.ReasonPhrase,
            detail: $"The response had no {typeof(T).Name} body.");

    private static async Task<T?> ReadOptionalAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            if (response.Content.Headers.ContentLength == 0)
            {
                return default;
            }

            try
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, WorkbenchJson.Options, ct).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new WorkbenchApiException(
                    response.StatusCode,
                    title: response.ReasonPhrase,
                    detail: $"The response body is not a valid {typeof(T).Name}: {e.Message}");
            }
        }
    }

    private static async Task<WorkbenchApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var retryAfter = RetryAfterOf(response);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is ProblemJson or "application/json")
        {
            try
            {
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                var problem = JsonSerializer.Deserialize<ProblemBody>(body, WorkbenchJson.Options);
                if (problem is not null)
                {
                    return new WorkbenchApiException(
                        response.StatusCode,
                        problem.Type,
                        problem.Title ?? response.ReasonPhrase,
                        problem.Detail,
                        problem.Errors,
                        retryAfter,
                        problem.TraceId);
                }
            }
            catch (JsonException)
            {
                // Not a problem detail after all: report what the status line tells.
            }
        }

        return new WorkbenchApiException(response.StatusCode, title: response.ReasonPhrase, retryAfter: retryAfter);
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero,
            _ => null,
        };

    private static ByteArrayContent JsonBody(object body)
    {
        // Bytes rather than a streamed JsonContent: the resilience handler may send the same content more than once.
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), WorkbenchJson.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static string CasePath(Guid caseId) => $"api/v1/cases/{caseId}";

    private static TimeoutException NoDecisionWithin(Guid caseId, TimeSpan limit) =>
        new($"No decision on case {caseId} within {limit}.");

    internal static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private sealed record ProblemBody(
        string? Type,
        string? Title,
        int? Status,
        string? Detail,
        Dictionary<string, string[]>? Errors,
        string? TraceId);
}
