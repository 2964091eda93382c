using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Policy;

/// <summary>The trace's JSON, written directly, is what the serializer with the product's options writes, byte for byte.</summary>
public class PolicyTraceJsonTests
{
    public static TheoryData<string> Requests => new()
    {
        "Refund order A-1",
        "Refund \"now\" <script>alert('x')</script> & co \\ path",
        "Erstattung für Bestellung Ä-1 — 退款 😀, tab\tand newline\n, nul\u0000, line separator\u2028",
        "",
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void The_trace_of_a_real_evaluation_is_written_as_the_serializer_writes_it(string request)
    {
        var submission = new CaseSubmission
        {
            ExternalId = "r-1",
            Workflow = "support.refund",
            TaskType = "refund",
            Requester = new Requester("cust-9", "customer", true),
            Request = request,
            Proposal = new Proposal(
                new ResponseProposal("Done.", new Dictionary<string, string> { ["order_id"] = "A-1" }),
                new ActionProposal("refunds.issue", new Dictionary<string, JsonElement> { ["amount"] = JsonDocument.Parse("640").RootElement }, true)),
            Evidence = [new EvidenceItem { Id = "p1", Title = "Refund policy", Uri = "https://policies.northwind.example/refunds", Authority = EvidenceAuthority.Authoritative, Topic = "refunds", Version = "v1", PublishedAt = TestPolicies.Now.AddDays(-10) }],
            Claims = [new Claim("Refunds are allowed", ["p1"])],
        };
        var trace = TestPolicies.Default.Evaluate(submission, Guid.NewGuid(), TestPolicies.Now).Trace;
        Assert.NotEmpty(trace);

        Assert.Equal(JsonSerializer.Serialize(trace, WorkbenchJson.Options), PolicyTraceJson.Write(trace));
    }

    [Fact]
    public void Values_that_need_escaping_and_an_empty_trace_are_written_as_the_serializer_writes_them()
    {
        IReadOnlyList<RuleTrace> trace =
        [
            new("r\"1", true, [new TracedValue("signals.note", "<b>\"quoted\"</b> & 'single' \\ \u001f \ud83d\ude00 é"), new TracedValue("amount", "6000.00")]),
            new("r2", false, []),
        ];
        Assert.Equal(JsonSerializer.Serialize(trace, WorkbenchJson.Options), PolicyTraceJson.Write(trace));
        Assert.Equal(JsonSerializer.Serialize(Array.Empty<RuleTrace>(), WorkbenchJson.Options), PolicyTraceJson.Write([]));
    }
}
