using System.Security.Claims;
using Marten;

namespace Registry.Access;

/// <summary>
/// Who acted comes from the token, never from the request body: every endpoint's session is stamped
/// with the caller's <c>sub</c>, which the store writes on each event it appends (its <c>UserName</c>).
/// Applied to every endpoint by <c>RegistryPipeline.UseRegistry</c>.
/// </summary>
public static class RecordedBy
{
    public static void Before(IDocumentSession session, ClaimsPrincipal user)
    {
        session.LastModifiedBy = user.FindFirstValue(Claims.Subject);
    }
}
