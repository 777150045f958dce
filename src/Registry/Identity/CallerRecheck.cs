using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Registry.Access;

namespace Registry.Identity;

/// <summary>The identity slice's <see cref="ICallerRecheck"/>: session, token expiry, directory and policy, as on a new request.</summary>
public sealed class CallerRecheck(IServiceProvider services, IAuthorizationService authorization, Sessions sessions, TimeProvider time)
    : ICallerRecheck
{
    public async Task<bool> StillAllowedAsync(ClaimsPrincipal user, string policy, CancellationToken ct)
    {
        if (user.FindFirstValue("exp") is { } exp && long.TryParse(exp, out var seconds)
            && DateTimeOffset.FromUnixTimeSeconds(seconds) <= time.GetUtcNow())
        {
            return false;
        }

        if (user.HasClaim(c => c.Type == Claims.Session) && await sessions.CheckAsync(user, ct) is not null)
        {
            return false;
        }

        var (resolved, refusal) = await UserDirectory.ResolveAsync(services, user, ct);
        return refusal is null && resolved is not null && Roles.Refusal(resolved.Claims) is null
            && (await authorization.AuthorizeAsync(resolved, policy)).Succeeded;
    }
}
