namespace Workbench.Web.Queues;

/// <summary>How many rows a screen of the queue grid holds: compact (the default) or comfortable.</summary>
public enum QueueDensity
{
    Compact,
    Comfortable,
}

/// <summary>
/// The orders the queue grid offers, each with the token it has in the page's address (<c>?sort=newest</c>) so a
/// sorted queue can be linked and reloaded. SLA (soonest first) is the queue's urgency order and the default.
/// </summary>
public sealed record QueueOrder(string Token, string Title, QueueSort Sort, bool Descending)
{
    public static readonly QueueOrder Sla = new("sla", "SLA, soonest first", QueueSort.SlaDue, false);
    public static readonly QueueOrder Newest = new("newest", "Newest first", QueueSort.Age, false);

    public static IReadOnlyList<QueueOrder> All { get; } =
    [
        Sla,
        Newest,
        new("oldest", "Oldest first", QueueSort.Age, true),
        new("priority", "Priority, highest first", QueueSort.Priority, true),
        new("tier", "Tier, highest first", QueueSort.Tier, true),
    ];

    /// <summary>The order a token names; an unknown or missing token is the SLA order.</summary>
    public static QueueOrder Of(string? token) =>
        All.FirstOrDefault(o => string.Equals(o.Token, token, StringComparison.OrdinalIgnoreCase)) ?? Sla;
}

/// <summary>A person's named view of a queue grid: filters, order and density.</summary>
public sealed record SavedQueueView(Guid Id, string Name, QueueFilter Filter, QueueOrder Order, QueueDensity Density);

/// <summary>Why a view was not saved, renamed or deleted, in words for the person who tried.</summary>
public sealed record QueueViewProblem(string Message);

/// <summary>
/// Saved queue views and the density each person prefers, stored per person on the server. Every write checks the
/// name first (present, at most <see cref="MaxNameLength"/> characters, not already one of the person's views) and
/// writes nothing when it fails.
/// </summary>
public sealed class QueueViewStore(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time)
{
    public const int MaxNameLength = 60;
    /// <summary>A person's views are a short menu, not a library.</summary>
    public const int MaxViews = 30;

    public async Task<IReadOnlyList<SavedQueueView>> ListAsync(string userName, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.SavedQueueViews.AsNoTracking().Where(v => v.UserName == userName).ToListAsync(ct);
        return rows.OrderBy(v => v.Name, StringComparer.CurrentCultureIgnoreCase).Select(ToView).ToList();
    }

    /// <summary>Saves the grid as it is under a new name; null when saved.</summary>
    public async Task<QueueViewProblem?> SaveAsync(string userName, string? name, QueueFilter filter, QueueOrder order, QueueDensity density, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var mine = await db.SavedQueueViews.Where(v => v.UserName == userName).Select(v => new { v.Id, v.Name }).ToListAsync(ct);
        if (NameProblem(name, mine.Select(v => v.Name)) is { } problem)
        {
            return problem;
        }
        if (mine.Count >= MaxViews)
        {
            return new($"You have {MaxViews} saved views, the most there may be: delete one first.");
        }
        if (filter.Text is { Length: > 200 })
        {
            return new("The search text is too long to save (200 characters at most).");
        }
        db.SavedQueueViews.Add(new SavedQueueViewRecord
        {
            Id = Guid.NewGuid(),
            UserName = userName,
            Name = name!.Trim(),
            ReasonCode = filter.ReasonCode,
            Tier = filter.Tier,
            Workflow = filter.Workflow,
            Claim = ClaimToken(filter.Claim),
            Text = filter.Text,
            Sort = order.Token,
            Density = DensityToken(density),
            CreatedAt = time.GetUtcNow(),
        });
        return await SaveChangesAsync(db, name!, ct);
    }

    public async Task<QueueViewProblem?> RenameAsync(string userName, Guid id, string? name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var view = await db.SavedQueueViews.FirstOrDefaultAsync(v => v.Id == id && v.UserName == userName, ct);
        if (view is null)
        {
            return new("That view no longer exists.");
        }
        var others = await db.SavedQueueViews.Where(v => v.UserName == userName && v.Id != id).Select(v => v.Name).ToListAsync(ct);
        if (NameProblem(name, others) is { } problem)
        {
            return problem;
        }
        view.Name = name!.Trim();
        return await SaveChangesAsync(db, name!, ct);
    }

    public async Task<QueueViewProblem?> DeleteAsync(string userName, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var deleted = await db.SavedQueueViews.Where(v => v.Id == id && v.UserName == userName).ExecuteDeleteAsync(ct);
        return deleted == 0 ? new("That view no longer exists.") : null;
    }

    public async Task<QueueDensity> DensityAsync(string userName, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.QueuePreferences.AsNoTracking().Where(p => p.UserName == userName).Select(p => p.Density).FirstOrDefaultAsync(ct);
        return DensityOf(token);
    }

    public async Task SetDensityAsync(string userName, QueueDensity density, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.QueuePreferences.FirstOrDefaultAsync(p => p.UserName == userName, ct);
        if (row is null)
        {
            db.QueuePreferences.Add(new QueuePreferenceRecord { UserName = userName, Density = DensityToken(density) });
        }
        else
        {
            row.Density = DensityToken(density);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (row is null)
        {
            // The same person in another tab saved a density first: his latest choice is this one.
            await using var retry = await dbFactory.CreateDbContextAsync(ct);
            await retry.QueuePreferences.Where(p => p.UserName == userName)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Density, DensityToken(density)), ct);
        }
    }

    /// <summary>What is wrong with a view's name, given the person's other view names; null when it is fine.</summary>
    public static QueueViewProblem? NameProblem(string? name, IEnumerable<string> others)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return new("Give the view a name.");
        }
        if (trimmed.Length > MaxNameLength)
        {
            return new($"A view's name is at most {MaxNameLength} characters; this one has {trimmed.Length}.");
        }
        if (others.Any(o => string.Equals(o, trimmed, StringComparison.OrdinalIgnoreCase)))
        {
            return new($"You already have a view named \"{trimmed}\": choose another name.");
        }
        return null;
    }

    private static async Task<QueueViewProblem?> SaveChangesAsync(WorkbenchDbContext db, string name, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException)
        {
            // The unique index: the same name saved a moment ago from another tab.
            return new($"You already have a view named \"{name.Trim()}\": choose another name.");
        }
    }

    private static SavedQueueView ToView(SavedQueueViewRecord v) => new(v.Id, v.Name,
        new QueueFilter
        {
            ReasonCode = v.ReasonCode,
            Tier = v.Tier,
            Workflow = v.Workflow,
            Claim = v.Claim switch { "claimed" => ClaimFilter.Claimed, "unclaimed" => ClaimFilter.Unclaimed, _ => ClaimFilter.All },
            Text = v.Text,
        },
        QueueOrder.Of(v.Sort), DensityOf(v.Density));

    public static QueueDensity DensityOf(string? token) => token == "comfortable" ? QueueDensity.Comfortable : QueueDensity.Compact;

    public static string DensityToken(QueueDensity density) => density == QueueDensity.Comfortable ? "comfortable" : "compact";

    private static string ClaimToken(ClaimFilter claim) => claim switch
    {
        ClaimFilter.Claimed => "claimed",
        ClaimFilter.Unclaimed => "unclaimed",
        _ => "all",
    };
}
