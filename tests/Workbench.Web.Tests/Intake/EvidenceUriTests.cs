using System.Net;
using System.Text;
using System.Text.Json;
using Bunit;
using Workbench.Contracts;
using Workbench.Web.Components.Pages.Cases;
using Workbench.Web.Review;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Intake;

/// <summary>Evidence URLs with script-bearing schemes: refused at intake, and never a link even if one is stored.</summary>
public sealed class EvidenceUriTests : ComponentTest
{
    public static TheoryData<string> Hostile => new()
    {
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "java\tscript:alert(1)",
        "file:///etc/passwd",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_stored_hostile_uri_renders_as_inert_text(string uri)
    {
        var submission = Samples.Submission(Samples.Queues) with
        {
            Evidence = [new EvidenceItem { Id = "e1", Title = "Looks official", Uri = uri, Authority = EvidenceAuthority.Authoritative }],
            Claims = [],
        };
        var now = DateTimeOffset.UtcNow;
        var record = TestCases.FullRecord(Guid.NewGuid(), now);
        record.SubmissionJson = JsonSerializer.Serialize(submission, WorkbenchJson.Options);
        var detail = new CaseDetail(record, submission, record.Evaluation, [], [], []);
        var cut = Render<EvidenceTab>(p => p.Add(x => x.Detail, detail).Add(x => x.Now, now));

        foreach (var a in cut.FindAll("a"))
        {
            var href = a.GetAttribute("href") ?? "";
            Assert.True(href.StartsWith("https://", StringComparison.Ordinal) || href.StartsWith("http://", StringComparison.Ordinal) ||
                        href.StartsWith('#') || href.Length == 0, $"a link to {href}");
        }
        Assert.DoesNotContain("href=\"javascript", cut.Markup, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"data:", cut.Markup, StringComparison.OrdinalIgnoreCase);
        Assert.Single(cut.FindAll(".wb-inert-link"));
    }
}

public sealed class EvidenceUriIntakeTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    public static TheoryData<string> Hostile => EvidenceUriTests.Hostile;

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Intake_refuses_the_uri_with_its_json_path(string uri)
    {
        var before = await app.RowCountsAsync();
        var json = Samples.Json(Samples.Queues);
        json["evidence"]![0]!["uri"] = uri;
        var response = await app.ApiClient().PostAsync("/api/v1/cases", new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.evidence[0].uri", out _));
        Assert.Equal(before, await app.RowCountsAsync());
    }
}
