using System.Security.Claims;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Registry.Access;

namespace Registry.Identity;

/// <summary>
/// The registry decides what a person may do: on every request (API token or page session) the caller is looked up
/// in the user directory, and the directory's role and sites replace whatever the token said. A deactivated user
/// is refused on the very next request. A token the registry minted itself (its signing key: the operator's
/// <c>token</c> command, the test suite) for a name the directory does not hold keeps its own claims: whoever holds
/// that key is the registry's operator.
/// </summary>
public static class UserDirectory
{
    public const string Deactivated = "This account has been deactivated: ask your registry's administrator.";

    /// <summary>The caller as the directory has it, or why the caller is refused.</summary>
    public static async Task<(ClaimsPrincipal? Principal, string? Refusal)> ResolveAsync(
        IServiceProvider services, ClaimsPrincipal principal, CancellationToken ct, bool requireUser = false)
    {
        var subject = principal.FindFirstValue(Claims.Subject);
        if (subject is null)
        {
            return (null, "A token names exactly one subject ('sub').");
        }

        await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
        var account = await UserAccount.FindAsync(session, subject, ct);
        if (account is null)
        {
            return requireUser ? (null, "This person is not a user of the registry.") : (principal, null);
        }

        return account.Active ? (WithAccess(principal, account), null) : (null, Deactivated);
    }

    /// <summary>The claims the directory decides: a token's own are dropped, whatever their case.</summary>
    private static readonly HashSet<string> Replaced =
        new([Claims.Role, Claims.Sites, Claims.Subject, Claims.FreeText], StringComparer.OrdinalIgnoreCase);

    /// <summary>The principal with the directory's username, role and sites in place of the token's.</summary>
    public static ClaimsPrincipal WithAccess(ClaimsPrincipal principal, UserAccount account)
    {
        var source = principal.Identity as ClaimsIdentity;
        // The directory's username is who acted (the token may spell it in another case).
        var identity = new ClaimsIdentity(
            principal.Claims.Where(c => !Replaced.Contains(c.Type)),
            source?.AuthenticationType ?? "registry", Claims.Subject, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, account.Username));
        identity.AddClaim(new Claim(Claims.Role, account.Role));
        foreach (var site in account.Sites)
        {
            identity.AddClaim(new Claim(Claims.Sites, site));
        }

        if (account.FreeText && account.Role == Roles.Researcher)
        {
            identity.AddClaim(new Claim(Claims.FreeText, "true"));
        }

        return new ClaimsPrincipal(identity);
    }
}
