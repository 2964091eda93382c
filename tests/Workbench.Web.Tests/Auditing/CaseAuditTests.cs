using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Web.Auditing;

namespace Workbench.Web.Tests.Auditing;

/// <summary>Case reconstruction (page and JSON export), the scheduled verification, and sealing pre-chain events.</summary>
public sealed class CaseAuditTests : IAsyncLifetime
{
    private WorkbenchFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new WorkbenchFactory { Settings = { ["Audit:Verification:Enabled"] = "false" } };
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_lead_exports_the_reconstruction_of_a_case_with_its_chain_check()
    {
        var id = await _app.RejectedCaseAsync();
        var lena = await _app.SignedInAs("lena");

        var response = await lena.GetAsync($"/api/v1/cases/{id}/audit");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var x = (await response.Content.ReadFromJsonAsync<CaseAuditExport>(WorkbenchJson.Options))!;
        Assert.Equal(id, x.CaseId);
        Assert.False(string.IsNullOrEmpty(x.Request));
        Assert.NotEmpty(x.Evidence);
        Assert.Contains("MULTI_POLICY_CONFLICT", x.Policy!.ReasonCodes);
        Assert.Contains(x.Policy.Trace, t => t.Fired);
        var human = x.HumanActions.Single();
        Assert.Equal(("rita", ReviewActionKind.Reject, "Sources disagree."), (human.Reviewer, human.Action, human.Note));
        Assert.Equal(DecisionKind.Rejected, x.FinalDecision!.Decision);
        Assert.NotNull(x.Versions.Model);
        Assert.Equal(["case.submitted", "case.claimed", "case.decided"], x.Events.Select(e => e.Type));
        Assert.True(x.ChainIntact);
        Assert.All(x.Events, e => Assert.True(e.ChainIntact, e.Problem));
        Assert.Equal("reject", x.Events[^1].ReviewerAction);
        Assert.Equal("rejected", x.Events[^1].FinalDecision);
    }

