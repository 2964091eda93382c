using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Benchmarks;

/// <summary>A realistic support refund: 8 evidence items, 6 claims, 10 tool steps; 120.50 unless another amount is given.</summary>
public static class SampleCase
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static CaseSubmission Create(decimal amount = 120.5m)
    {
        var evidence = new List<EvidenceItem>();
        string[] topics = ["refund-policy", "shipping", "warranty", "refund-policy", "returns", "payments", "warranty", "returns"];
        for (var i = 0; i < 8; i++)
        {
            evidence.Add(new EvidenceItem
            {
                Id = $"e{i + 1}",
                Title = $"Document {i + 1}",
                Uri = $"https://kb.northwind.example/doc/{i + 1}",
                Snippet = "Broken items are refunded in full within 30 days of delivery.",
                Authority = i % 3 == 2 ? EvidenceAuthority.Secondary : EvidenceAuthority.Authoritative,
                Version = "2026-09",
                PublishedAt = Now.AddDays(-10 - (i * 7)),
                Score = 0.9 - (i * 0.05),
                Topic = topics[i],
            });
        }
        var claims = new List<Claim>();
        for (var i = 0; i < 6; i++)
        {
            claims.Add(new Claim($"Claim {i + 1}", [$"e{(i % 8) + 1}", $"e{((i + 3) % 8) + 1}"]));
        }
        var tools = new List<ToolStep>();
        string[] names = ["crm.lookup", "orders.get", "orders.get", "payments.get", "fraud.check", "refunds.quote", "policy.search", "kb.search", "refunds.prepare", "notify.draft"];
        for (var i = 0; i < 10; i++)
        {
            tools.Add(new ToolStep { Step = i + 1, Tool = names[i], Status = i == 1 ? ToolStepStatus.Failed : ToolStepStatus.Succeeded, DurationMs = 120 });
        }
        using var parameters = JsonDocument.Parse($$"""{"order_id":"A-1001","amount":{{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""");
        return new CaseSubmission
        {
            ExternalId = "bench-1",
            Workflow = "support.refund",
            TaskType = "refund",
            Requester = new Requester("cust-7", "customer", true),
            Request = "Hello, my order A-1001 arrived broken. Could you refund it please? Thanks, Ana.",
            Proposal = new Proposal(
                new ResponseProposal("Your refund for {{order_id}} is on its way.", new Dictionary<string, string> { ["order_id"] = "A-1001" }),
                new ActionProposal("refunds.issue", parameters.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()), true)),
            Evidence = evidence,
            Claims = claims,
            ToolTrace = tools,
            Signals = new Dictionary<string, SignalValue> { ["intent_ambiguity"] = 0.1, ["model_confidence"] = 0.82 },
        };
    }
}
