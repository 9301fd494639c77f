using System.Reflection;
using OrleansIm.Grains;

namespace OrleansIm.Tests.Grains;

public sealed class StateNameTests
{
    [Fact]
    public void No_two_grain_classes_share_a_state_name_on_one_provider()
    {
        var uses = typeof(StorageNames).Assembly.GetTypes()
            .Where(t => typeof(Grain).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => t.GetConstructors().SelectMany(c => c.GetParameters())
                .Select(p => p.GetCustomAttribute<PersistentStateAttribute>())
                .OfType<PersistentStateAttribute>()
                .Select(a => (Grain: t.Name, a.StateName, a.StorageName)))
            .ToList();

        Assert.NotEmpty(uses);
        var shared = uses.GroupBy(u => (u.StateName, u.StorageName)).Where(g => g.Select(u => u.Grain).Distinct().Count() > 1).ToList();
        Assert.True(shared.Count == 0, "shared state names: " + string.Join("; ", shared.Select(g => $"{g.Key} by {string.Join(",", g.Select(u => u.Grain))}")));
        Assert.DoesNotContain(uses, u => u.StateName == "state");
    }
}
