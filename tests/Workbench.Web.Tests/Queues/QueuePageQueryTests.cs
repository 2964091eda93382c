using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data.Entities;
using Workbench.Web.Queues;

namespace Workbench.Web.Tests.Queues;

/// <summary>QueueQueries.PageAsync, the read behind the queue grid, against the real SQLite database.</summary>
public sealed class QueuePageQueryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private readonly WorkbenchFactory _app = new();

    public async Task InitializeAsync()
    {
        // support: five open cases with distinct SLA, priority, age and tier; plus cases that must never show.
        await AddAsync(
            Case("S-1", sla: 30, priority: CasePriority.Normal, ageMinutes: 50, tier: 1, reasons: "AMBIGUOUS_USER_INTENT",
                request: "Where is my parcel? It has been two weeks.", workflow: "support.faq"),
            Case("S-2", sla: 10, priority: CasePriority.Low, ageMinutes: 20, tier: 2, reasons: "IRREVERSIBLE_ACTION HIGH_VALUE_TRANSACTION",
                request: "Please refund order A-1042, I was charged twice.", workflow: "support.refund", claimedBy: "rita"),
            Case("S-3", sla: 60, priority: CasePriority.Urgent, ageMinutes: 90, tier: 0, reasons: "MISSING_AUTH_SOURCE",
                request: "Cancel my subscription today", workflow: "support.faq", assignedTo: "mia"),
            Case("S-4", sla: 20, priority: CasePriority.High, ageMinutes: 10, tier: 3, reasons: "IRREVERSIBLE_ACTION",
                request: "Close my account and delete all of my data", workflow: "support.account"),
            Case("S-5", sla: 40, priority: CasePriority.Normal, ageMinutes: 70, tier: 1, reasons: "STALE_EVIDENCE",
                request: "What is the REFUND window for sale items?", workflow: "support.refund"),
            Case("X-decided", sla: 5, status: CaseStatus.Decided),
            Case("X-awaiting", sla: 5, status: CaseStatus.AwaitingInfo),
            Case("X-other-queue", sla: 5, queue: "finance"));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private QueueQueries Queries => _app.Services.GetRequiredService<QueueQueries>();

    private async Task<string[]> IdsAsync(QueueFilter? filter = null, QueueSort sort = QueueSort.SlaDue, bool descending = false)
    {
        var (rows, total) = await Queries.PageAsync("support", filter ?? QueueFilter.None, 0, 25, sort, descending, CancellationToken.None);
        Assert.Equal(rows.Count, total);
        return rows.Select(r => r.ExternalId).ToArray();
    }

    [Fact]
    public async Task Default_order_is_sla_due_first_and_shows_only_open_cases_of_the_queue()
    {
        Assert.Equal(["S-2", "S-4", "S-1", "S-5", "S-3"], await IdsAsync());
    }

    [Fact]
    public async Task Sla_sorts_descending_too()
    {
        Assert.Equal(["S-3", "S-5", "S-1", "S-4", "S-2"], await IdsAsync(sort: QueueSort.SlaDue, descending: true));
    }

    [Fact]
    public async Task Priority_sorts_most_urgent_first_with_ties_by_sla_and_reverses_exactly()
    {
        Assert.Equal(["S-3", "S-4", "S-1", "S-5", "S-2"], await IdsAsync(sort: QueueSort.Priority, descending: true));
        Assert.Equal(["S-2", "S-5", "S-1", "S-4", "S-3"], await IdsAsync(sort: QueueSort.Priority)); // exactly reversed
    }

    [Fact]
    public async Task Age_sorts_youngest_first_ascending_and_oldest_first_descending()
    {
        Assert.Equal(["S-4", "S-2", "S-1", "S-5", "S-3"], await IdsAsync(sort: QueueSort.Age));
        Assert.Equal(["S-3", "S-5", "S-1", "S-2", "S-4"], await IdsAsync(sort: QueueSort.Age, descending: true));
    }

    [Fact]
    public async Task Tier_sorts_highest_first_with_ties_by_sla_and_reverses_exactly()
    {
        Assert.Equal(["S-4", "S-2", "S-1", "S-5", "S-3"], await IdsAsync(sort: QueueSort.Tier, descending: true));
        Assert.Equal(["S-3", "S-5", "S-1", "S-2", "S-4"], await IdsAsync(sort: QueueSort.Tier)); // exactly reversed
    }

    [Fact]
    public async Task Reason_filter_matches_whole_codes_only()
    {
        Assert.Equal(["S-2", "S-4"], await IdsAsync(new QueueFilter { ReasonCode = "IRREVERSIBLE_ACTION" }));
        Assert.Empty(await IdsAsync(new QueueFilter { ReasonCode = "IRREVERSIBLE" }));
    }

    [Fact]
    public async Task Tier_filter()
    {
        Assert.Equal(["S-1", "S-5"], await IdsAsync(new QueueFilter { Tier = 1 }));
        Assert.Equal(["S-3"], await IdsAsync(new QueueFilter { Tier = 0 }));
    }

    [Fact]
    public async Task Workflow_filter()
    {
        Assert.Equal(["S-2", "S-5"], await IdsAsync(new QueueFilter { Workflow = "support.refund" }));
    }

    [Fact]
    public async Task Claim_filter_separates_claimed_from_unclaimed()
    {
        Assert.Equal(["S-2"], await IdsAsync(new QueueFilter { Claim = ClaimFilter.Claimed }));
        Assert.Equal(["S-4", "S-1", "S-5", "S-3"], await IdsAsync(new QueueFilter { Claim = ClaimFilter.Unclaimed }));
    }

    [Fact]
    public async Task Text_search_finds_request_text_and_external_id_ignoring_case()
    {
        Assert.Equal(["S-2", "S-5"], await IdsAsync(new QueueFilter { Text = "refund" }));
        Assert.Equal(["S-4"], await IdsAsync(new QueueFilter { Text = "s-4" }));
        Assert.Empty(await IdsAsync(new QueueFilter { Text = "100%" }));
    }

    [Fact]
    public async Task Filters_combine()
    {
        Assert.Equal(["S-5"], await IdsAsync(new QueueFilter { Workflow = "support.refund", Claim = ClaimFilter.Unclaimed, Text = "window" }));
    }

    [Fact]
    public async Task Rows_carry_claim_holder_assignee_and_reason_codes()
    {
        var (rows, _) = await Queries.PageAsync("support", QueueFilter.None, 0, 25, QueueSort.SlaDue, false, CancellationToken.None);
        var s2 = rows.Single(r => r.ExternalId == "S-2");
        Assert.Equal("rita", s2.ClaimedBy);
        Assert.Equal(["IRREVERSIBLE_ACTION", "HIGH_VALUE_TRANSACTION"], s2.ReasonCodes);
        Assert.Equal("mia", rows.Single(r => r.ExternalId == "S-3").AssignedTo);
    }

    [Fact]
    public async Task Paging_keeps_the_total_and_never_repeats_a_case()
    {
        var pages = new List<string>();
        for (var page = 0; page < 3; page++)
        {
            var (rows, total) = await Queries.PageAsync("support", QueueFilter.None, page, 2, QueueSort.SlaDue, false, CancellationToken.None);
            Assert.Equal(5, total);
            Assert.Equal(page < 2 ? 2 : 1, rows.Count);
            pages.AddRange(rows.Select(r => r.ExternalId));
        }
        Assert.Equal(["S-2", "S-4", "S-1", "S-5", "S-3"], pages);

        var (beyond, count) = await Queries.PageAsync("support", QueueFilter.None, 3, 2, QueueSort.SlaDue, false, CancellationToken.None);
        Assert.Empty(beyond);
        Assert.Equal(5, count);
    }

    [Fact]
    public async Task Filtered_total_counts_matches_not_the_page()
    {
        var (rows, total) = await Queries.PageAsync("support", new QueueFilter { ReasonCode = "IRREVERSIBLE_ACTION" }, 0, 1,
            QueueSort.SlaDue, false, CancellationToken.None);
        Assert.Single(rows);
        Assert.Equal(2, total);
    }

    private static CaseRecord Case(
        string externalId, int sla, CasePriority priority = CasePriority.Normal, int ageMinutes = 5, int tier = 1,
        string reasons = "AMBIGUOUS_USER_INTENT", string request = "A request", string workflow = "support.faq",
        CaseStatus? status = null, string queue = "support", string? claimedBy = null, string? assignedTo = null) => new()
    {
        Id = Guid.NewGuid(),
        ClientId = "demo-agent",
        ExternalId = externalId,
        Workflow = workflow,
        TaskType = "answer",
        RiskTier = tier,
        Status = status ?? (claimedBy is null ? CaseStatus.Queued : CaseStatus.InReview),
        Queue = queue,
        Priority = priority,
        ReleaseOutcome = PathOutcome.Handoff,
        ExecuteOutcome = PathOutcome.Handoff,
        ReasonCodes = $" {reasons} ",
        SlaDueAt = T0.AddMinutes(sla),
        RequesterId = "cust-1",
        RequestPreview = request,
        SubmissionJson = "{}",
        PolicyVersion = "test",
        CreatedAt = T0.AddMinutes(-ageMinutes),
        UpdatedAt = T0,
        ClaimedBy = claimedBy,
        ClaimExpiresAt = claimedBy is null ? null : T0.AddMinutes(10),
        AssignedTo = assignedTo,
    };

    private Task AddAsync(params CaseRecord[] cases) => _app.WithDbAsync(async db =>
    {
        db.Cases.AddRange(cases);
        return await db.SaveChangesAsync();
    });
}
