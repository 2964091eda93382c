namespace Workbench.Web.Review;

/// <summary>Returns cases whose claim ran out to their queue. Safe on several instances: each return is a revisioned update.</summary>
public sealed class LeaseSweeper(ReviewService reviews, TimeProvider time, ILogger<LeaseSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var returned = await reviews.ExpireLeasesAsync(stoppingToken);
                if (returned > 0)
                {
                    logger.LogInformation("Returned {Count} cases with expired claims to their queues", returned);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Returning expired claims failed; trying again in {Interval}", Interval);
            }
        }
    }
}
