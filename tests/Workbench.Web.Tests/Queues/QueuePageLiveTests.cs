using AngleSharp.Dom;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.RenderTree;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Web.Cases;
using Workbench.Web.Components.Pages.Queues;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Queues;

/// <summary>
/// The queue page rendered over the real app (its database, its live case events, its services), as the lead sees it:
/// a case arriving, changing or leaving through the API while she ticks cases (the rows hold still under her pointer),
/// and the pager over a queue of 2,000 cases.
/// </summary>
public sealed class QueuePageLiveTests : ComponentTest, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly WorkbenchFactory _app = new();
    private IServiceScope _scope = default!;

    public new async Task InitializeAsync()
    {
        using var client = _app.CreateClient();
        using var ready = await client.GetAsync("/health/ready");
        Assert.True(ready.IsSuccessStatusCode);
        _scope = _app.Services.CreateScope();
        Context.Services.AddFallbackServiceProvider(_scope.ServiceProvider);
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _scope.Dispose();
        await _app.DisposeAsync();
    }

    private IRenderedComponent<QueuePage> RenderQueue(string user, string queue, string? sort = null, bool lead = false)
    {
        var auth = Context.AddAuthorization().SetAuthorized(user);
        if (lead)
        {
            auth.SetRoles("Lead");
        }
        Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"/queues/{queue}" + (sort is null ? "" : $"?sort={sort}"));
        // Rendered as over a circuit (after the services are set: the renderer fixes them): the page reads its rows
        // itself when nothing was kept from a server render.
        Context.SetRendererInfo(new RendererInfo("Server", true));
        return Render<QueuePage>(p => p.Add(x => x.Name, queue));
    }

    /// <summary>The case ids of the grid's rows, top to bottom.</summary>
    private static List<string> Shown(IRenderedComponent<QueuePage> page) =>
        page.FindAll(".wb-case-link").Select(a => a.TextContent.Trim()).ToList();

    /// <summary>
    /// The box a person sees for a case, as the browser holds it: the change handler its element carries at that
    /// moment. (bUnit's own elements find their element again at every render, which a browser never does.)
    /// </summary>
    private static ulong Box(IRenderedComponent<QueuePage> page, string externalId)
    {
        var handler = BoxInput(page, externalId).Attributes.Single(a => a.Name == "blazor:onchange");
        return ulong.Parse(handler.Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The input of a case's box, whether the marker landed on the input or on its wrapper.</summary>
    private static IElement BoxInput(IRenderedComponent<QueuePage> page, string externalId)
    {
        var marked = page.Find($"[data-select='{externalId}']");
        return marked.TagName == "INPUT" ? marked : marked.QuerySelector("input")!;
    }

    private static bool IsTicked(IRenderedComponent<QueuePage> page, string externalId) => BoxInput(page, externalId).IsChecked();

    /// <summary>
    /// A tick on a box the person saw: the browser sends the change to the handler of the element it drew. When the
    /// server has redrawn the row since and dropped that element, it has no handler for it and the tick goes nowhere
    /// (Blazor Server logs and drops it); the answer says whether the tick reached a handler.
    /// </summary>
    private async Task<bool> TickAsync(ulong box)
    {
        try
        {
            // The browser's side of an event is the handler id and the field's new value: what this test sends, as it does.
#pragma warning disable BL0006
            await Context.Renderer.DispatchEventAsync(box, new EventFieldInfo { FieldValue = true }, new ChangeEventArgs { Value = true });
#pragma warning restore BL0006
            return true;
        }
        catch (UnknownEventHandlerIdException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_tick_made_while_the_grid_redraws_live_lands_on_the_case_ticked_and_the_earlier_tick_stays()
    {
        var first = await _app.SubmitSampleAsync("005-");
        var second = await _app.SubmitSampleAsync("005-");
        var page = RenderQueue("lena", first.Queue!, sort: "newest", lead: true);
        page.WaitForAssertion(() => Assert.Equal([second.ExternalId, first.ExternalId], Shown(page)), Wait);

        Assert.True(await TickAsync(Box(page, first.ExternalId)));
        page.WaitForAssertion(() => Assert.Equal("1 selected", page.Find("[data-testid='bulk-count']").TextContent.Trim()), Wait);
        // The lead's pointer is on the second case's box when a colleague claims the first: the grid reads its page again.
        var seen = Box(page, second.ExternalId);
        using var mia = await _app.SignedInAs("mia");
        using (var claim = await mia.PostAsync($"/api/v1/review/cases/{first.Id}/claim",
                   new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(claim.IsSuccessStatusCode, $"claim: {(int)claim.StatusCode}");
        }
        page.WaitForAssertion(() => Assert.Contains("mia", page.Find($"[data-select='{first.ExternalId}']").Closest("tr")!.TextContent, StringComparison.Ordinal), Wait);

        var reached = await TickAsync(seen);

        Assert.True(reached, "the tick on the box the lead saw reached no handler: the live redraw replaced the row under it");
        page.WaitForAssertion(() =>
        {
            Assert.Equal("2 selected", page.Find("[data-testid='bulk-count']").TextContent.Trim());
            Assert.True(IsTicked(page, first.ExternalId));
            Assert.True(IsTicked(page, second.ExternalId));
        }, Wait);
    }

    [Fact]
    public async Task While_cases_are_ticked_a_case_arriving_live_is_counted_not_drawn_until_the_lead_shows_it_and_arrives_unticked()
    {
        var first = await _app.SubmitSampleAsync("005-");
        var page = RenderQueue("lena", first.Queue!, sort: "newest", lead: true);
        page.WaitForAssertion(() => Assert.Equal([first.ExternalId], Shown(page)), Wait);
        Assert.True(await TickAsync(Box(page, first.ExternalId)));

        var arrived = await _app.SubmitSampleAsync("005-");

        // Newest first, the new case would come in above the ticked one and push it down under the lead's pointer.
        page.WaitForAssertion(() => Assert.Equal("Held while cases are ticked: 1 case not shown yet.",
            page.Find("[data-testid='queue-held'] span").TextContent.Trim()), Wait);
        Assert.Equal([first.ExternalId], Shown(page));
        Assert.True(IsTicked(page, first.ExternalId));

        await page.Find("[data-testid='queue-show-changes']").ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() => Assert.Equal([arrived.ExternalId, first.ExternalId], Shown(page)), Wait);
        Assert.Empty(page.FindAll("[data-testid='queue-held']"));
        Assert.True(IsTicked(page, first.ExternalId));
        Assert.False(IsTicked(page, arrived.ExternalId));
        Assert.Equal("1 selected", page.Find("[data-testid='bulk-count']").TextContent.Trim());
    }

    [Fact]
    public async Task A_case_leaving_while_cases_are_ticked_stays_where_it_was_marked_untickable_and_comes_off_when_the_last_tick_does()
    {
        var (a, b, c) = (await _app.SubmitSampleAsync("005-"), await _app.SubmitSampleAsync("005-"), await _app.SubmitSampleAsync("005-"));
        var page = RenderQueue("lena", a.Queue!, sort: "newest", lead: true);
        page.WaitForAssertion(() => Assert.Equal([c.ExternalId, b.ExternalId, a.ExternalId], Shown(page)), Wait);
        Assert.True(await TickAsync(Box(page, c.ExternalId)));
        Assert.True(await TickAsync(Box(page, b.ExternalId)));
        page.WaitForAssertion(() => Assert.Equal("2 selected", page.Find("[data-testid='bulk-count']").TextContent.Trim()), Wait);
        var aimedAt = Box(page, a.ExternalId);

        // A colleague takes the middle case and routes it elsewhere: it leaves the queue.
        using var mia = await _app.SignedInAs("mia");
        using (var claim = await mia.PostAsync($"/api/v1/review/cases/{b.Id}/claim", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(claim.IsSuccessStatusCode, $"claim: {(int)claim.StatusCode}");
        }
        using (var route = await mia.PostAsync($"/api/v1/review/cases/{b.Id}/actions",
                   new StringContent("""{"action":"route","targetQueue":"support-exceptions","note":"for the exceptions desk"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(route.IsSuccessStatusCode, $"route: {(int)route.StatusCode} {await route.Content.ReadAsStringAsync()}");
        }

        page.WaitForAssertion(() => Assert.Equal("Held while cases are ticked: 1 left the queue.",
            page.Find("[data-testid='queue-held'] span").TextContent.Trim()), Wait);
        Assert.Equal([c.ExternalId, b.ExternalId, a.ExternalId], Shown(page));
        Assert.Equal("left the queue", page.Find($"[data-left='{b.ExternalId}']").TextContent.Trim());
        Assert.Contains("wb-row-left", page.Find($"[data-left='{b.ExternalId}']").Closest("tr")!.ClassName, StringComparison.Ordinal);
        // Ticked when it left: no longer this queue's to act on from here, so its tick came off and its box stays off.
        Assert.False(IsTicked(page, b.ExternalId));
        Assert.True(BoxInput(page, b.ExternalId).HasAttribute("disabled"));
        Assert.Equal("1 selected", page.Find("[data-testid='bulk-count']").TextContent.Trim());
        // The box the lead aimed at is still the one of the case she saw there.
        Assert.True(await TickAsync(aimedAt));
        page.WaitForAssertion(() => Assert.True(IsTicked(page, a.ExternalId)), Wait);
        Assert.Equal("2 selected", page.Find("[data-testid='bulk-count']").TextContent.Trim());

        await page.Find("[aria-label='Clear selection']").ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() => Assert.Equal([c.ExternalId, a.ExternalId], Shown(page)), Wait);
        Assert.Empty(page.FindAll("[data-testid='queue-held']"));
        Assert.Empty(page.FindAll("[data-left]"));
    }

    private Task PressAsync(IRenderedComponent<QueuePage> page, string label) =>
        page.Find($"[aria-label='{label}']").ClickAsync(new MouseEventArgs());

    [Fact]
    public async Task Next_and_last_show_the_cases_of_page_two_and_of_the_last_page_in_the_page_order()
    {
        var policy = _app.Services.GetRequiredService<ActivePolicy>().Policy;
        await CaseSeeder.SeedAsync(_app.DatabasePath, policy, 2_000, DateTimeOffset.UtcNow, TimeSpan.FromHours(6));
        // The page's order (SLA: soonest first, then the id) computed plainly over the open cases of the queue.
        var open = await _app.WithDbAsync(db => db.Cases.AsNoTracking()
            .Where(c => c.Queue == "support" && (c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview))
            .Select(c => new { c.Id, c.ExternalId, c.SlaDueAt }).ToListAsync());
        var ordered = open.OrderBy(c => c.SlaDueAt).ThenBy(c => c.Id.ToString().ToUpperInvariant(), StringComparer.Ordinal)
            .Select(c => c.ExternalId).ToList();
        var size = QueuePage.PageSize;
        Assert.True(ordered.Count > 3 * size, $"the seed put only {ordered.Count} open cases in support");
        var lastStart = (ordered.Count - 1) / size * size;

        var page = RenderQueue("rita", "support");
        page.WaitForAssertion(() => Assert.Equal(ordered.Take(size), Shown(page)), Wait);
        Assert.Equal($"1–{size} of {ordered.Count:N0}", page.Find("[data-testid='queue-range']").TextContent.Trim());

        await PressAsync(page, "Next page");
        page.WaitForAssertion(() => Assert.Equal(ordered.Skip(size).Take(size), Shown(page)), Wait);
        Assert.Equal($"{size + 1}–{2 * size} of {ordered.Count:N0}", page.Find("[data-testid='queue-range']").TextContent.Trim());

        await PressAsync(page, "Last page");
        page.WaitForAssertion(() => Assert.Equal(ordered.Skip(lastStart), Shown(page)), Wait);
        Assert.Equal($"{lastStart + 1:N0}–{ordered.Count:N0} of {ordered.Count:N0}", page.Find("[data-testid='queue-range']").TextContent.Trim());
        Assert.True(page.Find("[aria-label='Next page']").HasAttribute("disabled"));
        Assert.True(page.Find("[aria-label='Last page']").HasAttribute("disabled"));

        await PressAsync(page, "Previous page");
        page.WaitForAssertion(() => Assert.Equal(ordered.Skip(lastStart - size).Take(size), Shown(page)), Wait);
        await PressAsync(page, "First page");
        page.WaitForAssertion(() => Assert.Equal(ordered.Take(size), Shown(page)), Wait);
    }

    [Fact]
    public void An_empty_queue_says_it_has_no_open_cases_and_offers_no_page_buttons()
    {
        var page = RenderQueue("rita", "support");
        page.WaitForAssertion(() => Assert.Equal("No open cases", page.Find("[data-testid='queue-range']").TextContent.Trim()), Wait);
        Assert.Empty(page.FindAll("[aria-label='Next page'], [aria-label='Last page'], [aria-label='First page'], [aria-label='Previous page']"));
        Assert.DoesNotContain("0–0", page.Markup, StringComparison.Ordinal);
    }
}
