using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>The reviewer's journeys in a real browser against the real app, with the AI system on the API.</summary>
[Collection(E2ECollection.Name)]
public sealed class ReviewJourneys(AppServer app, BrowserFixture browser)
{
    private AgentApi Agent => new(app.BaseUrl);

    private Task<(IBrowserContext Context, IPage Page)> SignInAsync(string user) => browser.SignInAsync(app.BaseUrl, user);

    private static async Task OpenCaseAsync(IPage page, Guid id)
    {
        await page.GotoAsync($"/cases/{id}");
        await page.WaitInteractiveAsync();
    }

    private static async Task ClaimAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
    }

    /// <summary>
    /// The confirmation of the sample's irreversible refund (or, with <paramref name="refund"/> false, of whatever
    /// gated action the case proposes): it restates the action; Y approves, or the typed amount on the highest tier.
    /// </summary>
    private static async Task ConfirmApprovalAsync(IPage page, string? shot = null, bool refund = true)
    {
        var confirmation = page.GetByRole(AriaRole.Alertdialog);
        if (refund)
        {
            await Assertions.Expect(confirmation).ToContainTextAsync("payments.issue_refund");
            await Assertions.Expect(confirmation.Locator("[data-confirm='reversible']")).ToContainTextAsync("Irreversible");
        }
        else
        {
            await Assertions.Expect(confirmation.Locator("[data-confirm='tool'] code")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"\S"));
        }
        if (shot is not null)
        {
            await Shot(page, shot);
        }
        await page.Locator("[data-shortcuts='ready']").WaitForAsync();
        if (await confirmation.GetAttributeAsync("data-gesture") == "type_amount")
        {
            // The highest tier is approved by typing the amount the dialog restates ("6,000.00 USD").
            var shown = await confirmation.Locator("[data-confirm='amount']").InnerTextAsync();
            await confirmation.GetByRole(AriaRole.Textbox).FillAsync(shown.Trim().Split(' ')[0]);
            await page.GetByTestId("confirm-approval").ClickAsync();
            return;
        }
        await page.Keyboard.PressAsync("y");
    }

    private static readonly System.Text.RegularExpressions.Regex ViaNext = new("/cases/[0-9a-f-]{36}\\?via=next$");

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    private static async Task ChooseAsync(IPage page, string label, string option)
    {
        await page.GetByLabel(label).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option }).ClickAsync();
    }

    [Fact]
    public async Task Claim_then_approve_and_the_ai_system_gets_the_decision()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await Shot(page, "case-rita-queued");
        await ClaimAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        Assert.Equal("in_review", (await Agent.GetAsync($"/api/v1/cases/{id}")).GetProperty("status").GetString()); // not yet approved
        await ConfirmApprovalAsync(page, "case-approval-confirmation");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Decided. Why did this case need a human?" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "decided");
        await Shot(page, "case-rita-decided");
        var decision = await Agent.GetAsync($"/api/v1/cases/{id}/decision");
        Assert.Equal("approved", decision.GetProperty("decision").GetString());
        Assert.Equal("rita", decision.GetProperty("reviewers")[0].GetString());
    }

    [Fact]
    public async Task A_source_the_AI_system_calls_authoritative_that_the_policy_does_not_list_is_shown_as_such()
    {
        // The SSO answer, with its Okta guide taken from the community forum and still marked authoritative.
        var body = AgentApi.Sample("001-");
        body["evidence"]![2]!["uri"] = "https://community.northwind.example/t/okta-saml-setup/4411";
        var (id, _) = await Agent.SubmitAsync(body);
        var receipt = await Agent.GetAsync($"/api/v1/cases/{id}");
        Assert.Contains("UNLISTED_AUTHORITATIVE_SOURCE", receipt.GetProperty("reasonCodes").EnumerateArray().Select(r => r.GetString()));

        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await Assertions.Expect(page.GetByText("Source not on the authoritative list").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Evidence" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-evidence='docs-okta-saml-guide'] [data-authority]")).ToHaveTextAsync("marked authoritative · not a listed source");
        await Assertions.Expect(page.Locator("[data-evidence='kb-sso-saml-overview'] [data-authority]")).ToHaveTextAsync("authoritative");
        await Shot(page, "case-evidence-unlisted-source");
    }

    [Fact]
    public async Task A_requester_said_to_be_signed_in_by_a_system_the_policy_does_not_take_it_from_is_shown_as_such()
    {
        // An admin connects a public web widget; the policy takes the demo agents' word on sign-in, not the widget's.
        var (adminContext, _) = await SignInAsync("adam");
        await using var __ = adminContext;
        var widget = $"web-widget-{Guid.NewGuid():N}"[..18];
        var created = await adminContext.APIRequest.PostAsync("/api/v1/admin/api-keys",
            new() { DataObject = new { id = widget, displayName = "Public web widget", scopes = new[] { "cases:submit", "cases:read" } } });
        Assert.True(created.Ok, await created.TextAsync());
        var key = System.Text.Json.JsonDocument.Parse(await created.TextAsync()).RootElement.GetProperty("apiKey").GetString()!;

        // The SSO answer, its requester "authenticated": from the demo agent it is released; from the widget it asks first.
        var fromWidget = new AgentApi(app.BaseUrl, key);
        var (id, _) = await fromWidget.SubmitAsync(AgentApi.Sample("001-"));
        var receipt = await fromWidget.GetAsync($"/api/v1/cases/{id}");
        Assert.Contains("IDENTITY_UNVERIFIED", receipt.GetProperty("reasonCodes").EnumerateArray().Select(r => r.GetString()));

        var (context, page) = await SignInAsync("lena");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await Assertions.Expect(page.Locator("[data-requester]")).ToHaveAttributeAsync("data-requester", "unvouched");
        await Assertions.Expect(page.Locator("[data-requester]")).ToHaveTextAsync("says authenticated · not a system the policy takes it from");
        await Assertions.Expect(page.GetByText("unverified-identity-clarify").First).ToBeVisibleAsync();
        await Shot(page, "case-requester-unvouched");

        // The audit record says both: what the widget said and how the policy counted it.
        await page.GotoAsync($"/cases/{id}/audit");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.GetByText($"said authenticated by {widget}, counted as not authenticated")).ToBeVisibleAsync();
        await Shot(page, "case-audit-requester-unvouched");
    }

    [Fact]
    public async Task A_lawyer_hidden_behind_an_invisible_character_still_sends_the_answer_to_brand()
    {
        // The invoice question, its request now mentioning a lawyer with a zero-width space inside the word and social
        // media with a hyphen: the policy reads the words the requester wrote, not the characters the AI system sent.
        var body = AgentApi.Sample("004-");
        body["request"] = "Before my la\u200Bwyer gets involved: where do I download last year's invoices? Otherwise this goes on SOCIAL-MEDIA.";
        // The AI system's own descriptions hide characters too: a model name and a tool's name.
        body["provenance"]!["model"] = "gpt-4.1\u200B-mini";
        body["toolTrace"]![0]!["tool"] = "crm.lookup\u202E_account";
        var agent = new AgentApi(app.BaseUrl);
        var (id, _) = await agent.SubmitAsync(body);
        var receipt = await agent.GetAsync($"/api/v1/cases/{id}");
        Assert.Contains("BRAND_RISK", receipt.GetProperty("reasonCodes").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("brand", receipt.GetProperty("queue").GetString());

        var (context, page) = await SignInAsync("lena");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await Assertions.Expect(page.Locator("[data-reason='BRAND_RISK']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("request.text_plain = before my lawyer gets involved").First).ToBeVisibleAsync();
        // The reviewer sees where the request hid a character, not a word that only looks whole.
        await Assertions.Expect(page.Locator("[data-testid='request'] .wb-hidden-char")).ToHaveTextAsync("U+200B");
        await Assertions.Expect(page.Locator("[data-testid='hidden-characters']")).ToBeVisibleAsync();
        await Shot(page, "case-brand-risk-disguised");

        // The tool trace and the provenance show the same markers where the characters stand.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Tool trace (2)" }).ClickAsync();
        await Assertions.Expect(page.Locator(".tool-step-number + code").First).ToHaveTextAsync("crm.lookup⟦U+202E⟧_account");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Provenance" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row, new() { Name = "Model", Exact = false }).First).ToContainTextAsync("gpt-4.1⟦U+200B⟧-mini");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)"); // a whole-page shot scrolled down draws the fixed app bar mid-page
        await Shot(page, "case-provenance-hidden-characters");

        // In the queue the request's start shows the same marker.
        await page.GotoAsync("/queues/brand");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator(".wb-preview").Filter(new() { HasText = "Before my la⟦U+200B⟧wyer" }).First).ToBeVisibleAsync();
        await Shot(page, "queue-brand-hidden-characters");
    }

    [Fact]
    public async Task Next_case_from_the_queue_then_approve()
    {
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await page.GotoAsync("/queues/policy-legal");
        await page.WaitInteractiveAsync();
        await Shot(page, "queue-policy-legal-rita");
        // 1366 px, demo ids and workflows, urgent priorities, a claim: the grid stays within the page, Claim included.
        Assert.Equal("fits", await QueueJourneys.GridWidthAsync(page));
        await page.GetByRole(AriaRole.Button, new() { Name = "Next case" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(ViaNext);
        await Assertions.Expect(page.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
        // Which case comes next depends on the queue's SLA order that day (business hours put many on one due time) and
        // on what the tests before this one left in the queue: a gated action (a refund, a contract sent out) is
        // confirmed first, a tier-3 refund by typing its amount, and an action that needs no confirmation goes out at
        // once; a four-eyes case takes rita's approval and waits for a second approver; any other is decided by it.
        var fourEyes = await page.Locator("[data-approvals]").CountAsync() > 0;
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        var confirmation = page.GetByRole(AriaRole.Alertdialog);
        await Assertions.Expect(confirmation.Or(page.Locator("[data-status='decided'], [data-status='queued']"))).ToBeVisibleAsync();
        if (await confirmation.IsVisibleAsync())
        {
            await ConfirmApprovalAsync(page, refund: false);
        }
        var id = Guid.Parse(page.Url.Split('/').Last().Split('?')[0]);
        if (fourEyes)
        {
            await Assertions.Expect(page.Locator("[data-approvals]")).ToContainTextAsync("1 of 2 approvals");
            await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "queued");
            return;
        }
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "decided");
        var decision = await Agent.GetAsync($"/api/v1/cases/{id}/decision");
        Assert.Equal("approved", decision.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task The_case_page_in_light_and_dark()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("016-"));
        var (context, page) = await SignInAsync("lena");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await Shot(page, "case-lena");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Tool trace" }).ClickAsync();
        await page.Locator("[data-step]").First.WaitForAsync();
        foreach (var header in await page.Locator("[data-step] .mud-expand-panel-header").AllAsync())
        {
            await header.ClickAsync();
        }
        await Assertions.Expect(page.Locator("[data-step] [data-injection='true']:visible").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await Shot(page, "case-lena-dark");
    }

    [Fact]
    public async Task Approve_with_edits_shows_the_diff_in_history()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await ClaimAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve with edits", Exact = true }).ClickAsync();
        var editor = page.GetByLabel("Message template");
        await editor.FillAsync("Per refund policy v7 (current), your annual plan qualifies for a prorated refund. We have started it today.");
        await ChooseAsync(page, "Root cause (required)", "Retrieval conflict or freshness");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve edited response" }).ClickAsync();
        await ConfirmApprovalAsync(page);
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "decided");

        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-edit-by='rita'] ins.diff-ins").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-edit-by='rita'] del.diff-del").First).ToBeVisibleAsync();
        await Shot(page, "case-history-diff");
        var decision = await Agent.GetAsync($"/api/v1/cases/{id}/decision");
        Assert.Equal("approved_with_edits", decision.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Reject_with_a_reason_code()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await ClaimAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Reject", Exact = true }).ClickAsync();
        await ChooseAsync(page, "Reason code (required)", "Conflicting policies (MULTI_POLICY_CONFLICT)");
        await ChooseAsync(page, "Root cause (required)", "Retrieval conflict or freshness");
        await page.GetByLabel("Note for the AI system (optional)").FillAsync("The draft cites refund policy v6, superseded by v7.");
        await Shot(page, "case-reject-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm reject" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "decided");
        var decision = await Agent.GetAsync($"/api/v1/cases/{id}/decision");
        Assert.Equal("rejected", decision.GetProperty("decision").GetString());
        Assert.Equal("MULTI_POLICY_CONFLICT", decision.GetProperty("rejectReasonCode").GetString());
    }

    [Fact]
    public async Task Request_info_then_the_ai_replies_and_the_case_is_back()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await ClaimAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Request info", Exact = true }).ClickAsync();
        await page.GetByLabel("Question for the AI system").FillAsync("Which policy version did the customer accept at renewal?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send question" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "awaiting info");

        var pending = await Agent.GetAsync($"/api/v1/cases/{id}/decision");
        Assert.Equal("Which policy version did the customer accept at renewal?", pending.GetProperty("question").GetString());
        Assert.Equal(200, await Agent.ReplyAsync(id, "v7, accepted on 2026-10-13."));

        await page.ReloadAsync();
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "queued");
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Reply received")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Route_to_finance_and_felix_sees_it_but_rita_no_longer_does()
    {
        var (id, externalId) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await ClaimAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Route", Exact = true }).ClickAsync();
        await ChooseAsync(page, "Route to queue", "Finance approvals (finance)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm route" }).ClickAsync();
        // The case left for a queue rita does not work: she is back in the queue she came from, not on an error page.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/queues/policy-legal$"));
        await Assertions.Expect(page.GetByText("Routed to finance")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Case not found" })).ToHaveCountAsync(0);

        var (felixContext, felix) = await SignInAsync("felix");
        await using var __ = felixContext;
        await felix.GotoAsync("/queues/finance");
        await Assertions.Expect(felix.GetByText(externalId)).ToBeVisibleAsync();
        await OpenCaseAsync(felix, id);
        await Assertions.Expect(felix.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Keyboard_only_claim_and_approve()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await page.Locator("[data-shortcuts='ready']").WaitForAsync();
        await page.Keyboard.PressAsync("c");
        await Assertions.Expect(page.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
        await page.Keyboard.PressAsync("a");
        await page.Keyboard.PressAsync("a"); // the same key twice does not approve an irreversible refund
        await Assertions.Expect(page.GetByRole(AriaRole.Alertdialog)).ToBeVisibleAsync();
        Assert.Equal("in_review", (await Agent.GetAsync($"/api/v1/cases/{id}")).GetProperty("status").GetString());
        await page.Keyboard.PressAsync("y");
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "decided");
    }

    [Fact]
    public async Task A_tier_3_refund_is_approved_only_after_typing_its_amount()
    {
        var body = AgentApi.Sample("017-");
        body["signals"]!["amount"] = 6000;
        body["proposal"]!["action"]!["parameters"]!["amount"] = 6000;
        var (id, _) = await Agent.SubmitAsync(body);
        var (context, page) = await SignInAsync("lena");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await ClaimAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        var confirmation = page.GetByRole(AriaRole.Alertdialog);
        await Assertions.Expect(confirmation).ToHaveAttributeAsync("data-gesture", "type_amount");
        var approve = page.GetByTestId("confirm-approval");
        var typed = confirmation.GetByRole(AriaRole.Textbox);
        await typed.FillAsync("600");
        await Assertions.Expect(approve).ToBeDisabledAsync();
        await typed.FillAsync("6,000.00");
        await Assertions.Expect(approve).ToBeEnabledAsync();
        await Shot(page, "case-approval-type-amount");
        await approve.ClickAsync();
        // Above 5,000 two finance reviewers approve: hers is the first of the two.
        await Assertions.Expect(page.GetByText("1 of 2 approvals")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "queued");
    }

    [Fact]
    public async Task Routing_a_case_taken_through_Next_opens_the_next_case()
    {
        await Agent.SubmitAsync(AgentApi.Sample("013-"));
        await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await page.GotoAsync("/queues/policy-legal");
        await page.WaitInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Next case" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(ViaNext);
        var first = page.Url;
        await page.GetByRole(AriaRole.Button, new() { Name = "Route", Exact = true }).ClickAsync();
        await ChooseAsync(page, "Route to queue", "Finance approvals (finance)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm route" }).ClickAsync();
        // Another case, through Next. (An assertion, not a wait for a navigation: when the page went elsewhere its
        // message says where, and what the page said.)
        var firstId = new Uri(first).AbsolutePath.Split('/')[^1];
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/cases/(?!{firstId})[0-9a-f-]{{36}}\\?via=next$"));
        }
        catch (PlaywrightException e)
        {
            var said = await page.Locator(".mud-snackbar, .mud-alert").AllTextContentsAsync();
            throw new Xunit.Sdk.XunitException($"{e.Message}\nThe page said: {string.Join(" | ", said)}");
        }
        await Assertions.Expect(page.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
    }

    [Fact]
    public async Task Skip_after_a_decision_returns_to_the_queue_and_claims_nothing()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (other, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await ClaimAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Reject", Exact = true }).ClickAsync();
        await ChooseAsync(page, "Reason code (required)", "Conflicting policies (MULTI_POLICY_CONFLICT)");
        await ChooseAsync(page, "Root cause (required)", "Retrieval conflict or freshness");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm reject" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Skip, back to the queue" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/queues/policy-legal$"));
        // Nothing was claimed on the way: the other case, and every case of the queue, is free.
        Assert.Equal("queued", (await Agent.GetAsync($"/api/v1/cases/{other}")).GetProperty("status").GetString());
        var lena = await browser.SignInAsync(app.BaseUrl, "lena");
        await using var __ = lena.Context;
        await OpenCaseAsync(lena.Page, other);
        await Assertions.Expect(lena.Page.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_lead_assigns_a_case_and_it_is_the_reviewers_next_case()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (leadContext, lead) = await SignInAsync("lena");
        await using var _ = leadContext;
        await OpenCaseAsync(lead, id);
        await ChooseAsync(lead, "Assign to reviewer", "Rita Alvarez (rita)");
        await lead.GetByRole(AriaRole.Button, new() { Name = "Assign", Exact = true }).ClickAsync();
        await Assertions.Expect(lead.GetByText("Assigned to rita", new() { Exact = true })).ToBeVisibleAsync();

        var (ritaContext, rita) = await SignInAsync("rita");
        await using var __ = ritaContext;
        await rita.GotoAsync("/queues/policy-legal");
        await rita.WaitInteractiveAsync();
        await rita.GetByRole(AriaRole.Button, new() { Name = "Next case" }).ClickAsync();
        await Assertions.Expect(rita).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/cases/{id}\\?via=next$"));
        await Assertions.Expect(rita.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
    }

    [Fact]
    public async Task A_finance_case_is_not_found_for_rita()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("017-"));
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await OpenCaseAsync(page, id);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Case not found" })).ToBeVisibleAsync();
    }
}
