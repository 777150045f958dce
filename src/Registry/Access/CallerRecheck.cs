using System.Security.Claims;

namespace Registry.Access;

/// <summary>
/// Whether a caller authenticated at the start of a long answer (the live SAE stream) may still have it: the session
/// still open, the token not expired, the user still active with a role the policy allows. Implemented by the
/// identity slice, which knows sessions and the directory.
/// </summary>
public interface ICallerRecheck
{
    Task<bool> StillAllowedAsync(ClaimsPrincipal user, string policy, CancellationToken ct);
}
