using Npgsql;
using Registry.Hosting;
using Registry.Infrastructure;

namespace Registry.Tests.Infrastructure;

public sealed class ConnectionStringTests
{
    [Fact]
    public void the_registry_prepares_frequent_statements_and_keeps_custom_plans()
    {
        var built = new NpgsqlConnectionStringBuilder(RegistryHosting.WithAutoPrepare("Host=db;Database=registry;Options=-c statement_timeout=5000"));

        Assert.Equal(64, built.MaxAutoPrepare);
        Assert.Equal(2, built.AutoPrepareMinUsages);
        Assert.Equal("-c statement_timeout=5000 -c plan_cache_mode=force_custom_plan", built.Options);
    }

    [Fact]
    public void a_connection_string_that_names_its_own_auto_prepare_setting_is_left_alone()
    {
        var built = new NpgsqlConnectionStringBuilder(RegistryHosting.WithAutoPrepare("Host=db;Database=registry;Max Auto Prepare=0"));

        Assert.Equal(0, built.MaxAutoPrepare);
        Assert.Null(built.Options);
    }
}
