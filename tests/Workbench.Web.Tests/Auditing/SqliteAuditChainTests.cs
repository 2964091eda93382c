using Workbench.Data;
using Workbench.Testing.Providers;

namespace Workbench.Web.Tests.Auditing;

public sealed class SqliteAuditChainTests : AuditChainTestsBase
{
    protected override WorkbenchFactory CreateApp() => new() { Settings = { ["Audit:Verification:Enabled"] = "false" } };
    protected override string DropTriggersSql => AuditAppendOnlySql.Sqlite.Down;
}
