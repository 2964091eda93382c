namespace Workbench.Web.Review;

/// <summary>Review: claims, decisions, four-eyes approvals, blind second reviews, the review API and the lease sweeper.</summary>
public static class ReviewExtensions
{
    public static IHostApplicationBuilder AddWorkbenchReview(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ReviewOptions>(builder.Configuration.GetSection("Review"));
        builder.Services.AddSingleton<ReviewService>();
        builder.Services.AddSingleton<CaseDetails>();
        builder.Services.AddSingleton<DoubleReviewService>();
        builder.Services.AddHostedService<LeaseSweeper>();
        return builder;
    }

    public static WebApplication MapWorkbenchReview(this WebApplication app)
    {
        app.MapReviewApi();
        return app;
    }
}
