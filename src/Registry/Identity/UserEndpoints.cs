using System.Security.Claims;
using System.Text.RegularExpressions;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Sites;
using Registry.Writing;
using Wolverine.Http;

namespace Registry.Identity;

public sealed record CreateUser(
    string? Username, string? DisplayName, string? Role, string[]? Sites, string? ExternalIssuer, string? ExternalSubject, string? Reason);

public sealed record ChangeUserAccess(string? Role, string[]? Sites, string? Reason);

public sealed record LinkUser(string? ExternalIssuer, string? ExternalSubject, string? Reason);

public sealed record UserReason(string? Reason);

public sealed record ChangeUserPermission(bool? Allowed, string? Reason);

/// <summary>A user as the admin sees it (no credential of any kind).</summary>
public sealed record UserView(
    string Username, string DisplayName, string Role, IReadOnlyList<string> Sites, bool Active, bool SignInReady, string? ExternalIssuer,
    string? ExternalSubject, long Version, IReadOnlyList<UserChange> History, bool FreeText, bool Investigator)
{
    public static UserView Of(UserAccount a) => new(
        a.Username, a.DisplayName, a.Role, a.Sites, a.Active, a.SignInReady, a.ExternalIssuer, a.ExternalSubject, a.Version, a.History,
        a.FreeText, a.Investigator);
}

/// <summary>
/// The user directory's API (admin only): create a user with one role and, for site staff, the sites they work for;
/// change them; link the user to an external identity provider's subject; deactivate and reactivate. Every change
/// is an event on the user's stream with the admin and the reason, and takes effect on the user's next request.
/// </summary>
public static partial class UserEndpoints
{
    public const int MaxReason = 500;
    public const int MaxDisplayName = 100;
    public const int MaxSites = 200;

    [GeneratedRegex("^[a-z0-9][a-z0-9._@-]{1,63}$")]
    private static partial Regex UsernamePattern();

    [WolverineGet("/api/users", OperationId = "listUsers")]
    [EndpointSummary("List the registry's users.")]
    [Authorize(Policy = Policies.Admin)]
    public static async Task<IResult> List(IQuerySession session, CancellationToken ct)
    {
        var users = await session.Query<UserAccount>().OrderBy(u => u.Username).ToListAsync(ct);
        return Results.Ok(users.Select(UserView.Of).ToList());
    }

    [WolverineGet("/api/users/{username}", OperationId = "getUser")]
    [EndpointSummary("Get a user and the history of their access.")]
    [Authorize(Policy = Policies.Admin)]
    public static async Task<IResult> Get(string username, IQuerySession session, CancellationToken ct) =>
        await UserAccount.FindAsync(session, username, ct) is { } account
            ? Results.Ok(UserView.Of(account))
            : Results.Problem(NoSuchUser(username));

    [WolverinePost("/api/users", OperationId = "createUser")]
    [EndpointSummary("Create a user with a role and sites.")]
    [Authorize(Policy = Policies.Admin)]
    [ProducesResponseType<UserView>(StatusCodes.Status201Created)]
    public static Task<IResult> Create(CreateUser command, IDocumentSession session, HttpContext http, TimeProvider time) =>
        WritePath.ExecuteAsync(http, session, time, command, [],
            _ => Task.FromResult(WriteTarget.New),
            async ct =>
            {
                var errors = new ValidationErrors();
                var username = errors.Required("username", command.Username, "Give the username, e.g. a.martin.");
                if (username is not null)
                {
                    username = UserAccount.Normalize(username);
                    if (!UsernamePattern().IsMatch(username))
                    {
                        errors.Add("username",
                            "A username is 2 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.");
                    }
                }

                var displayName = errors.Required("displayName", command.DisplayName, "Give the person's name as colleagues know it.");
                if (displayName is { Length: > MaxDisplayName })
                {
                    errors.Add("displayName", $"A display name is at most {MaxDisplayName} characters.");
                }

                var (role, sites) = await AccessAsync(errors, command.Role, command.Sites, session, ct);
                var (issuer, subject) = External(errors, command.ExternalIssuer, command.ExternalSubject);
                var reason = Reason(errors, command.Reason);
                if (errors.Any)
                {
                    return WriteOutcome.Reject(errors.ToProblem());
                }

                var stream = UserAccount.StreamFor(username!);
                if (await session.LoadAsync<UserAccount>(stream, ct) is not null)
                {
                    return WriteOutcome.Reject(Taken(username!));
                }

                if (await LinkedElsewhereAsync(session, issuer, subject, stream, ct) is { } linked)
                {
                    return WriteOutcome.Reject(linked);
                }

                var created = new UserCreated(username!, displayName!, role!, sites!, issuer, subject, reason!);
                session.Events.StartStream<UserAccount>(stream, created);
                var view = new UserView(username!, displayName!, role!, sites!, true, false, issuer, subject, 1,
                    [new UserChange("created", time.GetUtcNow(), Caller.From(http.User).UserId, reason!, role!, sites!, true)],
                    false, false);
                return WriteOutcome.Accept(new WriteAnswer(StatusCodes.Status201Created, view, $"/api/users/{username}"));
            },
            (_, _) => Task.FromResult<ProblemDetails?>(Taken(UserAccount.Normalize(command.Username ?? ""))));

