namespace Workbench.E2E;

[CollectionDefinition(Name)]
public sealed class E2ECollection : ICollectionFixture<AppServer>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "e2e";
}

[CollectionDefinition(Name)]
public sealed class TwoInstancesCollection : ICollectionFixture<TwoInstances>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "e2e-two-instances";
}
