using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workbench.Data.Entities;

namespace Workbench.Data.Configurations;

internal sealed class NotificationRecordConfiguration : IEntityTypeConfiguration<NotificationRecord>
{
    public void Configure(EntityTypeBuilder<NotificationRecord> b)
    {
        b.ToTable("notifications");
        b.HasKey(n => n.Id);
        b.Property(n => n.DedupKey).HasMaxLength(256).IsRequired();
        b.Property(n => n.Kind).HasMaxLength(32).IsRequired();
        b.Property(n => n.Recipient).HasMaxLength(140).IsRequired();
        b.Property(n => n.Queue).HasMaxLength(64);
        b.Property(n => n.MessageJson).IsRequired();
        b.Property(n => n.Status).HasConversion<SnakeCaseEnumConverter<NotificationStatus>>().HasMaxLength(16);
        b.Property(n => n.SentChannels).HasMaxLength(64);
        b.Property(n => n.LastError).HasMaxLength(512);
        b.Property(n => n.LeaseToken).IsConcurrencyToken();
        b.Property(n => n.Attempts).IsConcurrencyToken();
        // One notification per event and recipient, whoever plans it and however often.
        b.HasIndex(n => n.DedupKey).IsUnique();
        // Due notifications; a recipient's pending ones (his digest).
        b.HasIndex(n => new { n.Status, n.NextAttemptAt });
        b.HasIndex(n => new { n.Recipient, n.Status });
        b.HasIndex(n => n.CaseId);
    }
}

internal sealed class NotificationPreferenceRecordConfiguration : IEntityTypeConfiguration<NotificationPreferenceRecord>
{
    public void Configure(EntityTypeBuilder<NotificationPreferenceRecord> b)
    {
        b.ToTable("notification_preferences");
        b.HasKey(p => p.UserName);
        b.Property(p => p.UserName).HasMaxLength(128);
        b.Property(p => p.Email).HasMaxLength(320);
        b.Property(p => p.EventsJson).HasMaxLength(4096).IsRequired();
        b.Property(p => p.TimeZone).HasMaxLength(64).IsRequired();
        b.Property(p => p.Digest).HasMaxLength(16).IsRequired();
    }
}

internal sealed class QueueNotificationRecordConfiguration : IEntityTypeConfiguration<QueueNotificationRecord>
{
    public void Configure(EntityTypeBuilder<QueueNotificationRecord> b)
    {
        b.ToTable("queue_notifications");
        b.HasKey(q => q.Queue);
        b.Property(q => q.Queue).HasMaxLength(64);
        b.Property(q => q.Lead).HasMaxLength(128);
        b.Property(q => q.EscalationChain).HasMaxLength(1024).IsRequired();
        b.Property(q => q.SlackUrlProtected).HasMaxLength(4096);
        b.Property(q => q.TeamsUrlProtected).HasMaxLength(4096);
    }
}

internal sealed class PushSubscriptionRecordConfiguration : IEntityTypeConfiguration<PushSubscriptionRecord>
{
    public void Configure(EntityTypeBuilder<PushSubscriptionRecord> b)
    {
        b.ToTable("push_subscriptions");
        b.HasKey(s => s.Id);
        b.Property(s => s.Id).ValueGeneratedNever();
        b.Property(s => s.UserName).HasMaxLength(128).IsRequired();
        b.Property(s => s.Endpoint).HasMaxLength(2048).IsRequired();
        b.Property(s => s.P256dh).HasMaxLength(128).IsRequired();
        b.Property(s => s.Auth).HasMaxLength(64).IsRequired();
        b.Property(s => s.UserAgent).HasMaxLength(256);
        b.HasIndex(s => s.Endpoint).IsUnique();
        b.HasIndex(s => s.UserName);
    }
}

internal sealed class NotificationLinkRecordConfiguration : IEntityTypeConfiguration<NotificationLinkRecord>
{
    public void Configure(EntityTypeBuilder<NotificationLinkRecord> b)
    {
        b.ToTable("notification_links");
        b.HasKey(l => l.Id);
        b.Property(l => l.Id).HasMaxLength(32);
        b.Property(l => l.UserName).HasMaxLength(128).IsRequired();
        b.Property(l => l.Path).HasMaxLength(512).IsRequired();
        b.Property(l => l.UsedAt).IsConcurrencyToken();
        // Whether a breached case's link was opened (its escalation stops).
        b.HasIndex(l => l.CaseId);
        b.HasIndex(l => l.ExpiresAt);
    }
}

internal sealed class NotificationCursorRecordConfiguration : IEntityTypeConfiguration<NotificationCursorRecord>
{
    public void Configure(EntityTypeBuilder<NotificationCursorRecord> b)
    {
        b.ToTable("notification_cursors");
        b.HasKey(c => c.Name);
        b.Property(c => c.Name).HasMaxLength(32);
        b.Property(c => c.Position).IsConcurrencyToken();
    }
}

internal sealed class NotificationChannelStateRecordConfiguration : IEntityTypeConfiguration<NotificationChannelStateRecord>
{
    public void Configure(EntityTypeBuilder<NotificationChannelStateRecord> b)
    {
        b.ToTable("notification_channels");
        b.HasKey(c => c.Channel);
        b.Property(c => c.Channel).HasMaxLength(16);
        b.Property(c => c.LastError).HasMaxLength(512);
    }
}