    [WolverinePost("/api/users/{username}/access", OperationId = "changeUserAccess")]
    [EndpointSummary("Change a user's role or sites.")]
    [Authorize(Policy = Policies.Admin)]
    public static Task<IResult> ChangeAccess(
        string username, ChangeUserAccess command, IDocumentSession session, HttpContext http, TimeProvider time) =>
        ChangeAsync(username, command, session, http, time, async (account, errors, ct) =>
        {
            var (role, sites) = await AccessAsync(errors, command.Role, command.Sites, session, ct);
            var reason = Reason(errors, command.Reason);
            if (!errors.Any && account.Username == Caller.From(http.User).UserId && role != Roles.Admin)
            {
                errors.Add("role", "You cannot take the admin role from yourself: ask another admin.");
            }

            return errors.Any ? null : new UserAccessChanged(account.Username, role!, sites!, reason!);
        });

    [WolverinePost("/api/users/{username}/link", OperationId = "linkUser")]
    [EndpointSummary("Link a user to a person of an external identity provider.")]
    [Authorize(Policy = Policies.Admin)]
    public static Task<IResult> Link(string username, LinkUser command, IDocumentSession session, HttpContext http, TimeProvider time) =>
        ChangeAsync(username, command, session, http, time, (account, errors, _) =>
        {
            var (issuer, subject) = External(errors, command.ExternalIssuer, command.ExternalSubject);
            var reason = Reason(errors, command.Reason);
            return Task.FromResult<object?>(errors.Any ? null : new UserLinked(account.Username, issuer, subject, reason!));
        });

    [WolverinePost("/api/users/{username}/free-text", OperationId = "changeUserFreeText")]
    [EndpointSummary("Allow a researcher free text in exports, or withdraw it.")]
    [Authorize(Policy = Policies.Admin)]
    public static Task<IResult> ChangeFreeText(
        string username, ChangeUserPermission command, IDocumentSession session, HttpContext http, TimeProvider time) =>
        ChangeAsync(username, command, session, http, time, (account, errors, _) => Permission(
            account, errors, command, "free text is allowed", account.FreeText,
            account.Role != Roles.Researcher ? $"Only researchers ask for exports: {account.Username} is a {account.Role}." : null,
            $"{account.Username} already has free text.", $"{account.Username} has no free text.",
            (allowed, reason) => new UserFreeTextChanged(account.Username, allowed, reason)));

    [WolverinePost("/api/users/{username}/investigator", OperationId = "changeUserInvestigator")]
    [EndpointSummary("Name a site user an investigator, who signs patients' records, or withdraw it.")]
    [Authorize(Policy = Policies.Admin)]
    public static Task<IResult> ChangeInvestigator(
        string username, ChangeUserPermission command, IDocumentSession session, HttpContext http, TimeProvider time) =>
        ChangeAsync(username, command, session, http, time, (account, errors, _) => Permission(
            account, errors, command, "the user is an investigator", account.Investigator,
            account.Role != Roles.Site ? $"Only site staff sign patients' records: {account.Username} is a {account.Role}."
            : account.ExternalKey is not null
                ? $"{account.Username} signs in through an external provider: a signature needs a registry password."
                : null,
            $"{account.Username} is already an investigator.", $"{account.Username} is not an investigator.",
            (allowed, reason) => new UserInvestigatorChanged(account.Username, allowed, reason)));

