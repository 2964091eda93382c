using System.Text.Json.Nodes;
using Workbench.Web.Learning;

namespace Workbench.Web.Tests.Learning;

/// <summary>Masking by value: what is masked at a path is masked wherever it recurs in the exported line.</summary>
public class EvalMaskingTests
{
    [Fact]
    public void A_masked_value_is_masked_in_free_text_traces_and_output_too()
    {
        var line = JsonNode.Parse("""
            {
              "input": {
                "request": "Refund order A-88121 please, order A-88121 arrived broken",
                "requester": { "id": "cust-4471", "orderId": "A-88121" },
                "toolTrace": [ { "tool": "orders.get", "input": { "order": "A-88121" }, "output": "order A-88121 for cust-4471: 2 items" } ],
                "evidence": [ { "snippet": "no" } ]
              },
              "output": { "responseText": "We refunded A-88121.", "actionParameters": { "order": 88121 } }
            }
            """)!;
        var values = new HashSet<string>(StringComparer.Ordinal);
        EvalExport.CollectAt(line["input"], "requester.orderId", values);
        EvalExport.CollectAt(line["input"], "requester.id", values);
        EvalExport.CollectAt(line["input"], "evidence.snippet", values);

        EvalExport.MaskValues(line, values);

        var text = line.ToJsonString();
        Assert.DoesNotContain("A-88121", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cust-4471", text, StringComparison.Ordinal);
        Assert.Equal("Refund order *** please, order *** arrived broken", line["input"]!["request"]!.GetValue<string>());
        Assert.Equal("order *** for ***: 2 items", line["input"]!["toolTrace"]![0]!["output"]!.GetValue<string>());
        // A value shorter than three characters is masked at its path only: "no" recurs in words by chance.
        Assert.Equal(["A-88121", "cust-4471"], values.Order(StringComparer.Ordinal));
        // The number 88121 is not the masked text "A-88121": it stays.
        Assert.Equal(88121, line["output"]!["actionParameters"]!["order"]!.GetValue<int>());
    }
}
