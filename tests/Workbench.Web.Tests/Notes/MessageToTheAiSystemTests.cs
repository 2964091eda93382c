using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Workbench.Client;
using Workbench.Contracts;
using Workbench.Web.Mcp;
using static Workbench.Testing.WebhookTestKit;

namespace Workbench.Web.Tests.Notes;

/// <summary>
/// What the AI system gets back, through every channel it has (webhook, long-poll, the .NET client, MCP): the message
/// as it will be sent — checked against a plain string replacement — with its template and variables; and never an
/// internal note, though reviewers wrote one with a mention.
/// </summary>
public sealed class MessageToTheAiSystemTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_decision_carries_the_rendered_message_with_its_template_and_variables_and_no_internal_note()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await using var app = App();
        await app.EndpointAsync(receiver.Url());
        var submission = Samples.Json(Samples.Queues);
        var response = submission["proposal"]!["response"]!;
        var template = response["body"]!.GetValue<string>();
        var variables = response["variables"]!.Deserialize<Dictionary<string, string>>()!;
        var id = (await app.SubmitJsonAsync(submission)).Id;

        // Reviewers talk about the case; the note names the lead.
        var secret = "internal-" + Guid.NewGuid().ToString("N");
        var rita = await app.SignedInAs("rita");
        var note = await rita.PostAsync($"/api/v1/review/cases/{id}/notes", Json(new { text = $"{secret} @lena is the proration right?" }), ct);
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);

        // The reviewer changes one variable to a value that tries to inject markup and another placeholder.
        var hostileName = "Tomasz <script>alert(1)</script> {{refund_amount}}";
        Assert.Equal(HttpStatusCode.OK, (await rita.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }), ct)).StatusCode);
        var edit = Samples.ApprovalBody(Samples.Queues, "approve_with_edits");
        edit["editedVariables"] = new JsonObject { ["customer_name"] = hostileName };
        var acted = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", new StringContent(edit.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.OK, acted.StatusCode);

        // A plain replacement, the customer's name last so that its braces are never read as a placeholder.
        var expected = template.Replace("{{refund_amount}}", variables["refund_amount"]).Replace("{{days_remaining}}", variables["days_remaining"])
            .Replace("{{customer_name}}", hostileName);
        var expectedVariables = new Dictionary<string, string>(variables) { ["customer_name"] = hostileName };
        Assert.Contains("{{refund_amount}}", expected);

        // Webhook.
        await Eventually(() => Task.FromResult(receiver.Succeeded.Any()), Limit, "the decision delivered");
        var hook = Assert.Single(receiver.Received);
        Assert.DoesNotContain(secret, hook.Body);
        var data = JsonDocument.Parse(hook.Body).RootElement.GetProperty("data").Deserialize<DecisionView>(WorkbenchJson.Options)!;
        AssertMessage(data, expected, template, expectedVariables);

        // Long-poll.
        var poll = await app.ApiClient().GetAsync($"/api/v1/cases/{id}/decision?wait=5", ct);
        var polled = await poll.Content.ReadAsStringAsync(ct);
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        Assert.DoesNotContain(secret, polled);
        AssertMessage(JsonSerializer.Deserialize<DecisionView>(polled, WorkbenchJson.Options)!, expected, template, expectedVariables);

        // The case view and the .NET client.
        Assert.DoesNotContain(secret, await app.ApiClient().GetStringAsync($"/api/v1/cases/{id}", ct));
        AssertMessage((await app.SdkClient().GetDecisionAsync(id, TimeSpan.Zero, ct))!, expected, template, expectedVariables);

        // MCP.
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri("http://localhost/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Samples.DemoKey },
        }, app.CreateClient(), ownsHttpClient: true);
        await using var mcp = await McpClient.CreateAsync(transport, cancellationToken: ct);
        var result = await mcp.CallToolAsync(WorkbenchMcpTools.WaitForDecision,
            new Dictionary<string, object?> { ["case_id"] = id.ToString(), ["wait_seconds"] = 0 }, cancellationToken: ct);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.DoesNotContain(secret, text);
        AssertMessage(JsonDocument.Parse(text).RootElement.GetProperty("decision").Deserialize<DecisionView>(WorkbenchJson.Options)!,
            expected, template, expectedVariables);
    }

    private static void AssertMessage(DecisionView decision, string expected, string template, Dictionary<string, string> variables)
    {
        Assert.Equal(DecisionKind.ApprovedWithEdits, decision.Decision);
        Assert.Equal(expected, decision.ResponseText);
        Assert.Equal(template, decision.ResponseTemplate);
        Assert.Equal(variables.OrderBy(v => v.Key), decision.ResponseVariables!.OrderBy(v => v.Key));
        Assert.Null(decision.Note);
    }
}
