using JasperFx.CommandLine;
using Registry.Access;

namespace Registry.Api.Commands;

public sealed class TokenInput : NetCoreInput
{
    [Description("The role: site, monitor, pv, researcher or admin")]
    public string RoleFlag { get; set; } = Roles.Site;

    [Description("The sites the user works for, comma separated (for site users), e.g. FR01,FR02")]
    public string SitesFlag { get; set; } = "";

    [Description("The user's opaque id (never an e-mail or a name)")]
    public string UserFlag { get; set; } = "dev-user";

    [Description("How many hours the token is valid")]
    public int HoursFlag { get; set; } = 8;
}

[Description("Prints a bearer token for local use and tests; refuses to run in Production")]
public sealed class TokenCommand : JasperFxCommand<TokenInput>
{
    public override bool Execute(TokenInput input)
    {
        using var host = input.BuildHost();
        var environment = host.Services.GetRequiredService<IHostEnvironment>();
        if (environment.IsProduction())
        {
            Console.Error.WriteLine("The token command does not run in Production: tokens there come from the identity provider.");
            return false;
        }

        if (!Roles.All.Contains(input.RoleFlag))
        {
            Console.Error.WriteLine($"Unknown role '{input.RoleFlag}': use one of {string.Join(", ", Roles.All)}.");
            return false;
        }

        var sites = input.SitesFlag.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var token = host.Services.GetRequiredService<TokenIssuer>()
            .Issue(input.UserFlag, input.RoleFlag, sites, TimeSpan.FromHours(input.HoursFlag));
        Console.WriteLine(token);
        return true;
    }
}
