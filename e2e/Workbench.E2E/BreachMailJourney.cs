using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workbench.Testing.Notifications;

namespace Workbench.E2E;

/// <summary>
/// The lead hears of a breach by mail and follows its link: the app in its own process (no demo data, the default
/// policy with 15-second SLAs, an SLA monitor and a notification planner that look every second) sends through a real
/// SMTP server on loopback; the link is taken from the mail that server received and opened in a browser that is not
/// signed in. It leads to the sign-in, then to the case, and only once.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class BreachMailJourney(BrowserFixture browser)
{
    [Fact]
    public async Task A_lead_gets_the_breach_mail_follows_its_link_signs_in_and_lands_on_the_case()
    {
        using var policy = await ShortSlaPolicy.WriteAsync();
        using var smtp = new SmtpTestServer();
        var app = new AppServer();
        app.Settings["Policy:Path"] = policy.Path;
        app.Settings["Workbench:DemoData:Enabled"] = "false";
        app.Settings["Sla:Interval"] = "00:00:01";
        app.Settings["Notifications:Interval"] = "00:00:01";
        app.Settings["Notifications:PublicBaseUrl"] = app.BaseUrl;
        foreach (var (key, value) in smtp.Settings)
        {
            app.Settings[key] = value!;
        }
        try
        {
            await app.InitializeAsync();
            await FollowTheBreachMailAsync(app, smtp);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private async Task FollowTheBreachMailAsync(AppServer app, SmtpTestServer smtp)
    {

        // A refund of $500.01: above the automatic limit, so it waits for an approval in a queue nobody picks up.
        var agent = new AgentApi(app.BaseUrl);
        var (id, externalId) = await agent.SubmitAsync(AgentApi.Sample("011-"));

        // lena leads every queue (none names a lead): the breach is hers, by mail, as a lead's default is.
        static bool Breached(MimeKit.MimeMessage m) => m.Subject?.StartsWith("SLA breached", StringComparison.Ordinal) == true;
        await WebhookTestKit.Eventually(() => smtp.MailsTo("lena@workbench.test").Any(Breached), TimeSpan.FromSeconds(90), "lena got the breach mail");
        var mail = Assert.Single(smtp.MailsTo("lena@workbench.test"), Breached);
        Assert.Contains(externalId, mail.Subject, StringComparison.Ordinal);
        var (text, html) = (mail.TextBody, mail.HtmlBody);
        Assert.NotNull(text);
        Assert.NotNull(html);
        var link = Assert.Single(Link().Matches(text).Select(m => m.Value).Distinct());
        Assert.StartsWith($"{app.BaseUrl}/go/", link, StringComparison.Ordinal);
        Assert.Contains($"href=\"{link}\"", html, StringComparison.Ordinal);

        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        await using var _ = context;
        var page = await context.NewPageAsync();

        // The mail as lena's mail program shows it: its HTML body, on a page of its own (no script, no network).
        await page.SetContentAsync(html);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "notification-mail-breach.png"), FullPage = true });

        // Not signed in: the link leads to the sign-in, the token unused; signed in as lena, to the case.
        await page.GotoAsync(link);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login\\?"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in as lena", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/cases/{id}$"), new() { Timeout = 30_000 });
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync(externalId);

        // The link works once: opened again, it says so and opens nothing.
        await page.GotoAsync(link);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/notifications/link\\?outcome=used"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This link was already used");
    }

    [GeneratedRegex(@"https?://127\.0\.0\.1:\d+/go/[A-Za-z0-9_\-]+")]
    private static partial Regex Link();
}
