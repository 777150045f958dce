using System.Security.Claims;

namespace Registry.Access;

/// <summary>The roles of API.md. A token carries exactly one.</summary>
public static class Roles
{
    public const string Site = "site";
    public const string Monitor = "monitor";
    public const string Pv = "pv";
    public const string Researcher = "researcher";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Site, Monitor, Pv, Researcher, Admin];

    /// <summary>
    /// Why a token's claims are not a caller the registry accepts, or null when they are: exactly one subject and
    /// exactly one of the five roles. A person has one role; a token naming two (say <c>["monitor","site"]</c>)
    /// would pass a policy by one role and be treated by the other, so it is refused outright.
    /// </summary>
    public static string? Refusal(IEnumerable<Claim> claims)
    {
        var all = claims.ToList();
        var roles = all.Where(c => c.Type == Claims.Role).Select(c => c.Value).ToList();
        if (all.Count(c => c.Type == Claims.Subject) != 1)
        {
            return "A token names exactly one subject ('sub').";
        }

        return roles.Count == 1 && All.Contains(roles[0])
            ? null
            : $"A token carries exactly one role, one of {string.Join(", ", All)}.";
    }
}

/// <summary>The token's claims (API.md): <c>sub</c>, <c>role</c>, <c>sites</c>.</summary>
public static class Claims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Sites = "sites";

    /// <summary>The page session a cookie or a page token belongs to (server-side sessions).</summary>
    public const string Session = "sid";

    /// <summary>
    /// <c>true</c> for a researcher an admin allowed free text in exports. Set from the user directory on every
    /// request (a token's own claim is dropped for a directory user).
    /// </summary>
    public const string FreeText = "free_text";
}

/// <summary>
/// Authorization policies, one per row of API.md's role matrix. Every endpoint names one of these
/// (a test fails for an endpoint that does not).
/// </summary>
public static class Policies
{
    /// <summary>Any of the five roles.</summary>
    public const string AnyRole = "any-role";

    /// <summary>Site staff: enrol, visits, corrections, withdrawal (their own sites only).</summary>
    public const string SiteStaff = "site-staff";

    /// <summary>Patient records and their history: site (own sites), monitor, pv.</summary>
    public const string ReadPatients = "read-patients";

    /// <summary>Cohort response figures: everyone but the admin (a site user sees its own sites' patients only).</summary>
    public const string Cohorts = "cohorts";

    /// <summary>Safety figures across sites: monitor and pv.</summary>
    public const string Safety = "safety";

    /// <summary>SAE acknowledgement and regulatory submissions: pv only.</summary>
    public const string Pv = "pv";

    /// <summary>De-identified exports: researchers only.</summary>
    public const string Researcher = "researcher";

    /// <summary>Configuration: sites, catalogue changes, audit.</summary>
    public const string Admin = "admin";

    /// <summary>Data queries (opening, closing, re-opening) and source data verification: monitors.</summary>
    public const string Monitoring = "monitoring";

    /// <summary>Locking and unlocking a patient's record: monitors and admins.</summary>
    public const string Locking = "locking";

    /// <summary>The lists of data queries: site staff (their own sites' patients) and monitors.</summary>
    public const string Queries = "queries";

    /// <summary>Moving a patient to another site: monitors and admins (who see both sites).</summary>
    public const string Transfers = "transfers";

    public static readonly IReadOnlyDictionary<string, string[]> RolesOf = new Dictionary<string, string[]>
    {
        [AnyRole] = [.. Roles.All],
        [SiteStaff] = [Roles.Site],
        [ReadPatients] = [Roles.Site, Roles.Monitor, Roles.Pv],
        [Cohorts] = [Roles.Site, Roles.Monitor, Roles.Pv, Roles.Researcher],
        [Safety] = [Roles.Monitor, Roles.Pv],
        [Pv] = [Roles.Pv],
        [Researcher] = [Roles.Researcher],
        [Admin] = [Roles.Admin],
        [Monitoring] = [Roles.Monitor],
        [Locking] = [Roles.Monitor, Roles.Admin],
        [Queries] = [Roles.Site, Roles.Monitor],
        [Transfers] = [Roles.Monitor, Roles.Admin],
    };
}

/// <summary>Who is calling, from the validated token. The only source of "who acted".</summary>
public sealed record Caller(string UserId, string Role, IReadOnlySet<string> Sites)
{
    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(Claims.Subject) ?? throw new InvalidOperationException("An authenticated caller has no 'sub' claim."),
        user.FindFirstValue(Claims.Role) ?? "",
        user.FindAll(Claims.Sites).Select(c => c.Value).ToHashSet(StringComparer.Ordinal));

    /// <summary>Site users see their own sites' patients; the cross-site roles see every site's.</summary>
    public bool IsSiteBound => Role == Roles.Site;

    public bool MaySee(string siteId) => !IsSiteBound || Sites.Contains(siteId);
}
