using JasperFx.CommandLine;
using Marten;
using Microsoft.Extensions.Options;
using Registry.Access;
using Registry.Identity;

namespace Registry.Api.Commands;

public sealed class InviteInput : NetCoreInput
{
    [Description("The username, e.g. a.martin (created when the directory does not hold it)")]
    public string UserFlag { get; set; } = "";

    [Description("The role of a new user: site, monitor, pv, researcher or admin")]
    public string RoleFlag { get; set; } = Roles.Admin;

    [Description("The sites of a new site user, comma separated, e.g. FR01,FR02")]
    public string SitesFlag { get; set; } = "";

    [Description("The person's name as colleagues know it (a new user)")]
    public string NameFlag { get; set; } = "";

    [Description("Why (kept with the change)")]
    public string ReasonFlag { get; set; } = "invited from the command line";
}

/// <summary>
/// The first admin of a new registry (and the way back in when no admin can sign in): creates the user if the
/// directory does not hold it, and prints an invitation code for <c>/account/setup</c>. Recorded as done by the
/// operator (<c>operator:cli</c>). Runs against the configured database, in any environment.
/// </summary>
[Description("Creates a user if needed and prints an invitation to set a password and a second factor")]
public sealed class InviteCommand : JasperFxAsyncCommand<InviteInput>
{
    public override async Task<bool> Execute(InviteInput input)
    {
        using var host = input.BuildHost();
        var username = UserAccount.Normalize(input.UserFlag);
        if (username.Length is < 2 or > 64)
        {
            Console.Error.WriteLine("Give the username with --user, e.g. --user a.martin.");
            return false;
        }

        var store = host.Services.GetRequiredService<IDocumentStore>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        await using var session = store.LightweightSession();
        session.LastModifiedBy = "operator:cli";
        var account = await UserAccount.FindAsync(session, username, CancellationToken.None);
        if (account is null)
        {
            if (!Roles.All.Contains(input.RoleFlag))
            {
                Console.Error.WriteLine($"Unknown role '{input.RoleFlag}': use one of {string.Join(", ", Roles.All)}.");
                return false;
            }

            var sites = input.SitesFlag.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if ((input.RoleFlag == Roles.Site) != (sites.Length > 0))
            {
                Console.Error.WriteLine("Site users need --sites; the other roles have none.");
                return false;
            }

            var name = input.NameFlag.Length > 0 ? input.NameFlag : username;
            var created = new UserCreated(username, name, input.RoleFlag, sites, null, null,
                input.ReasonFlag);
            session.Events.StartStream<UserAccount>(UserAccount.StreamFor(username), created);
            account = new UserAccountProjection()
                .Evolve(null, UserAccount.StreamFor(username), new JasperFx.Events.Event<UserCreated>(created))!;
        }

        var invitation = Invitations.Stage(session, account, time.GetUtcNow(),
            host.Services.GetRequiredService<IOptions<SignInOptions>>().Value, input.ReasonFlag);
        await session.SaveChangesAsync();
        Console.WriteLine($"User:            {invitation.Username} ({account.Role})");
        Console.WriteLine($"Invitation code: {invitation.Code}");
        Console.WriteLine($"Valid until:     {invitation.ExpiresAt:u}");
        Console.WriteLine($"Set up at:       <registry address>{invitation.SetupPath}");
        return true;
    }
}
