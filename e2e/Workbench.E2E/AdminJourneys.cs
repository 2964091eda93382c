using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>An admin's access administration in a real browser: API clients and their keys, people's roles and queues.</summary>
[Collection(E2ECollection.Name)]
public sealed class AdminJourneys(AppServer app, BrowserFixture browser)
{
    private Task<(IBrowserContext Context, IPage Page)> SignInAsync(string user, string returnUrl) =>
        browser.SignInAsync(app.BaseUrl, user, returnUrl, permissions: ["clipboard-read", "clipboard-write"]);

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    private async Task<HttpStatusCode> SubmitWithAsync(string key)
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(AgentApi.Sample("001-").ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task An_admin_creates_a_key_copies_it_the_agent_submits_with_it_and_after_revocation_it_gets_401()
    {
        var (context, page) = await SignInAsync("adam", "/admin/api-keys");
        await using var _ = context;
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid='api-clients'] tr[data-client='demo-agent']")).ToBeVisibleAsync();
        // The shipped policy takes the demo agents' word that a requester signed in.
        await Assertions.Expect(page.Locator("tr[data-client='demo-agent'] [data-identity]")).ToHaveAttributeAsync("data-identity", "taken");
        await Shot(page, "admin-api-keys");

        // Bad input: a readable message in the dialog, nothing created.
        await page.GetByRole(AriaRole.Button, new() { Name = "New API client" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Client id").FillAsync("e2e agent!");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create client and key" }).ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("1 to 128 characters: letters, digits");
        await Assertions.Expect(dialog).ToContainTextAsync("Required, at most 256 characters.");
        await Shot(page, "admin-api-keys-create-invalid");

        var id = $"e2e-{Guid.NewGuid():N}"[..16];
        await dialog.GetByLabel("Client id").FillAsync(id);
        await dialog.GetByLabel("Display name").FillAsync("E2E support copilot");
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "exports:read" }).CheckAsync();
        await Shot(page, "admin-api-keys-create");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create client and key" }).ClickAsync();

        var secret = page.Locator("[data-testid='new-key']");
        await Assertions.Expect(secret).ToContainTextAsync("you will not see it again");
        var key = (await page.Locator("[data-testid='new-key-value']").InnerTextAsync()).Trim();
        Assert.StartsWith("wb_", key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copied" })).ToBeVisibleAsync();
        Assert.Equal(key, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await Shot(page, "admin-api-keys-new-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "I have stored the key" }).ClickAsync();
        await Assertions.Expect(secret).ToHaveCountAsync(0);
        // Shown once: the list has its prefix only, and a reload never shows the key again.
        var row = page.Locator($"tr[data-client='{id}']");
        await Assertions.Expect(row).ToContainTextAsync(key[..10]);
        await Assertions.Expect(row).ToContainTextAsync("by adam");
        await Assertions.Expect(row.Locator("[data-identity]")).ToHaveTextAsync("not trusted on sign-in");
        await Assertions.Expect(row.Locator("[data-testid='last-used']")).ToHaveTextAsync("never");
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);

        // The copied key works for the AI system.
        Assert.Equal(HttpStatusCode.Created, await SubmitWithAsync(key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Assertions.Expect(row.Locator("[data-testid='last-used']")).ToHaveTextAsync("within the last minute");

        // Revoke, confirmed; from then on the key gets 401.
        await row.GetByRole(AriaRole.Button, new() { Name = $"Revoke the key of {id}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync($"Revoke the key of {id}?");
        await Shot(page, "admin-api-keys-revoke");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke key" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("revoked");
        await Assertions.Expect(page.Locator("[data-testid='keys-message']")).ToContainTextAsync($"The key of {id} is revoked.");
        Assert.Equal(HttpStatusCode.Unauthorized, await SubmitWithAsync(key));

        // Both acts are in the audit, by adam, without the key.
        await page.GotoAsync("/audit");
        await page.WaitInteractiveAsync();
        var events = page.Locator("[data-testid='audit-events']");
        await Assertions.Expect(events).ToContainTextAsync("api_key.revoked");
        await Assertions.Expect(events).ToContainTextAsync("api_key.created");
    }

    [Fact]
    public async Task An_admin_changes_a_role_in_the_ui_the_audit_shows_it_and_a_self_demotion_is_refused_readably()
    {
        var (context, page) = await SignInAsync("adam", "/admin/people");
        await using var _ = context;
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator("tr[data-user='adam']")).ToContainTextAsync("UTC"); // his own sign-in, just recorded
        await Shot(page, "admin-people");

        // The service's refusal, as a message in the dialog; nothing changes.
        await page.Locator("tr[data-user='adam']").GetByRole(AriaRole.Button, new() { Name = "Change the role and queues of adam" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Role", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Reviewer — works the queues below" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("You cannot take the Admin role from yourself; ask another admin.");
        await Shot(page, "admin-people-refused");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-user='adam']")).ToContainTextAsync("Admin");

        // sam (security) becomes a lead and also works brand.
        await page.Locator("tr[data-user='sam']").GetByRole(AriaRole.Button, new() { Name = "Change the role and queues of sam" }).ClickAsync();
        await dialog.GetByLabel("Role", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Lead — every queue, board, policies, insights" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "brand" }).CheckAsync();
        await Shot(page, "admin-people-edit");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='people-message']")).ToContainTextAsync("applies from sam's next sign-in");
        await Assertions.Expect(page.Locator("tr[data-user='sam']")).ToContainTextAsync("Lead");

        await page.GotoAsync("/audit");
        await page.WaitInteractiveAsync();
        await page.GetByLabel("Event type (e.g. case.approved)").FillAsync("user.roles_changed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var change = page.Locator("[data-testid='audit-events'] tbody tr").First;
        await Assertions.Expect(change).ToContainTextAsync("user.roles_changed");
        await Assertions.Expect(change).ToContainTextAsync("adam");
        await Assertions.Expect(change).ToContainTextAsync("sam: reviewer (security) → lead (brand, security)");
        await Assertions.Expect(page.Locator("[data-testid='audit-events'] tbody tr")).ToHaveCountAsync(1); // the refusal wrote nothing
        await Shot(page, "admin-people-audit");
    }

    [Theory]
    [InlineData("/admin/api-keys")]
    [InlineData("/admin/people")]
    public async Task A_lead_gets_no_access_to_the_access_pages(string path)
    {
        var (context, page) = await SignInAsync("lena", "/queues");
        await using var _ = context;
        await page.GotoAsync(path);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not part of your role", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid='api-clients'], [data-testid='people']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);
    }
}
