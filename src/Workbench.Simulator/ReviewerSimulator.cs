using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Workbench.Simulator;

/// <summary>
/// One simulated reviewer working through the review API (<c>/api/v1/review/*</c>): next case, a lognormal handle
/// time, then approve / approve with edits / reject / request info / route. The review API authenticates people
/// with the sign-in cookie; the simulator gets one from the development sign-in (the sign-in page's form, <c>POST /account/dev-login</c>),
/// which exists only when the app runs in Development — against a production app simulated reviewers cannot sign in.
/// </summary>
public sealed class ReviewerSimulator(string userName, SimulatorOptions options, Func<HttpMessageHandler> handlerFactory, SimulationStats stats, int seed)
{
    private static readonly string[] Queues = ["support", "support-exceptions", "finance", "policy-legal", "security", "brand"];
    private static readonly string[] RejectReasons = ["AMBIGUOUS_USER_INTENT", "MISSING_AUTH_SOURCE", "MULTI_POLICY_CONFLICT", "HIGH_VALUE_TRANSACTION"];
    private static readonly string[] RootCauses = ["user_ambiguity", "retrieval_miss", "retrieval_conflict", "policy_too_loose"];

    private readonly Random _random = new(seed);
    private string? _cookie;

    public string UserName => userName;

    public async Task RunAsync(CancellationToken ct)
    {
        using var http = new HttpClient(handlerFactory(), disposeHandler: true) { BaseAddress = options.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    _cookie ??= await SignInAsync(http, ct);
                    if (_cookie is null)
                    {
                        return;
                    }
                    await WorkOneAsync(http, ct);
                }
                catch (HttpRequestException e)
                {
                    stats.Error($"review network: {e.HttpRequestError}");
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<string?> SignInAsync(HttpClient http, CancellationToken ct)
    {
        // The development sign-in is the sign-in page's form: its antiforgery cookie and token go back with the POST.
        using var page = await http.GetAsync("account/login?returnUrl=%2F", ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*?value=\"([^\"]+)\"");
        if (!token.Success)
        {
            stats.Error("reviewer sign-in: no development sign-in (the app is not in Development)");
            return null;
        }
        using var form = new HttpRequestMessage(HttpMethod.Post, "account/dev-login")
        {
            Content = new FormUrlEncodedContent([new("user", userName), new("returnUrl", "/"),
                new("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value))]),
        };
        if (page.Headers.TryGetValues("Set-Cookie", out var antiforgery))
        {
            form.Headers.Add("Cookie", string.Join("; ", antiforgery.Select(v => v.Split(';', 2)[0])));
        }
        using var response = await http.SendAsync(form, ct);
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Select(v => v.Split(';', 2)[0]).Where(c => c.StartsWith("workbench.auth", StringComparison.Ordinal)).ToList()
            : [];
        if (response.StatusCode != HttpStatusCode.Redirect || cookies.Count == 0)
        {
            stats.Error(response.StatusCode == HttpStatusCode.NotFound
                ? "reviewer sign-in: no development sign-in (the app is not in Development)"
                : $"reviewer sign-in as {userName}: {(int)response.StatusCode} {response.Headers.Location}");
            return null;
        }
        return string.Join("; ", cookies);
    }

    private async Task WorkOneAsync(HttpClient http, CancellationToken ct)
    {
        using var next = await PostAsync(http, "api/v1/review/next", "{}", ct);
        if (next.StatusCode == HttpStatusCode.Unauthorized)
        {
            _cookie = null;
            return;
        }
        if (next.StatusCode == HttpStatusCode.NoContent)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(400 + _random.Next(600)), ct);
            return;
        }
        if (next.StatusCode != HttpStatusCode.OK)
        {
            stats.Error($"review next {(int)next.StatusCode}");
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            return;
        }
        using var claimed = JsonDocument.Parse(await next.Content.ReadAsStringAsync(ct));
        var id = claimed.RootElement.GetProperty("id").GetGuid();
        var queue = claimed.RootElement.TryGetProperty("queue", out var q) ? q.GetString() : null;

        var handle = HandleTime();
        var started = Stopwatch.StartNew();
        await Task.Delay(handle, ct);
        stats.HandleTime.Add(started.Elapsed.TotalMilliseconds);

        var (action, acted) = await ActAsync(http, id, queue, claimed.RootElement, CancellationToken.None);
        using var ownedResponse = acted;
        if (acted.StatusCode == HttpStatusCode.OK)
        {
            using var view = JsonDocument.Parse(await acted.Content.ReadAsStringAsync(CancellationToken.None));
            if (view.RootElement.TryGetProperty("decision", out var d) && d.ValueKind == JsonValueKind.Object)
            {
                Interlocked.Increment(ref stats.ReviewDecided);
                SimulationStats.Increment(stats.ByDecision, d.GetProperty("decision").GetString() ?? "?");
            }
            else
            {
                _ = action switch
                {
                    "request_info" => Interlocked.Increment(ref stats.ReviewInfoRequests),
                    "route" => Interlocked.Increment(ref stats.ReviewRoutes),
                    _ => Interlocked.Increment(ref stats.ReviewApprovals),
                };
            }
            return;
        }
        if (acted.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            // Someone else acted (a withdrawal, a lease that ran out): give the case back if it is still ours.
            Interlocked.Increment(ref stats.ReviewConflicts);
            using var _ = await PostAsync(http, $"api/v1/review/cases/{id}/release", "{}", ct);
            return;
        }
        stats.Error($"review {action} {(int)acted.StatusCode}");
        using var released = await PostAsync(http, $"api/v1/review/cases/{id}/release", "{}", ct);
    }

    /// <summary>
    /// The race: claims each of <paramref name="ids"/> by id (<c>POST /api/v1/review/cases/{id}/claim</c>) — other
    /// reviewers walk the same cases at the same moment — and decides the ones it wins; then works
    /// <c>/api/v1/review/next</c> until <paramref name="done"/> says every case is decided (cases needing a second
    /// approver come back to the queue). Every answer is recorded in <paramref name="tally"/>.
    /// </summary>
    public async Task RaceAsync(IReadOnlyList<Guid> ids, ReviewTally tally, Func<bool> done, CancellationToken ct)
    {
        using var http = new HttpClient(handlerFactory(), disposeHandler: true) { BaseAddress = options.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        _cookie = await SignInAsync(http, ct) ?? throw new InvalidOperationException($"{userName} could not sign in: {string.Join("; ", stats.Errors.Keys)}");
        foreach (var id in ids)
        {
            using var claim = await PostAsync(http, $"api/v1/review/cases/{id}/claim", "{}", ct);
            var body = await claim.Content.ReadAsStringAsync(ct);
            tally.Record("claim", claim.StatusCode, body);
            if (claim.StatusCode == HttpStatusCode.OK)
            {
                await DecideAsync(http, id, body, tally, ct);
            }
        }
        while (!done())
        {
            ct.ThrowIfCancellationRequested();
            using var next = await PostAsync(http, "api/v1/review/next", "{}", ct);
            var body = await next.Content.ReadAsStringAsync(ct);
            tally.Record("next", next.StatusCode, body);
            if (next.StatusCode == HttpStatusCode.OK)
            {
                using var doc = JsonDocument.Parse(body);
                await DecideAsync(http, doc.RootElement.GetProperty("id").GetGuid(), body, tally, ct);
            }
            else
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 + _random.Next(100)), ct);
            }
        }
    }

    private async Task DecideAsync(HttpClient http, Guid id, string claimed, ReviewTally tally, CancellationToken ct)
    {
        using var view = JsonDocument.Parse(claimed);
        var queue = view.RootElement.TryGetProperty("queue", out var q) ? q.GetString() : null;
        var handle = HandleTime();
        if (handle > TimeSpan.Zero)
        {
            await Task.Delay(handle, ct);
        }
        var (_, acted) = await ActAsync(http, id, queue, view.RootElement, ct);
        using var ownedResponse = acted;
        var body = await acted.Content.ReadAsStringAsync(ct);
        tally.Record("act", acted.StatusCode, body);
        if (acted.StatusCode == HttpStatusCode.OK)
        {
            using var result = JsonDocument.Parse(body);
            tally.Acted(id, result.RootElement.TryGetProperty("decision", out var d) && d.ValueKind == JsonValueKind.Object);
            return;
        }
        using var _ = await PostAsync(http, $"api/v1/review/cases/{id}/release", "{}", ct);
    }

    /// <summary>Lognormal around the median: most cases quick, a long tail of hard ones.</summary>
    private TimeSpan HandleTime()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return TimeSpan.FromMilliseconds(options.HandleMedian.TotalMilliseconds * Math.Exp(options.HandleSigma * normal));
    }

