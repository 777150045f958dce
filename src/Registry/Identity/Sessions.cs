using System.Security.Claims;
using Marten;
using Marten.Patching;
using Microsoft.Extensions.Options;
using Registry.Access;

namespace Registry.Identity;

/// <summary>
/// A page session, kept server-side: the cookie and the page tokens minted from it name it (<c>sid</c>), so ending
/// it here (sign-out, idle, its absolute end) refuses both on their next request, on every node.
/// </summary>
public sealed class BrowserSession
{
    public Guid Id { get; set; }

    public string Username { get; set; } = "";

    /// <summary>How the person signed in: <c>password</c> (the built-in issuer), <c>oidc</c> (an issuer), <c>token</c>.</summary>
    public string How { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When the person proved who they are: the external issuer's <c>auth_time</c>, else <see cref="StartedAt"/>.</summary>
    public DateTimeOffset? AuthenticatedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    /// <summary>The absolute end: the sign-in plus the absolute lifetime, or the issuer's own end when sooner.</summary>
    public DateTimeOffset EndsAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? EndedBecause { get; set; }
}

public sealed class Sessions(IDocumentStore store, TimeProvider time, IOptions<SignInOptions> options)
{
    public const string Claim = Claims.Session;

    /// <summary>A request within this long of the last one does not write the session again.</summary>
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    public static DateTimeOffset AuthenticatedAt(BrowserSession session) => session.AuthenticatedAt ?? session.StartedAt;

    public async Task<BrowserSession> StartAsync(
        string username, string how, DateTimeOffset? issuerEnds, CancellationToken ct, DateTimeOffset? authenticatedAt = null)
    {
        var now = time.GetUtcNow();
        var ends = now + options.Value.AbsoluteLifetime;
        var session = new BrowserSession
        {
            Id = Guid.NewGuid(),
            Username = username,
            How = how,
            StartedAt = now,
            AuthenticatedAt = authenticatedAt is { } at && at < now ? at : null,
            LastSeenAt = now,
            EndsAt = issuerEnds is { } issuer && issuer < ends ? issuer : ends,
        };
        await using var write = store.LightweightSession();
        write.Store(session);
        await write.SaveChangesAsync(ct);
        return session;
    }

    /// <summary>Why the principal's session is over, or null while it lives (and then it is marked as seen now).</summary>
    public async Task<string?> CheckAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(Claim), out var id))
        {
            return "This sign-in has no session: sign in again.";
        }

        await using var read = store.LightweightSession();
        var session = await read.LoadAsync<BrowserSession>(id, ct);
        var now = time.GetUtcNow();
        var why = session switch
        {
            null => "This session is unknown: sign in again.",
            { EndedAt: not null } => "You signed out: sign in again.",
            _ when now >= session.EndsAt => "Your session reached its end: sign in again.",
            _ when now - session.LastSeenAt >= options.Value.IdleTimeout => "Your session ended after a while without use: sign in again.",
            _ when session.Username != principal.FindFirstValue(Claims.Subject) => "This session is someone else's.",
            _ => null,
        };
        if (why is null && now - session!.LastSeenAt >= TouchEvery)
        {
            // Only the one field: a whole-document write could undo a sign-out made at the same moment.
            read.Patch<BrowserSession>(id).Set(x => x.LastSeenAt, now);
            await read.SaveChangesAsync(ct);
        }

        return why;
    }

    public async Task EndAsync(ClaimsPrincipal principal, string because, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(Claim), out var id))
        {
            return;
        }

        await using var write = store.LightweightSession();
        write.Patch<BrowserSession>(id).Set(x => x.EndedAt, time.GetUtcNow());
        write.Patch<BrowserSession>(id).Set(x => x.EndedBecause, because);
        await write.SaveChangesAsync(ct);
    }

    /// <summary>Stages the end of every open session of the user (deactivated, re-invited, linked elsewhere).</summary>
    public static void EndAllOf(IDocumentSession session, string username, DateTimeOffset now, string because)
    {
        session.Patch<BrowserSession>(x => x.Username == username && x.EndedAt == null).Set(x => x.EndedAt, now);
        session.Patch<BrowserSession>(x => x.Username == username && x.EndedBecause == null)
            .Set(x => x.EndedBecause, because);
    }

    public async Task<BrowserSession?> FindAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(Claim), out var id))
        {
            return null;
        }

        await using var read = store.QuerySession();
        return await read.LoadAsync<BrowserSession>(id, ct);
    }
}
