using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Learning;
using Workbench.Core.Policy;
using Workbench.Web.Cases;
using Workbench.Web.Policies;

namespace Workbench.Web.Tests.Policies;

/// <summary>The policy lifecycle against the real app on a real SQLite file: simulate, publish, roll back, switch over.</summary>
public sealed class PolicyLifecycleTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();

    private static readonly string DefaultYaml = File.ReadAllText(Path.Combine(Processes.RepositoryRoot(), "assets", "policies", "default.yaml"));

    /// <summary>The e2e journey's change: finance approves executions above 100 instead of 500.</summary>
    private static string LowerFinanceThreshold(string version) =>
        PolicyService.WithVersion(DefaultYaml.Replace("when: signals.amount > 500\n", "when: signals.amount > 100\n", StringComparison.Ordinal), version);

    public Task InitializeAsync()
    {
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    [Fact]
    public async Task Simulation_of_10000_stored_cases_equals_evaluating_each_case_alone()
    {
        var active = _app.Services.GetRequiredService<ActivePolicy>().Policy;
        var now = DateTimeOffset.UtcNow;
        await CaseSeeder.SeedAsync(_app.DatabasePath, active, 10_000, now, TimeSpan.FromDays(30));
        var draft = PolicyLoader.Load(LowerFinanceThreshold("sim-1")).Policy!;

        var run = await _app.Services.GetRequiredService<PolicySimulator>().RunAsync(draft, now.AddDays(-31), now.AddMinutes(1), CancellationToken.None);

        // One by one, sequentially, straight from the rows.
        var rows = await _app.WithDbAsync(db => db.Cases.AsNoTracking().Select(c => new { c.Id, c.SubmissionJson, c.CreatedAt, c.ClientId }).ToListAsync());
        var alone = new SimulationAccumulator(int.MaxValue);
        var changed = new HashSet<Guid>();
        foreach (var row in rows)
        {
            var submission = JsonSerializer.Deserialize<CaseSubmission>(row.SubmissionJson, WorkbenchJson.Options)!;
            var result = PolicySimulation.Evaluate(active, draft, new SimulationCase(row.Id, submission, row.CreatedAt, row.ClientId));
            alone.Add(result);
            if (result.Changed)
            {
                changed.Add(row.Id);
            }
        }
        var expected = alone.Result(new SimulationCosts(run.DefaultHandleTime, run.CostPerHour, run.HandleTimes));
        var actual = run.Result;

        Assert.Equal(10_000, actual.Cases);
        Assert.Equal(0, run.Unreadable);
        Assert.True(actual.Changed > 100, $"the lower threshold should move many cases, moved {actual.Changed}");
        Assert.Equal(expected.Changed, actual.Changed);
        Assert.Equal(expected.PathChanges.OrderBy(p => p.Key.ToString()), actual.PathChanges.OrderBy(p => p.Key.ToString()));
        Assert.Equal(expected.Rules, actual.Rules);
        Assert.Equal(expected.Queues, actual.Queues);
        Assert.Contains(actual.Rules, r => r.RuleId == "high-value-transaction" && r.Started > 0 && r.Stopped == 0);
        Assert.Single(actual.Rules); // the four-eyes rule above 5000 is untouched
        Assert.Equal(Math.Min(SimulationAccumulator.DefaultListLimit, expected.Changed), actual.ChangedCases.Count);
        Assert.All(actual.ChangedCases, c => Assert.Contains(c.Id, changed));
    }

    [Fact]
    public async Task Simulating_the_policy_in_force_changes_nothing()
    {
        var active = _app.Services.GetRequiredService<ActivePolicy>().Policy;
        var now = DateTimeOffset.UtcNow;
        await CaseSeeder.SeedAsync(_app.DatabasePath, active, 500, now, TimeSpan.FromDays(2));

        var run = await _app.Services.GetRequiredService<PolicySimulator>().RunAsync(active, now.AddDays(-1), now.AddMinutes(1), CancellationToken.None);

        Assert.InRange(run.Result.Cases, 100, 400); // only the last day of two
        Assert.Equal(0, run.Result.Changed);
        Assert.Empty(run.Result.Rules);
        Assert.All(run.Result.Queues, q => Assert.Equal(q.Before, q.After));
    }

    [Fact]
    public async Task Publish_on_one_instance_is_in_force_on_another_without_a_restart()
    {
        await using var b = new WorkbenchFactory { Settings = { ["ConnectionStrings:Workbench"] = $"Data Source={_app.DatabasePath}" } };
        var policyB = b.Services.GetRequiredService<ActivePolicy>();
        var before = policyB.Version;
        using var lena = await _app.SignedInAs("lena");

        using var response = await lena.PostAsync("/api/v1/policies", Json(new { yaml = LowerFinanceThreshold("2026.11.2"), reason = "Finance wants to see refunds above 100" }));
        var published = Stopwatch.StartNew();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("2026.11.2", _app.Services.GetRequiredService<ActivePolicy>().Version); // at once here
        while (policyB.Version == before && published.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }
        // How fast is the refresh interval's business, not a timed assertion (on a loaded machine it is not a second).
        Assert.True(policyB.Version == "2026.11.2", $"instance B still on {policyB.Version} after {published.Elapsed.TotalMilliseconds:N0} ms");

        // A refund of 300 submitted to B now waits for finance (below the old threshold of 500).
        var body = Samples.Json("009-");
        body["proposal"]!["action"]!["parameters"]!["amount"] = 300;
        body["signals"]!["amount"] = 300;
        using var submitted = await b.ApiClient().PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var receipt = (await submitted.Content.ReadFromJsonAsync<Workbench.Contracts.CaseReceipt>(WorkbenchJson.Options))!;
        var stored = await b.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == receipt.Id));
        Assert.True(stored.Queue == "finance", $"queue {stored.Queue}, reasons{stored.ReasonCodes}, {stored.ReleaseOutcome}/{stored.ExecuteOutcome}");
        Assert.Contains(" HIGH_VALUE_TRANSACTION ", stored.ReasonCodes, StringComparison.Ordinal);
        Assert.Equal("2026.11.2", stored.PolicyVersion);
    }

    [Fact]
    public async Task A_draft_that_fails_validation_or_a_scenario_or_has_no_reason_is_refused_and_nothing_is_written()
    {
        using var lena = await _app.SignedInAs("lena");
        var counts = await Counts();
        var version = _app.Services.GetRequiredService<ActivePolicy>().Version;

        // 1. Does not compile: the error names line and column.
        var broken = PolicyService.WithVersion(DefaultYaml.Replace("when: signals.amount > 500\n", "when: signals.amount >\n", StringComparison.Ordinal), "x-1");
        using (var r = await lena.PostAsync("/api/v1/policies", Json(new { yaml = broken, reason = "try" })))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
            var problem = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("urn:workbench:problem:policy-refused", problem.GetProperty("type").GetString());
            var error = problem.GetProperty("errors")[0];
            var line = DefaultYaml.Split('\n').ToList().FindIndex(l => l.TrimEnd() == "    when: signals.amount > 500") + 1;
            Assert.Equal(line, error.GetProperty("line").GetInt32());
            Assert.True(error.GetProperty("column").GetInt32() > 1);
        }

        // 2. Compiles but breaks a guardrail scenario: above 5000 now needs one approval only.
        var loose = PolicyService.WithVersion(DefaultYaml.Replace("priority: high, approvals: 2 }", "priority: high }", StringComparison.Ordinal), "x-2");
        Assert.NotNull(PolicyLoader.Load(loose).Policy);
        using (var r = await lena.PostAsync("/api/v1/policies", Json(new { yaml = loose, reason = "try" })))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
            var body = await r.Content.ReadAsStringAsync();
            Assert.Contains("a refund above 5000 needs two finance approvals", body, StringComparison.Ordinal);
        }

        // 3. Valid, but no reason; 4. valid, but the version name is taken.
        using (var r = await lena.PostAsync("/api/v1/policies", Json(new { yaml = LowerFinanceThreshold("x-3"), reason = "  " })))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        }
        using (var r = await lena.PostAsync("/api/v1/policies", Json(new { yaml = LowerFinanceThreshold(version), reason = "same name" })))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
            Assert.Contains("already published", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(counts, await Counts());
        Assert.Equal(version, _app.Services.GetRequiredService<ActivePolicy>().Version);
    }

    [Fact]
    public async Task The_check_endpoint_reports_errors_with_line_and_column_and_each_scenario()
    {
        using var lena = await _app.SignedInAs("lena");
        using var ok = await lena.PostAsync("/api/v1/policies/check", Json(new { yaml = DefaultYaml }));
        var view = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        Assert.True(view.GetProperty("publishable").GetBoolean());
        Assert.Equal(5, view.GetProperty("scenarios").GetArrayLength());

        using var bad = await lena.PostAsync("/api/v1/policies/check", Json(new { yaml = "version: \"1\"\nqueues: {}\nworkflows: {}\nrules:\n  - id: r\n    when: signals.nope > 1\n    then: { outcome: handoff }\n" }));
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Contains(errors.EnumerateArray(), e => e.GetProperty("line").GetInt32() == 6 && e.GetProperty("message").GetString()!.Contains("nope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_and_rollback_keep_the_history_and_write_audit_events()
    {
        var service = _app.Services.GetRequiredService<PolicyService>();
        var first = (await service.HistoryAsync(CancellationToken.None)).Single();

        var published = await service.PublishAsync(LowerFinanceThreshold("2026.11.2"), "Lower the finance threshold", "lena", "Lead", CancellationToken.None);
        Assert.True(published.Succeeded, published.Refusal);
        var rolledBack = await service.RollbackAsync(first.Id, "Finance is overloaded", "lena", "Lead", CancellationToken.None);
        Assert.True(rolledBack.Succeeded, rolledBack.Refusal);

        var history = await service.HistoryAsync(CancellationToken.None);
        Assert.Equal(["2026.12.1-rollback.1", "2026.11.2", "2026.12.1"], history.Select(h => h.Version));
        Assert.Single(history, h => h.IsActive);
        Assert.True(history[0].IsActive);
        var active = _app.Services.GetRequiredService<ActivePolicy>();
        Assert.Equal("2026.12.1-rollback.1", active.Version);
        Assert.Contains(active.Policy.Rules, r => r.Id == "high-value-transaction" && r.When == "signals.amount > 500");

        var audit = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Type.StartsWith("policy.")).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(["policy.published", "policy.rolled_back"], audit.Select(e => e.Type));
        Assert.All(audit, e => Assert.Equal("lena", e.Actor));
        Assert.Contains("Finance is overloaded", audit[1].DataJson, StringComparison.Ordinal);
        Assert.Contains("\"rolledBackTo\":\"2026.12.1\"", audit[1].DataJson, StringComparison.Ordinal);

        // Rolling back to the version in force is refused.
        var again = await service.RollbackAsync(history[0].Id, "noop", "lena", "Lead", CancellationToken.None);
        Assert.False(again.Succeeded);
    }

    [Fact]
    public async Task A_rollback_to_a_version_that_fails_a_scenario_test_every_publish_passes_is_refused_and_nothing_is_written()
    {
        // A version stored before the four-eyes guardrail existed: above 5000, one finance approval. Publishing it now is
        // refused; rolling back to it must be too, or a rollback would put the hole the guardrail closes back in force.
        var loose = PolicyService.WithVersion(DefaultYaml.Replace("priority: high, approvals: 2 }", "priority: high }", StringComparison.Ordinal), "2026.10.1");
        Assert.NotEqual(PolicyService.WithVersion(DefaultYaml, "2026.10.1"), loose);
        var older = await _app.WithDbAsync(async db =>
        {
            var record = new Workbench.Data.Entities.PolicyVersionRecord
            {
                Version = "2026.10.1", Yaml = loose, PublishedBy = "lena", Reason = "October", PublishedAt = DateTimeOffset.UtcNow.AddMonths(-2),
            };
            db.PolicyVersions.Add(record);
            await db.SaveChangesAsync();
            return record.Id;
        });
        var counts = await Counts();
        var version = _app.Services.GetRequiredService<ActivePolicy>().Version;
        using var lena = await _app.SignedInAs("lena");

        using var response = await lena.PostAsync($"/api/v1/policies/{older}/rollback", Json(new { reason = "The new version misroutes refunds" }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("urn:workbench:problem:policy-refused", problem.GetProperty("type").GetString());
        Assert.Contains("Version 2026.10.1 fails", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(problem.GetProperty("failed_scenarios").EnumerateArray(),
            f => f.GetProperty("name").GetString()!.Contains("a refund above 5000 needs two finance approvals", StringComparison.Ordinal));
        Assert.Equal(counts, await Counts());
        Assert.Equal(version, _app.Services.GetRequiredService<ActivePolicy>().Version);

        // The same version with the guardrail kept rolls back as before.
        var kept = await _app.WithDbAsync(async db =>
        {
            var record = new Workbench.Data.Entities.PolicyVersionRecord
            {
                Version = "2026.10.2", Yaml = PolicyService.WithVersion(DefaultYaml, "2026.10.2"), PublishedBy = "lena", Reason = "October",
                PublishedAt = DateTimeOffset.UtcNow.AddMonths(-1),
            };
            db.PolicyVersions.Add(record);
            await db.SaveChangesAsync();
            return record.Id;
        });
        using var allowed = await lena.PostAsync($"/api/v1/policies/{kept}/rollback", Json(new { reason = "The new version misroutes refunds" }));
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        Assert.Equal("2026.10.2-rollback.1", _app.Services.GetRequiredService<ActivePolicy>().Version);
    }

    [Fact]
    public async Task A_case_is_explained_by_the_version_it_was_decided_under_after_a_newer_one_is_published()
    {
        var first = _app.Services.GetRequiredService<ActivePolicy>().Version;
        var body = Samples.Json("009-");
        using var submitted = await _app.ApiClient().PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var receipt = (await submitted.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;
        var published = await _app.Services.GetRequiredService<PolicyService>().PublishAsync(LowerFinanceThreshold("2026.12.7"), "Lower the finance threshold", "lena", "Lead", CancellationToken.None);
        Assert.True(published.Succeeded, published.Refusal);

        var detail = await _app.Services.GetRequiredService<Workbench.Web.Review.CaseDetails>()
            .LoadAsync(receipt.Id, new Workbench.Web.Auth.ReviewerIdentity("lena", true, null));

        Assert.Equal(first, detail!.Case.PolicyVersion);
        Assert.Equal(first, detail.DecidedUnder!.Version);
        Assert.Contains(detail.DecidedUnder.Rules, r => r.Id == "high-value-transaction" && r.When == "signals.amount > 500");
        var decided = _app.Services.GetRequiredService<DecidedPolicies>();
        Assert.Equal("2026.12.7", (await decided.ForVersionAsync("2026.12.7"))!.Version);
        Assert.Null(await decided.ForVersionAsync("never-published"));
    }

    [Fact]
    public async Task A_case_s_audit_page_names_its_reasons_as_the_version_that_gave_them_did()
    {
        var body = Samples.Json("009-");
        using var submitted = await _app.ApiClient().PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var receipt = (await submitted.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;
        Assert.Contains("IRREVERSIBLE_ACTION", receipt.ReasonCodes);
        var retitledYaml = DefaultYaml.Replace("title: Irreversible action\n", "title: Cannot be undone\n", StringComparison.Ordinal);
        Assert.NotEqual(DefaultYaml, retitledYaml);
        var retitled = PolicyService.WithVersion(retitledYaml, "2026.12.8");
        var published = await _app.Services.GetRequiredService<PolicyService>().PublishAsync(retitled, "Plainer reason titles", "lena", "Lead", CancellationToken.None);
        Assert.True(published.Succeeded, published.Refusal);

        using var lena = await _app.SignedInAs("lena");
        var page = await lena.GetStringAsync($"/cases/{receipt.Id}/audit");

        Assert.Contains(">Irreversible action<", page);
        Assert.DoesNotContain("Cannot be undone", page);
    }

    [Fact]
    public async Task Trusting_every_system_on_sign_in_changes_an_untrusted_systems_cases_in_the_simulation_and_the_publish_records_it()
    {
        // The SSO answer, its requester "authenticated", from a public web widget and from the demo agent.
        var created = await _app.Services.GetRequiredService<Workbench.Web.Admin.AccessAdmin>()
            .CreateApiKeyAsync(new Workbench.Web.Admin.CreateApiKeyRequest("public-web-widget", "Public web widget", ["cases:submit", "cases:read"]), "test");
        var widgetKey = Assert.IsType<Workbench.Web.Http.AdminResult<Workbench.Web.Admin.ApiKeySecret>.Ok>(created).Value.ApiKey;
        async Task<CaseReceipt> SubmitAsync(string key)
        {
            using var api = _app.ApiClient();
            api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var response = await api.PostAsync("/api/v1/cases", new StringContent(Samples.Json("001-").ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;
        }
        var fromWidget = await SubmitAsync(widgetKey);
        var fromAgent = await SubmitAsync(Samples.DemoKey);
        Assert.Equal(PathOutcome.Clarify, fromWidget.Outcome.Release);
        Assert.Contains("IDENTITY_UNVERIFIED", fromWidget.ReasonCodes);
        Assert.DoesNotContain("IDENTITY_UNVERIFIED", fromAgent.ReasonCodes);
        // The case keeps how the policy counted the requester; the submission keeps what the widget said.
        var stored = await _app.WithDbAsync(db => db.Cases.AsNoTracking().Where(c => c.Id == fromWidget.Id || c.Id == fromAgent.Id)
            .ToDictionaryAsync(c => c.Id, c => c.RequesterAuthenticated));
        Assert.False(stored[fromWidget.Id]);
        Assert.True(stored[fromAgent.Id]);

        // The audit export says both: what the widget said and how the policy counted it.
        using (var lena = await _app.SignedInAs("lena"))
        {
            var export = JsonDocument.Parse(await lena.GetStringAsync($"/api/v1/cases/{fromWidget.Id}/audit")).RootElement;
            Assert.True(export.GetProperty("requester").GetProperty("authenticated").GetBoolean());
            Assert.False(export.GetProperty("requesterAuthenticatedByPolicy").GetBoolean());
        }

        var everyone = PolicyService.WithVersion(DefaultYaml.Replace("authenticated_requesters_from:\n  - demo-agent\n  - demo-agent-2\n", "", StringComparison.Ordinal), "2026.12.8");
        Assert.NotEqual(PolicyService.WithVersion(DefaultYaml, "2026.12.8"), everyone);
        var now = DateTimeOffset.UtcNow;
        var run = await _app.Services.GetRequiredService<PolicySimulator>().RunAsync(PolicyLoader.Load(everyone).Policy!, now.AddHours(-1), now.AddMinutes(1), CancellationToken.None);
        Assert.Contains(run.Result.ChangedCases, c => c.Id == fromWidget.Id);
        Assert.DoesNotContain(run.Result.ChangedCases, c => c.Id == fromAgent.Id);

        var service = _app.Services.GetRequiredService<PolicyService>();
        var initial = (await service.HistoryAsync(CancellationToken.None)).Single();
        var published = await service.PublishAsync(everyone, "Trust every system on sign-in", "lena", "Lead", CancellationToken.None);
        Assert.True(published.Succeeded, published.Refusal);
        var audit = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Type == "policy.published"));
        var trust = JsonDocument.Parse(audit.DataJson).RootElement.GetProperty("signInTrust");
        Assert.Equal(["demo-agent", "demo-agent-2"], trust.GetProperty("from").EnumerateArray().Select(e => e.GetString()));
        Assert.False(trust.GetProperty("fromEverySystem").GetBoolean());
        Assert.Empty(trust.GetProperty("to").EnumerateArray());
        Assert.True(trust.GetProperty("toEverySystem").GetBoolean());
        Assert.True(trust.GetProperty("widens").GetBoolean());
        // Rolling back to the initial version would narrow it again.
        var back = await service.RollbackSignInTrustAsync(initial.Id, CancellationToken.None);
        Assert.NotNull(back);
        Assert.Null(back.From);
        Assert.Equal(["demo-agent", "demo-agent-2"], back.To);
        Assert.False(back.Widens);
        // A publish that leaves the list as it is records no change.
        Assert.True((await service.PublishAsync(PolicyService.WithVersion(everyone, "2026.12.9"), "Wording", "lena", "Lead", CancellationToken.None)).Succeeded);
        var unchanged = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Type == "policy.published").OrderBy(e => e.Id).ToListAsync());
        Assert.False(JsonDocument.Parse(unchanged[^1].DataJson).RootElement.TryGetProperty("signInTrust", out _));
        Assert.True(new PolicyService.SignInTrustChange(["demo-agent"], null).Widens);
        Assert.True(new PolicyService.SignInTrustChange(["demo-agent"], ["demo-agent", "web"]).Widens);
        Assert.False(new PolicyService.SignInTrustChange(["demo-agent", "web"], ["demo-agent"]).Widens);
    }

    [Fact]
    public async Task Giving_a_tier_2_path_more_autonomy_is_recorded_with_its_reason_and_an_unchanged_stage_is_not()
    {
        var service = _app.Services.GetRequiredService<PolicyService>();
        var graduated = PolicyService.WithVersion(DefaultYaml, "2026.12.9").Replace(
            "    autonomy: approve_all\n    required_fields: [order_id]", "    autonomy: sampled\n    spot_check_rate: 0.1\n    required_fields: [order_id]", StringComparison.Ordinal);
        Assert.NotEqual(PolicyService.WithVersion(DefaultYaml, "2026.12.9"), graduated);

        var published = await service.PublishAsync(graduated, "400 reviewed refunds, 0.4 % overrides", "lena", "Lead", CancellationToken.None);
        Assert.True(published.Succeeded, published.Refusal);
        var unchanged = await service.PublishAsync(PolicyService.WithVersion(graduated, "2026.12.10"), "Wording", "lena", "Lead", CancellationToken.None);
        Assert.True(unchanged.Succeeded, unchanged.Refusal);

        var audit = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Type == "policy.published").OrderBy(e => e.Id).ToListAsync());
        var change = Assert.Single(JsonDocument.Parse(audit[0].DataJson).RootElement.GetProperty("autonomyChanges").EnumerateArray());
        Assert.Equal("support.refund", change.GetProperty("workflow").GetString());
        Assert.Equal(2, change.GetProperty("tier").GetInt32());
        Assert.Equal("approve_all", change.GetProperty("from").GetString());
        Assert.Equal("sampled", change.GetProperty("to").GetString());
        Assert.Contains("400 reviewed refunds", audit[0].DataJson, StringComparison.Ordinal);
        Assert.Equal(0, JsonDocument.Parse(audit[1].DataJson).RootElement.GetProperty("autonomyChanges").GetArrayLength());
    }

    [Fact]
    public async Task A_reviewer_may_read_the_policy_page_but_not_publish_simulate_or_export()
    {
        using var rita = await _app.SignedInAs("rita");

        using var publish = await rita.PostAsync("/api/v1/policies", Json(new { yaml = LowerFinanceThreshold("r-1"), reason = "me" }));
        using var simulate = await rita.PostAsync("/api/v1/policies/simulate", Json(new { yaml = DefaultYaml }));
        using var rollback = await rita.PostAsync("/api/v1/policies/1/rollback", Json(new { reason = "me" }));
        using var export = await rita.GetAsync("/api/v1/exports/evals");
        using var page = await rita.GetAsync("/policies");

        Assert.Equal(HttpStatusCode.Forbidden, publish.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, simulate.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, rollback.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, export.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("2026.12.1", _app.Services.GetRequiredService<ActivePolicy>().Version);
        using var anonymous = await _app.CreateClient().GetAsync("/api/v1/exports/evals");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_simulate_endpoint_returns_the_changed_cases_of_the_period()
    {
        var active = _app.Services.GetRequiredService<ActivePolicy>().Policy;
        var now = DateTimeOffset.UtcNow;
        await CaseSeeder.SeedAsync(_app.DatabasePath, active, 300, now, TimeSpan.FromDays(1));
        using var lena = await _app.SignedInAs("lena");

        using var response = await lena.PostAsync("/api/v1/policies/simulate",
            Json(new { yaml = LowerFinanceThreshold("s-1"), from = now.AddDays(-2), to = now.AddMinutes(1) }));
        var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(300, view.GetProperty("cases").GetInt32());
        Assert.True(view.GetProperty("changed").GetInt32() > 0);
        Assert.Equal(view.GetProperty("changed").GetInt32(), view.GetProperty("changedCases").GetArrayLength());
        using var backwards = await lena.PostAsync("/api/v1/policies/simulate", Json(new { yaml = DefaultYaml, from = now, to = now.AddDays(-1) }));
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
    }

    private Task<(int Versions, int Audit)> Counts() =>
        _app.WithDbAsync(async db => (await db.PolicyVersions.CountAsync(), await db.AuditEvents.CountAsync()));
}