    /// <summary>
    /// Acts on a claimed case. An approval of a message that would still show placeholders is refused (400 at
    /// <c>$.editedVariables.…</c>); the reviewer then writes the message out and approves with edits, as a person
    /// would, and only that answer is returned.
    /// </summary>
    private async Task<(string Action, HttpResponseMessage Response)> ActAsync(HttpClient http, Guid id, string? queue, JsonElement claimed, CancellationToken ct)
    {
        var (action, json) = ChooseAction(queue, claimed);
        var acted = await PostAsync(http, $"api/v1/review/cases/{id}/actions", json, ct);
        if (action == "approve" && acted.StatusCode == HttpStatusCode.BadRequest
            && (await acted.Content.ReadAsStringAsync(ct)).Contains("\"$.editedVariables.", StringComparison.Ordinal))
        {
            acted.Dispose();
            var edit = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(EditBody))!.AsObject();
            Confirm(edit, claimed);
            return ("approve_with_edits", await PostAsync(http, $"api/v1/review/cases/{id}/actions", edit.ToJsonString(), ct));
        }
        return (action, acted);
    }

    private static readonly object EditBody = new
    {
        action = "approve_with_edits",
        editedResponse = "Thanks for your patience. We have reviewed your request and applied the policy that is in force today; details follow in a separate message.",
        note = "Softened the wording and removed a promise we cannot keep.",
        rootCause = "prompt",
    };

    /// <param name="claimed">The case as the claim answered it: an approval confirms the action it restates, as a reviewer would.</param>
    private (string Action, string Body) ChooseAction(string? queue, JsonElement claimed)
    {
        // Decide-only: the same shares of approve / edit / reject, never a request for info or a route.
        var r = options.DecideOnly ? _random.NextDouble() * 0.86 : _random.NextDouble();
        object body = r switch
        {
            < 0.62 => new { action = "approve", note = "Checked against the cited sources." },
            < 0.74 => EditBody,
            < 0.86 => new
            {
                action = "reject",
                rejectReasonCode = RejectReasons[_random.Next(RejectReasons.Length)],
                note = "Not supported by an authoritative source.",
                // A change or a stop names its root cause, as the review rules require.
                rootCause = RootCauses[_random.Next(RootCauses.Length)],
            },
            < 0.95 => new { action = "request_info", question = "Please confirm the order number and whether the customer's identity was verified." },
            _ => new { action = "route", targetQueue = Queues.Where(x => x != queue).ElementAt(_random.Next(Queues.Length - 1)), note = "Needs a specialist." },
        };
        var node = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(body))!.AsObject();
        var action = node["action"]!.GetValue<string>();
        if (action is "approve" or "approve_with_edits")
        {
            Confirm(node, claimed);
        }
        return (action, node.ToJsonString());
    }

    private static void Confirm(System.Text.Json.Nodes.JsonObject node, JsonElement claimed)
    {
        if (claimed.TryGetProperty("confirmation", out var confirmation) && confirmation.ValueKind == JsonValueKind.Object)
        {
            node["confirmedTool"] = confirmation.GetProperty("tool").GetString();
            if (confirmation.TryGetProperty("amount", out var amount) && amount.ValueKind == JsonValueKind.String)
            {
                node["confirmedAmount"] = amount.GetString();
            }
        }
    }

    private Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string json, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Cookie", _cookie);
        return http.SendAsync(request, ct);
    }
}

