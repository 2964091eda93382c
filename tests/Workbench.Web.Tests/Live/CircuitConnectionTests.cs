using Workbench.Web.Live;

namespace Workbench.Web.Tests.Live;

public sealed class CircuitConnectionTests
{
    [Fact]
    public async Task Only_a_connection_coming_back_after_a_drop_is_a_reconnection()
    {
        var registry = new CircuitRegistry();
        var connection = new CircuitConnection(registry);
        var reconnected = 0;
        connection.Reconnected += () => reconnected++;

        await connection.OnCircuitOpenedAsync(null!, default);
        await connection.OnConnectionUpAsync(null!, default); // the circuit starting
        Assert.Equal((1, 0, 0L), (registry.Open, reconnected, registry.Reconnections));

        await connection.OnConnectionDownAsync(null!, default);
        await connection.OnConnectionUpAsync(null!, default);
        Assert.Equal((1, 1L), (reconnected, registry.Reconnections));

        await connection.OnCircuitClosedAsync(null!, default);
        Assert.Equal(0, registry.Open);
    }
}