    /// <summary>
    /// A permission an admin grants or withdraws with a reason (free text, signing): refused when granting it to someone
    /// who may not have it (<paramref name="refusal"/>), or when nothing would change.
    /// </summary>
    private static Task<object?> Permission(
        UserAccount account, ValidationErrors errors, ChangeUserPermission command, string what, bool current, string? refusal,
        string already, string notHeld, Func<bool, string, object> change)
    {
        var reason = Reason(errors, command.Reason);
        if (command.Allowed is not { } allowed)
        {
            errors.Add("allowed", $"Say whether {what}: true or false.");
        }
        else if (allowed && refusal is not null)
        {
            errors.Add("allowed", refusal);
        }
        else if (allowed == current)
        {
            errors.Add("allowed", allowed ? already : notHeld);
        }

        return Task.FromResult(errors.Any ? null : change(command.Allowed!.Value, reason!));
    }

    [WolverinePost("/api/users/{username}/deactivation", OperationId = "deactivateUser")]
    [EndpointSummary("Deactivate a user: refused from their next request on.")]
    [Authorize(Policy = Policies.Admin)]
    public static Task<IResult> Deactivate(
        string username, UserReason command, IDocumentSession session, HttpContext http, TimeProvider time) =>
        ChangeAsync(username, command, session, http, time, (account, errors, _) =>
        {
            var reason = Reason(errors, command.Reason);
            if (account.Username == Caller.From(http.User).UserId)
            {
                errors.Add("username", "You cannot deactivate yourself: ask another admin.");
            }
            else if (!account.Active)
            {
                errors.Add("username", $"{account.Username} is already deactivated.");
            }

            return Task.FromResult<object?>(errors.Any ? null : new UserDeactivated(account.Username, reason!));
        });

    [WolverinePost("/api/users/{username}/reactivation", OperationId = "reactivateUser")]
    [EndpointSummary("Reactivate a deactivated user.")]
    [Authorize(Policy = Policies.Admin)]
    public static Task<IResult> Reactivate(
        string username, UserReason command, IDocumentSession session, HttpContext http, TimeProvider time) =>
        ChangeAsync(username, command, session, http, time, (account, errors, _) =>
        {
            var reason = Reason(errors, command.Reason);
            if (account.Active)
            {
                errors.Add("username", $"{account.Username} is active.");
            }

            return Task.FromResult<object?>(errors.Any ? null : new UserReactivated(account.Username, reason!));
        });

    /// <summary>One change of an existing user: the stream is locked for the change, so two admins' changes queue.</summary>
    private static Task<IResult> ChangeAsync(
        string username, object command, IDocumentSession session, HttpContext http, TimeProvider time,
        Func<UserAccount, ValidationErrors, CancellationToken, Task<object?>> decide)
    {
        JasperFx.Events.IEventStream<UserAccount>? stream = null;
        return WritePath.ExecuteAsync(http, session, time, command, [],
            async ct =>
            {
                // The user's stream locked to the end of the write: two admins' changes of one user queue.
                stream = await session.Events.FetchForExclusiveWriting<UserAccount>(UserAccount.StreamFor(username), ct);
                return stream.Aggregate is { } found ? new WriteTarget(found.Version) : new WriteTarget(null, NoSuchUser(username));
            },
            async ct =>
            {
                var account = stream!.Aggregate!;
                var errors = new ValidationErrors();
                var change = await decide(account, errors, ct);
                if (change is null)
                {
                    return WriteOutcome.Reject(errors.ToProblem());
                }

                if (change is UserLinked linked
                    && await LinkedElsewhereAsync(session, linked.ExternalIssuer, linked.ExternalSubject, account.Id, ct) is { } problem)
                {
                    return WriteOutcome.Reject(problem);
                }

                stream.AppendOne(change);
                // A deactivated user, or one who now signs in elsewhere, keeps no session: every one of them ends
                // (a kept cookie would otherwise work again after a reactivation). Linking also drops the built-in
                // password and second factor: the identity provider decides who this is now.
                if (change is UserDeactivated or UserLinked)
                {
                    Sessions.EndAllOf(session, account.Username, time.GetUtcNow(), change is UserDeactivated ? "deactivated" : "linked");
                }

                if (change is UserLinked { ExternalIssuer: not null })
                {
                    session.Delete<UserCredential>(account.Id);
                }
                // The answer is the user after the change, folded on a copy: the store folds the aggregate itself.
                var copy = System.Text.Json.JsonSerializer.Deserialize<UserAccount>(System.Text.Json.JsonSerializer.Serialize(account))!;
                var after = new UserAccountProjection().Evolve(copy, account.Id, new JasperFx.Events.Event<object>(change)
                {
                    Timestamp = time.GetUtcNow(),
                    UserName = Caller.From(http.User).UserId,
                })!;
                return WriteOutcome.Accept(new WriteAnswer(StatusCodes.Status200OK, UserView.Of(after), null));
            });
    }

