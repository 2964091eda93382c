using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Data.Entities;

namespace Workbench.Data;

/// <summary>
/// The one model of the product. Each provider has a thin subclass below so that each keeps its own
/// migrations in this assembly (EF tells them apart by context type); code depends only on this class.
/// </summary>
public class WorkbenchDbContext : DbContext, IDataProtectionKeyContext
{
    public WorkbenchDbContext(DbContextOptions<WorkbenchDbContext> options)
        : base(options)
    {
    }

    protected WorkbenchDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<CaseRecord> Cases => Set<CaseRecord>();
    public DbSet<PolicyEvaluationRecord> PolicyEvaluations => Set<PolicyEvaluationRecord>();
    public DbSet<ReviewActionRecord> ReviewActions => Set<ReviewActionRecord>();
    public DbSet<CaseNoteRecord> CaseNotes => Set<CaseNoteRecord>();
    public DbSet<CaseMentionRecord> CaseMentions => Set<CaseMentionRecord>();
    public DbSet<AuditEventRecord> AuditEvents => Set<AuditEventRecord>();
    public DbSet<AuditTextRecord> AuditTexts => Set<AuditTextRecord>();
    public DbSet<AuditVerificationRecord> AuditVerifications => Set<AuditVerificationRecord>();
    public DbSet<AuditTreeNodeRecord> AuditTreeNodes => Set<AuditTreeNodeRecord>();
    public DbSet<AuditCheckpointRecord> AuditCheckpoints => Set<AuditCheckpointRecord>();
    /// <summary>Always empty: readiness writes a row and rolls it back.</summary>
    public DbSet<HealthProbeRecord> HealthProbes => Set<HealthProbeRecord>();
    public DbSet<UserRecord> Users => Set<UserRecord>();
    public DbSet<QueueMembershipRecord> QueueMemberships => Set<QueueMembershipRecord>();
    public DbSet<ApiClientRecord> ApiClients => Set<ApiClientRecord>();
    public DbSet<PolicyVersionRecord> PolicyVersions => Set<PolicyVersionRecord>();
    public DbSet<SavedQueueViewRecord> SavedQueueViews => Set<SavedQueueViewRecord>();
    public DbSet<QueuePreferenceRecord> QueuePreferences => Set<QueuePreferenceRecord>();
    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();
    public DbSet<DownstreamOutcomeRecord> DownstreamOutcomes => Set<DownstreamOutcomeRecord>();
    public DbSet<DoubleReviewRecord> DoubleReviews => Set<DoubleReviewRecord>();
    public DbSet<SpotCheckRecord> SpotChecks => Set<SpotCheckRecord>();
    public DbSet<OutboxEventRecord> OutboxEvents => Set<OutboxEventRecord>();
    public DbSet<WebhookEndpointRecord> WebhookEndpoints => Set<WebhookEndpointRecord>();
    public DbSet<WebhookDeliveryRecord> WebhookDeliveries => Set<WebhookDeliveryRecord>();
    public DbSet<WebhookClientRecord> WebhookClients => Set<WebhookClientRecord>();
    public DbSet<WebhookAttemptRecord> WebhookAttempts => Set<WebhookAttemptRecord>();
    public DbSet<NotificationRecord> Notifications => Set<NotificationRecord>();
    public DbSet<NotificationPreferenceRecord> NotificationPreferences => Set<NotificationPreferenceRecord>();
    public DbSet<QueueNotificationRecord> QueueNotifications => Set<QueueNotificationRecord>();
    public DbSet<PushSubscriptionRecord> PushSubscriptions => Set<PushSubscriptionRecord>();
    public DbSet<NotificationLinkRecord> NotificationLinks => Set<NotificationLinkRecord>();
    public DbSet<NotificationCursorRecord> NotificationCursors => Set<NotificationCursorRecord>();
    public DbSet<NotificationChannelStateRecord> NotificationChannels => Set<NotificationChannelStateRecord>();
    /// <summary>The ASP.NET Core Data Protection key ring, shared by every instance (sign-in cookies, antiforgery, circuits).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(WorkbenchDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<CaseStatus>().HaveConversion<SnakeCaseEnumConverter<CaseStatus>>().HaveMaxLength(32);
        configurationBuilder.Properties<PathOutcome>().HaveConversion<SnakeCaseEnumConverter<PathOutcome>>().HaveMaxLength(32);
        configurationBuilder.Properties<AutonomyStage>().HaveConversion<SnakeCaseEnumConverter<AutonomyStage>>().HaveMaxLength(32);
        configurationBuilder.Properties<DecisionKind>().HaveConversion<SnakeCaseEnumConverter<DecisionKind>>().HaveMaxLength(32);
        configurationBuilder.Properties<ReviewActionKind>().HaveConversion<SnakeCaseEnumConverter<ReviewActionKind>>().HaveMaxLength(32);
        configurationBuilder.Properties<RootCause>().HaveConversion<SnakeCaseEnumConverter<RootCause>>().HaveMaxLength(32);
        configurationBuilder.Properties<SpotCheckVerdict>().HaveConversion<SnakeCaseEnumConverter<SpotCheckVerdict>>().HaveMaxLength(32);
        configurationBuilder.Properties<DownstreamOutcome>().HaveConversion<SnakeCaseEnumConverter<DownstreamOutcome>>().HaveMaxLength(32);
        configurationBuilder.Properties<SlaState>().HaveConversion<SnakeCaseEnumConverter<SlaState>>().HaveMaxLength(16);
        configurationBuilder.Properties<UserRole>().HaveConversion<SnakeCaseEnumConverter<UserRole>>().HaveMaxLength(16);
    }
}

