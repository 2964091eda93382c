namespace Workbench.System.Tests;

/// <summary>One throwaway PostgreSQL cluster for the tests that run the same tests on each database provider.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}

/// <summary>One PostgreSQL cluster and one redis-server shared by the tests of several app instances.</summary>
[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<PostgresServer>, ICollectionFixture<RedisServer>
{
    public const string Name = "scale-out";
}