    [Fact]
    public async Task The_case_check_names_a_changed_event_of_the_case()
    {
        var id = await _app.RejectedCaseAsync();
        await _app.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync(AuditAppendOnlySql.Sqlite.Down);
            return await db.Database.ExecuteSqlRawAsync("UPDATE audit_events SET \"DataJson\" = '[]' WHERE \"Type\" = 'case.claimed'");
        });
        var lena = await _app.SignedInAs("lena");

        var x = (await (await lena.GetAsync($"/api/v1/cases/{id}/audit")).Content.ReadFromJsonAsync<CaseAuditExport>(WorkbenchJson.Options))!;

        Assert.False(x.ChainIntact);
        Assert.Equal(["case.claimed"], x.Events.Where(e => !e.ChainIntact).Select(e => e.Type));
    }

    [Fact]
    public async Task The_export_is_for_leads_and_admins_only()
    {
        var id = await _app.RejectedCaseAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await (await _app.SignedInAs("rita")).GetAsync($"/api/v1/cases/{id}/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.ApiClient().GetAsync($"/api/v1/cases/{id}/audit")).StatusCode);
        var missing = await (await _app.SignedInAs("adam")).GetAsync($"/api/v1/cases/{Guid.NewGuid()}/audit");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await (await _app.SignedInAs("adam")).GetAsync($"/api/v1/cases/{id}/audit")).StatusCode);
    }

    [Fact]
    public async Task The_reconstruction_page_shows_the_case_to_reviewers_of_its_queue_only()
    {
        var id = await _app.RejectedCaseAsync();

        var rita = await (await _app.SignedInAs("rita")).GetStringAsync($"/cases/{id}/audit"); // policy-legal
        var felix = await (await _app.SignedInAs("felix")).GetStringAsync($"/cases/{id}/audit"); // finance

        Assert.Contains("What was asked", rita);
        Assert.Contains("Sources disagree.", rita);
        Assert.Contains("Case not found", felix);
        Assert.DoesNotContain("What was asked", felix);
    }

    [Fact]
    public async Task The_reconstruction_page_lists_the_internal_notes_with_author_mentions_and_inert_text()
    {
        var id = await _app.RejectedCaseAsync();
        var rita = await _app.SignedInAs("rita");
        using var posted = await rita.PostAsync($"/api/v1/review/cases/{id}/notes", new StringContent(
            """{"text":"@lena see <script>alert(1)</script> before the refund"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);

        var page = await (await _app.SignedInAs("lena")).GetStringAsync($"/cases/{id}/audit");

        var start = page.IndexOf("data-testid=\"audit-notes\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "no notes section on the page");
        var section = page[start..page.IndexOf("</section>", start, StringComparison.Ordinal)];
        Assert.Contains("8 · Internal notes (1)", section);
        Assert.Contains("<td>rita</td>", section);
        Assert.Contains("<td>@lena</td>", section);
        Assert.Contains("@lena see &lt;script&gt;alert(1)&lt;/script&gt; before the refund", section);
        Assert.DoesNotContain("<script>alert", page);
    }

    [Fact]
    public async Task The_reconstruction_page_shows_what_the_ai_systems_ids_and_versions_hide_in_brackets()
    {
        var body = Samples.Json(Samples.Queues, "ord\u202E-" + Guid.NewGuid().ToString("N")[..8]);
        body["evidence"]![0]!["version"] = "r1\u200B4";
        body["toolTrace"]![0]!["tool"] = "crm.look\u202Eup";
        body["provenance"]!["model"] = "gpt\u2060-4o";
        using var submitted = await _app.ApiClient().PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var id = (await submitted.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!.Id;

        var page = WebUtility.HtmlDecode(await (await _app.SignedInAs("lena")).GetStringAsync($"/cases/{id}/audit"));

        Assert.Contains("Audit of ord⟦U+202E⟧-", page);
        Assert.Contains("version r1⟦U+200B⟧4", page);
        Assert.Contains("crm.look⟦U+202E⟧up", page);
        Assert.Contains("gpt⟦U+2060⟧-4o", page);
        Assert.DoesNotContain('\u202E', page);
        Assert.DoesNotContain('\u200B', page);
        Assert.DoesNotContain('\u2060', page);
    }

    [Fact]
    public async Task Only_an_admin_verifies_the_chain()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await (await _app.SignedInAs("lena")).GetAsync("/api/v1/audit/verify")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.ApiClient().GetAsync("/api/v1/audit/verify")).StatusCode);
    }

    [Fact]
    public async Task Events_written_before_the_chain_are_sealed_once_at_start_up()
    {
        // What an upgraded database looks like after the migration: events with a provisional place and no hash.
        await _app.WithDbAsync(async db =>
        {
            foreach (var (id, actor) in new[] { (11L, "a"), (12L, "b"), (15L, "c") })
            {
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO audit_events (Id, Sequence, PrevHash, Hash, Type, Actor, ActorRole, At, DataJson) VALUES ({id}, {id}, '', '', 'case.submitted', {actor}, 'client', 638000000000000000, '{{}}')");
            }
            return 0;
        });

        var sealedCount = await _app.WithDbAsync(db => AuditChain.SealUnchainedAsync(db));
        var report = await _app.WithDbAsync(db => AuditChain.VerifyAsync(db));

        Assert.Equal(3, sealedCount);
        Assert.True(report.Intact, report.Break?.Message);
        Assert.Equal(3, report.EventsChecked);
        // Sealed rows are final: the trigger refuses a second change.
        await Assert.ThrowsAnyAsync<Exception>(() => _app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("UPDATE audit_events SET \"Actor\" = 'x'")));
    }
}

public sealed class ScheduledVerificationTests
{
    [Fact]
    public async Task The_scheduled_verification_records_its_result_for_the_board()
    {
        await using var app = new WorkbenchFactory
        {
            Settings = { ["Audit:Verification:FirstRunAfter"] = "00:00:00", ["Audit:Verification:Interval"] = "00:00:01" },
        };
        await app.SubmitSampleAsync(Samples.Queues);
        var verifier = app.Services.GetRequiredService<AuditVerifier>();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        Data.Entities.AuditVerificationRecord? latest = null;
        while (DateTime.UtcNow < deadline && (latest = await verifier.LatestAsync()) is not { EventsChecked: > 0 })
        {
            await Task.Delay(100);
        }

        Assert.NotNull(latest);
        Assert.Equal(AuditVerifier.Scheduled, latest.RequestedBy);
        Assert.True(latest.Intact);
        Assert.True(latest.EventsChecked >= 1);
    }
}
