using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Registry.Access;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Identity;

/// <summary>An admin invited the user to set a password and a second factor (any earlier ones stop working).</summary>
public sealed record UserInvited(string Username, DateTimeOffset ExpiresAt, string Reason);

/// <summary>The user set a password and a second factor with an invitation.</summary>
public sealed record UserCredentialsSet(string Username);

/// <summary>An invitation: its code is shown once, to the admin who hands it over; the registry keeps only its hash.</summary>
public sealed record Invitation(string Username, string Code, DateTimeOffset ExpiresAt, string SetupPath);

public static class Invitations
{
    public const string SetupPath = "/account/setup";

    /// <summary>
    /// Stages a new invitation for the user in the session: the credentials are cleared (the old password and second
    /// factor stop working at once) and the invitation's hash kept; the event says who invited whom, when and why.
    /// </summary>
    public static Invitation Stage(
        IDocumentSession session, UserAccount account, DateTimeOffset now, SignInOptions options, string reason,
        JasperFx.Events.IEventStream<UserAccount>? locked = null)
    {
        var (code, hash) = Credentials.NewInvitation();
        var expires = now + options.InvitationLifetime;
        session.Store(new UserCredential
        {
            Id = account.Id,
            Username = account.Username,
            InvitationHash = hash,
            InvitationExpiresAt = expires,
        });
        var invited = new UserInvited(account.Username, expires, reason);
        if (locked is null)
        {
            session.Events.Append(account.Id, invited);
        }
        else
        {
            locked.AppendOne(invited);
        }

        // The old password and second factor stop working at once, and so does every session they opened.
        Sessions.EndAllOf(session, account.Username, now, "re-invited");
        return new Invitation(account.Username, code, expires, SetupPath);
    }

    /// <summary>
    /// <c>POST /api/users/{username}/invitation</c> (admin): a code with which the user sets a password and a second
    /// factor on <c>/account/setup</c>; also how a forgotten password or a lost phone is replaced. Not idempotent by
    /// design: a retry makes a new code (the answer, which holds the code, is never kept).
    /// </summary>
    [WolverinePost("/api/users/{username}/invitation", OperationId = "inviteUser")]
    [EndpointSummary("Invite a user to set a password and a second factor.")]
    [Authorize(Policy = Policies.Admin)]
    public static async Task<IResult> Post(
        string username, UserReason command, IDocumentStore store, TimeProvider time, IOptions<SignInOptions> options,
        HttpContext http, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var reason = errors.Required("reason", command.Reason, "Say why (it is kept with the invitation).", UserEndpoints.MaxReason);

        // A set-up finishing at the same moment may append first: the invitation is then made again on the stream as
        // it stands (it always wins: a set-up never keeps a replaced invitation's password).
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            session.LastModifiedBy = Caller.From(http.User).UserId;
            // The user's stream locked to the end of the write: a set-up finishing meanwhile waits, then finds its
            // invitation replaced (it expects the stream's earlier version), and two admins' invitations queue.
            var stream = await session.Events.FetchForExclusiveWriting<UserAccount>(UserAccount.StreamFor(username), ct);
            if (stream.Aggregate is not { } account)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such user.");
            }

            if (errors.Any)
            {
                return Results.Problem(errors.ToProblem());
            }

            if (account.ExternalKey is not null)
            {
                return Results.Problem(ValidationErrors.Single("username",
                    $"{account.Username} signs in through an external identity provider: passwords are set there."));
            }

            var invitation = Stage(session, account, time.GetUtcNow(), options.Value, reason!, stream);
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception e) when (attempt < 3 && e is JasperFx.ConcurrencyException or Npgsql.PostgresException { SqlState: "40P01" })
            {
                continue;
            }

            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(invitation, RegistryJson.Options, statusCode: StatusCodes.Status201Created);
        }
    }

}