/// <summary>What the racing reviewers saw: every answer by step, status and problem type; the accepted actions and decisions per case.</summary>
public sealed class ReviewTally
{
    public ConcurrentDictionary<string, int> Answers { get; } = new();
    /// <summary>Bodies of answers that were neither 2xx nor 409 (at most a few kept), for a test's message.</summary>
    public ConcurrentQueue<string> Unexpected { get; } = new();
    public ConcurrentDictionary<Guid, int> ActionsAccepted { get; } = new();
    public ConcurrentDictionary<Guid, int> Decisions { get; } = new();
    private int _decided;

    public int Decided => Volatile.Read(ref _decided);

    public void Record(string step, HttpStatusCode status, string body)
    {
        var key = $"{step} {(int)status}";
        if ((int)status >= 400)
        {
            var type = "(not a problem document)";
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var t))
                {
                    type = t.GetString() ?? type;
                }
            }
            catch (JsonException)
            {
            }
            key += " " + type;
            if (status != HttpStatusCode.Conflict && Unexpected.Count < 5)
            {
                Unexpected.Enqueue($"{key}: {body}");
            }
        }
        Answers.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    public void Acted(Guid id, bool decided)
    {
        ActionsAccepted.AddOrUpdate(id, 1, (_, n) => n + 1);
        if (decided)
        {
            Decisions.AddOrUpdate(id, 1, (_, n) => n + 1);
            Interlocked.Increment(ref _decided);
        }
    }
}
