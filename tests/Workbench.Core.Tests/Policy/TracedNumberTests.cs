using System.Globalization;
using Workbench.Core.Policy.Signals;

namespace Workbench.Core.Tests.Policy;

/// <summary>The rule trace prints numbers without the custom format where it can: the text must be the format's.</summary>
public sealed class TracedNumberTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Traced_numbers_read_as_the_custom_format_prints_them(int decimals)
    {
        var format = "0." + new string('#', decimals);
        var random = new Random(20261205);
        var values = new List<double>
        {
            0, -0.0, 1, -1, 0.5, 0.625, 0.82, 0.1, 120.5, 0.12345, 0.99995, 0.00005, 0.00004, 1e-5, 1.5e-7, 123456789012.3456,
            999999999999999.9, 1e15, 1e16, 1.2345678901234567e20, -2.675, 2.675, 1.005, 0.3333333333333333, double.MaxValue,
            double.MinValue, double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
        };
        for (var i = 0; i < 20000; i++)
        {
            values.Add(random.NextDouble() * Math.Pow(10, random.Next(-8, 17)) * (random.Next(2) == 0 ? -1 : 1));
            // Decimals as people and AI systems write them: a few digits, a few places.
            values.Add(Math.Round(random.Next(-1_000_000, 1_000_000) / Math.Pow(10, random.Next(0, 7)), 6));
        }
        foreach (var v in values)
        {
            Assert.Equal(v.ToString(format, CultureInfo.InvariantCulture), SignalFrame.FormatDecimal(v, decimals));
        }
    }
}