public sealed class SqliteWorkbenchDbContext(DbContextOptions<SqliteWorkbenchDbContext> options) : WorkbenchDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // SQLite has no INCLUDE: the reason codes of the open-cases index become its last key column instead.
        var cases = modelBuilder.Entity<CaseRecord>().Metadata;
        var open = cases.FindIndex([cases.FindProperty(nameof(CaseRecord.Queue))!, cases.FindProperty(nameof(CaseRecord.Status))!,
            cases.FindProperty(nameof(CaseRecord.SlaDueAt))!])!;
        cases.RemoveIndex(open);
        modelBuilder.Entity<CaseRecord>().HasIndex(c => new { c.Queue, c.Status, c.SlaDueAt, c.ReasonCodes });
        var arrivals = cases.FindIndex([cases.FindProperty(nameof(CaseRecord.CreatedAt))!, cases.FindProperty(nameof(CaseRecord.Queue))!])!;
        cases.RemoveIndex(arrivals);
        modelBuilder.Entity<CaseRecord>().HasIndex(c => new { c.CreatedAt, c.Queue, c.ReasonCodes });

        // The board's pre-aggregates, kept by triggers (BoardAggregateSql): only SQLite has them, because only on SQLite
        // does grouping a week of cases take longer than the board may (one core, no parallel scan).
        modelBuilder.Entity<BoardHourRecord>(b =>
        {
            b.ToTable("board_hours");
            b.HasKey(h => new { h.Hour, h.Queue });
            b.Property(h => h.Queue).HasMaxLength(64);
        });
        modelBuilder.Entity<BoardReasonDayRecord>(b =>
        {
            b.ToTable("board_reason_days");
            b.HasKey(d => new { d.Day, d.Queue, d.ReasonCodes });
            b.Property(d => d.Queue).HasMaxLength(64);
            b.Property(d => d.ReasonCodes).HasMaxLength(1024);
        });
        modelBuilder.Entity<BoardCostDayRecord>(b =>
        {
            b.ToTable("board_cost_days");
            b.HasKey(d => new { d.Day, d.ReleaseOutcome, d.ExecuteOutcome, d.Currency });
            b.Property(d => d.Currency).HasMaxLength(3);
        });
    }
}

public sealed class SqlServerWorkbenchDbContext(DbContextOptions<SqlServerWorkbenchDbContext> options) : WorkbenchDbContext(options);

public sealed class PostgresWorkbenchDbContext(DbContextOptions<PostgresWorkbenchDbContext> options) : WorkbenchDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // Every text column compresses with lz4, not PostgreSQL's default pglz: the JSON a case is written with (the
        // submission, the policy's trace, the audit event's data) is compressed on every insert, and pglz was the
        // largest single cost of the server at intake. lz4 compresses several times faster at a similar ratio.
        // docs/adr/0020-postgresql-text-columns-compress-with-lz4.md
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(e => e.GetDeclaredProperties()))
        {
            if (property.ClrType == typeof(string) && property.GetMaxLength() is null)
            {
                property.SetCompressionMethod("lz4");
            }
        }
    }
}
