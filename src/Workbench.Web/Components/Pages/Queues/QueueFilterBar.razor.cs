using Microsoft.AspNetCore.Components;
using Workbench.Web.Queues;

namespace Workbench.Web.Components.Pages.Queues;

public partial class QueueFilterBar
{
    [Parameter, EditorRequired] public required QueueFilter Value { get; set; }
    [Parameter] public EventCallback<QueueFilter> ValueChanged { get; set; }
    /// <summary>Code and title of each reason code of the active policy.</summary>
    [Parameter, EditorRequired] public required IReadOnlyList<(string Code, string Title)> ReasonCodes { get; set; }
    [Parameter, EditorRequired] public required IReadOnlyList<string> Workflows { get; set; }
    /// <summary>How long typing must pause before the search runs: one query per pause, not per key.</summary>
    [Parameter] public int DebounceMilliseconds { get; set; } = 300;

    public Task SetTextAsync(string? text) =>
        EmitAsync(Value with { Text = string.IsNullOrWhiteSpace(text) ? null : text.Trim() });

    public Task SetReasonAsync(string? code) => EmitAsync(Value with { ReasonCode = string.IsNullOrEmpty(code) ? null : code });

    public Task SetTierAsync(int? tier) => EmitAsync(Value with { Tier = tier is >= 0 and <= 3 ? tier : null });

    public Task SetWorkflowAsync(string? workflow) => EmitAsync(Value with { Workflow = string.IsNullOrEmpty(workflow) ? null : workflow });

    public Task SetClaimAsync(ClaimFilter claim) => EmitAsync(Value with { Claim = claim });

    public Task ClearAsync() => EmitAsync(QueueFilter.None);

    private Task EmitAsync(QueueFilter next) => next == Value ? Task.CompletedTask : ValueChanged.InvokeAsync(next);

    private string ReasonTitle(string? code) =>
        code is null ? "" : ReasonCodes.FirstOrDefault(r => r.Code == code).Title ?? code;

    private static string ClaimText(ClaimFilter claim) => claim switch
    {
        ClaimFilter.Claimed => "Claimed",
        ClaimFilter.Unclaimed => "Unclaimed",
        _ => "All",
    };
}
