using System.Text.Json;
using Workbench.Core.Cases;
using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Cases;

public class ContentPurgeTests
{
    private static JsonElement Data(string body) => JsonDocument.Parse(body).RootElement.GetProperty("data");

    [Fact]
    public void A_decided_events_texts_and_parameters_are_masked_and_its_ids_codes_and_times_stay()
    {
        var body = """
            {"type":"case.decided","id":"msg_1","timestamp":"2026-03-02T09:00:00+00:00","data":{"caseId":"0196a3c4-0000-7000-8000-000000000001",
            "decision":"approved_with_edits","responseText":"Dear Jane Roe, your refund of 120 EUR…","actionParameters":{"amount":120,"card":"4242"},
            "note":"called her at +44 20 7946 0000","reviewers":["lena"],"decidedAt":"2026-03-02T09:00:00+00:00","policyVersion":"2026.11.1"}}
            """;
        var masked = ContentPurge.MaskWebhookBody(body);
        var data = Data(masked);

        Assert.Equal(ContentPurge.Marker, data.GetProperty("responseText").GetString());
        Assert.Equal(ContentPurge.Marker, data.GetProperty("note").GetString());
        Assert.False(data.TryGetProperty("actionParameters", out _));
        Assert.Equal("approved_with_edits", data.GetProperty("decision").GetString());
        Assert.Equal("lena", data.GetProperty("reviewers")[0].GetString());
        Assert.Equal("2026.11.1", data.GetProperty("policyVersion").GetString());
        Assert.Equal("0196a3c4-0000-7000-8000-000000000001", data.GetProperty("caseId").GetString());
        var envelope = JsonDocument.Parse(masked).RootElement;
        Assert.Equal("case.decided", envelope.GetProperty("type").GetString());
        Assert.Equal("msg_1", envelope.GetProperty("id").GetString());
        foreach (var text in new[] { "Jane", "4242", "7946", "120 EUR" })
        {
            Assert.DoesNotContain(text, masked, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_details_of_a_case_event_are_masked_member_by_member_and_an_unknown_member_is_masked_too()
    {
        var question = ContentPurge.MaskWebhookBody("""{"type":"case.info_requested","data":{"caseId":"c","externalId":"x-1","status":"awaiting_info","queue":"finance","details":{"question":"Is Jane Roe the card holder?"}}}""");
        Assert.Equal(ContentPurge.Marker, Data(question).GetProperty("details").GetProperty("question").GetString());
        Assert.Equal("x-1", Data(question).GetProperty("externalId").GetString());
        Assert.Equal("finance", Data(question).GetProperty("queue").GetString());

        var breach = """{"type":"case.sla_breached","data":{"caseId":"c","externalId":"x-1","status":"queued","queue":"finance","details":{"slaDueAt":"2026-03-02T09:00:00+00:00","priority":"high"}}}""";
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(breach), System.Text.Json.Nodes.JsonNode.Parse(ContentPurge.MaskWebhookBody(breach))));

        var unknown = Data(ContentPurge.MaskWebhookBody("""{"type":"case.future","data":{"caseId":"c","summary":"Jane Roe's refund","score":0.4}}"""));
        Assert.Equal(ContentPurge.Marker, unknown.GetProperty("summary").GetString());
        Assert.False(unknown.TryGetProperty("score", out _));
    }

    [Fact]
    public void A_body_that_is_not_an_event_loses_its_data_entirely()
    {
        Assert.Equal("""{"data":null}""", ContentPurge.MaskWebhookBody("not json: Jane Roe"));
        Assert.Equal(ContentPurge.Marker, Data(ContentPurge.MaskWebhookBody("""{"type":"t","data":"Jane Roe"}""")).GetString());
    }

    [Fact]
    public void The_trace_keeps_its_rules_and_values_but_the_request_text_as_sent_and_folded_the_requester_id_and_what_the_parameters_say()
    {
        RuleTrace[] trace =
        [
            new("access_admin_words", false, [new("workflow", "support.refund")]),
            new("admin_words", true, [new("request.text", "make Jane Roe an admin"), new("requester.id", "jane.roe@example.com"), new("amount", "120"),
                new("action.parameters_text", "user jane roe example com role admin"), new("request.text_plain", "make jane roe an admin")]),
            new("unknown_requester", false, [new("requester.id", "missing")]),
        ];
        var masked = ContentPurge.Mask(trace);

        Assert.Same(trace[0], masked[0]);
        Assert.Equal(["[purged]", "[purged]", "120", "[purged]", "[purged]"], masked[1].Values.Select(v => v.Value));
        Assert.True(masked[1].Fired);
        Assert.Equal("missing", masked[2].Values[0].Value); // nothing was there to remove
    }
}
