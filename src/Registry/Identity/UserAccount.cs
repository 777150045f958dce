using System.Security.Cryptography;
using System.Text;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Registry.Access;

namespace Registry.Identity;

/// <summary>An admin created a user: who may sign in, with which role and sites (one role per person).</summary>
public sealed record UserCreated(
    string Username,
    string DisplayName,
    string Role,
    IReadOnlyList<string> Sites,
    string? ExternalIssuer,
    string? ExternalSubject,
    string Reason);

/// <summary>An admin changed a user's role or sites.</summary>
public sealed record UserAccessChanged(string Username, string Role, IReadOnlyList<string> Sites, string Reason);

/// <summary>An admin linked the user to a person of an external identity provider (its issuer and that person's subject).</summary>
public sealed record UserLinked(string Username, string? ExternalIssuer, string? ExternalSubject, string Reason);

/// <summary>
/// An admin allowed a researcher free text in exports (verbatim terms, reasons, products, drug names, units), or
/// withdrew it. A change of role away from researcher withdraws it too.
/// </summary>
public sealed record UserFreeTextChanged(string Username, bool Allowed, string Reason);

/// <summary>An admin named a site user an investigator (who signs patients' records), or withdrew it.</summary>
public sealed record UserInvestigatorChanged(string Username, bool Allowed, string Reason);

/// <summary>An admin took the user's access away: refused from the next request on.</summary>
public sealed record UserDeactivated(string Username, string Reason);

/// <summary>An admin gave a deactivated user's access back.</summary>
public sealed record UserReactivated(string Username, string Reason);

/// <summary>One change of a user, as the directory's history shows it.</summary>
public sealed record UserChange(
    string Change, DateTimeOffset At, string? By, string Reason, string Role, IReadOnlyList<string> Sites, bool Active,
    bool FreeText = false);

/// <summary>
/// A user of the registry, folded from the user's own stream (every grant and withdrawal is an event: who granted
/// what to whom, when, why). An identity provider says who someone is; this says what they may do.
/// </summary>
public sealed class UserAccount
{
    public Guid Id { get; set; }

    /// <summary>The user's name in the registry, lower case: the <c>sub</c> of the registry's own tokens.</summary>
    public string Username { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string Role { get; set; } = "";

    public List<string> Sites { get; set; } = [];

    public bool Active { get; set; }

    /// <summary>A researcher an admin allowed free text in exports.</summary>
    public bool FreeText { get; set; }

    /// <summary>A site user who signs patients' records (an admin names them; a change of role withdraws it).</summary>
    public bool Investigator { get; set; }

    /// <summary>The external identity provider's issuer and the person's subject there, when the user signs in through one.</summary>
    public string? ExternalIssuer { get; set; }

    public string? ExternalSubject { get; set; }

    /// <summary><c>issuer subject</c>, unique (an index): how a person signed in elsewhere is found.</summary>
    public string? ExternalKey { get; set; }

    public long Version { get; set; }

    /// <summary>Whether the user has set a password and a second factor (the built-in issuer's sign-in).</summary>
    public bool SignInReady { get; set; }

    public List<UserChange> History { get; set; } = [];

    /// <summary>The user's stream: a name-based id from the username, so a user is found by name without a query.</summary>
    public static Guid StreamFor(string username)
    {
        var hash = MD5.HashData(Encoding.UTF8.GetBytes($"registry:user:{Normalize(username)}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x30);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash);
    }

    /// <summary>Usernames compare without case: the directory keeps them lower case.</summary>
    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    public static string? KeyOf(string? issuer, string? subject) =>
        string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(subject) ? null : $"{issuer.TrimEnd('/')} {subject}";

    public static Task<UserAccount?> FindAsync(IQuerySession session, string username, CancellationToken ct) =>
        session.LoadAsync<UserAccount>(StreamFor(username), ct);
}

public sealed class UserAccountProjection : SingleStreamProjection<UserAccount, Guid>
{
    public UserAccountProjection()
    {
        IncludeType<UserCreated>();
        IncludeType<UserAccessChanged>();
        IncludeType<UserFreeTextChanged>();
        IncludeType<UserInvestigatorChanged>();
        IncludeType<UserLinked>();
        IncludeType<UserDeactivated>();
        IncludeType<UserReactivated>();
        IncludeType<UserInvited>();
        IncludeType<UserCredentialsSet>();
    }

    public override UserAccount? Evolve(UserAccount? snapshot, Guid id, IEvent e)
    {
        string change;
        string reason;
        switch (e.Data)
        {
            case UserCreated x:
                snapshot = new UserAccount
                {
                    Id = id,
                    Username = x.Username,
                    DisplayName = x.DisplayName,
                    Role = x.Role,
                    Sites = [.. x.Sites],
                    Active = true,
                    ExternalIssuer = x.ExternalIssuer,
                    ExternalSubject = x.ExternalSubject,
                    ExternalKey = UserAccount.KeyOf(x.ExternalIssuer, x.ExternalSubject),
                };
                (change, reason) = ("created", x.Reason);
                break;
            case UserAccessChanged x when snapshot is not null:
                snapshot.Role = x.Role;
                snapshot.Sites = [.. x.Sites];
                snapshot.FreeText &= x.Role == Roles.Researcher;
                snapshot.Investigator &= x.Role == Roles.Site;
                (change, reason) = ("access-changed", x.Reason);
                break;
            case UserFreeTextChanged x when snapshot is not null:
                snapshot.FreeText = x.Allowed;
                (change, reason) = (x.Allowed ? "free-text-allowed" : "free-text-withdrawn", x.Reason);
                break;
            case UserInvestigatorChanged x when snapshot is not null:
                snapshot.Investigator = x.Allowed;
                (change, reason) = (x.Allowed ? "investigator-named" : "investigator-withdrawn", x.Reason);
                break;
            case UserLinked x when snapshot is not null:
                snapshot.ExternalIssuer = x.ExternalIssuer;
                snapshot.ExternalSubject = x.ExternalSubject;
                snapshot.ExternalKey = UserAccount.KeyOf(x.ExternalIssuer, x.ExternalSubject);
                (change, reason) = ("linked", x.Reason);
                break;
            case UserDeactivated x when snapshot is not null:
                snapshot.Active = false;
                (change, reason) = ("deactivated", x.Reason);
                break;
            case UserReactivated x when snapshot is not null:
                snapshot.Active = true;
                (change, reason) = ("reactivated", x.Reason);
                break;
            case UserInvited x when snapshot is not null:
                snapshot.SignInReady = false;
                (change, reason) = ("invited", x.Reason);
                break;
            case UserCredentialsSet when snapshot is not null:
                snapshot.SignInReady = true;
                (change, reason) = ("credentials-set", "set by the user with an invitation");
                break;
            default:
                return snapshot;
        }

        snapshot.Version++;
        snapshot.History.Add(
            new UserChange(
                change, e.Timestamp, e.UserName, reason, snapshot.Role, [.. snapshot.Sites], snapshot.Active, snapshot.FreeText));
        return snapshot;
    }
}