    private static async Task<(string? Role, string[]? Sites)> AccessAsync(
        ValidationErrors errors, string? role, string[]? sites, IQuerySession session, CancellationToken ct)
    {
        if (role is null || !Roles.All.Contains(role))
        {
            errors.Add("role", $"Give one role: {string.Join(", ", Roles.All)}.");
            return (null, null);
        }

        var given = (sites ?? []).Select(s => s?.Trim() ?? "").ToArray();
        if (role != Roles.Site)
        {
            if (given.Length > 0)
            {
                errors.Add("sites", $"Only site staff have sites: a {role} sees every site as the role allows.");
            }

            return (role, []);
        }

        if (given.Length == 0)
        {
            errors.Add("sites", "Give the sites this person works for.");
            return (role, null);
        }

        if (given.Length > MaxSites)
        {
            errors.Add("sites", $"At most {MaxSites} sites.");
            return (role, null);
        }

        var distinct = given.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var known = (await session.LoadManyAsync<Site>(ct, distinct.Where(s => s.Length is > 0 and <= 32).ToArray()))
            .Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < given.Length; i++)
        {
            if (!known.Contains(given[i]))
            {
                errors.Add($"sites[{i}]", $"'{Shorten(given[i])}' is not a registered site.");
            }
        }

        return (role, distinct);
    }

    private static (string? Issuer, string? Subject) External(ValidationErrors errors, string? issuer, string? subject)
    {
        if (string.IsNullOrWhiteSpace(issuer) && string.IsNullOrWhiteSpace(subject))
        {
            return (null, null);
        }

        if (string.IsNullOrWhiteSpace(issuer) || issuer.Length > 500
            || !Uri.TryCreate(issuer.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            errors.Add("externalIssuer",
                "Give the identity provider's issuer as its discovery document names it, e.g. https://login.example.org/realms/hospital.");
        }

        if (string.IsNullOrWhiteSpace(subject) || subject.Length > 255)
        {
            errors.Add("externalSubject", "Give the person's subject ('sub') at that identity provider, at most 255 characters.");
        }

        return (issuer?.Trim().TrimEnd('/'), subject?.Trim());
    }

    private static string? Reason(ValidationErrors errors, string? reason) =>
        errors.Required("reason", reason, "Say why (it is kept with the change).", MaxReason);

    private static async Task<ProblemDetails?> LinkedElsewhereAsync(
        IQuerySession session, string? issuer, string? subject, Guid self, CancellationToken ct)
    {
        var key = UserAccount.KeyOf(issuer, subject);
        if (key is null)
        {
            return null;
        }

        var other = await session.Query<UserAccount>().Where(u => u.ExternalKey == key).FirstOrDefaultAsync(ct);
        return other is null || other.Id == self
            ? null
            : new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "That person is already a user.",
                Detail = $"This identity provider's subject is linked to {other.Username}.",
            };
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static ProblemDetails NoSuchUser(string username) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No such user.",
        Detail = $"There is no user '{Shorten(username)}'.",
    };

    private static ProblemDetails Taken(string username) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "This username is taken.",
        Detail = $"There is already a user '{Shorten(username)}'.",
    };
}
