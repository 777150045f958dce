using System.Security.Cryptography;
using System.Text;
using Marten;
using Marten.Patching;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using OtpNet;
using Registry.Access;

namespace Registry.Identity;

/// <summary>Sign-in settings (<c>Auth:SignIn</c>): invitations, lockout, sessions.</summary>
public sealed class SignInOptions
{
    public const string Section = "Auth:SignIn";

    /// <summary>How long an invitation's code can set a password and a second factor.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromHours(72);

    /// <summary>Failed sign-ins in a row before the account waits <see cref="LockoutDuration"/>.</summary>
    public int LockoutAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A page session ends after this long without a request.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A page session ends this long after sign-in, whatever happens (and never after the issuer's own end).</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Sign-in and set-up attempts one client address may make in any minute (<see cref="SignInRateLimit"/>).</summary>
    public int AttemptsPerMinute { get; set; } = 30;
}

/// <summary>
/// A user's built-in credentials, kept apart from the event log (a password hash or a second factor's secret must
/// be replaceable and never copied into an immutable history): the password hashed by ASP.NET Core Identity's hasher
/// (PBKDF2-HMAC-SHA512, salted, 100,000 iterations), the TOTP secret protected by the Data Protection keys (kept in
/// PostgreSQL), the last time step used (a code works once), failures in a row and the lockout's end, and the hash of
/// the open invitation's code.
/// </summary>
public sealed class UserCredential
{
    public Guid Id { get; set; }

    public string Username { get; set; } = "";

    public string? PasswordHash { get; set; }

    public string? ProtectedTotpSecret { get; set; }

    public long LastTotpStep { get; set; }

    public int Failures { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public string? InvitationHash { get; set; }

    public DateTimeOffset? InvitationExpiresAt { get; set; }

    public bool CanSignIn => PasswordHash is not null && ProtectedTotpSecret is not null;
}

/// <summary>Passwords, second factors and invitation codes.</summary>
public sealed class Credentials(IDataProtectionProvider protection)
{
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;

    private static readonly PasswordHasher<UserCredential> Hasher = new();
    private readonly IDataProtector _totp = protection.CreateProtector("registry.users.totp.v1");

    /// <summary>What is wrong with a new password, or null.</summary>
    public static string? PasswordProblem(string username, string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
        {
            return $"A password has at least {MinPasswordLength} characters (a few words make a good one).";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"A password has at most {MaxPasswordLength} characters.";
        }

        if (password.Contains(username, StringComparison.OrdinalIgnoreCase) || password.Distinct().Count() < 5)
        {
            return "This password is too easy to guess: do not use your username or repeat a few characters.";
        }

        return null;
    }

    public static string HashPassword(string password) => Hasher.HashPassword(null!, password);

    public static bool VerifyPassword(UserCredential credential, string password) =>
        credential.PasswordHash is { } hash && Hasher.VerifyHashedPassword(credential, hash, password) != PasswordVerificationResult.Failed;

    /// <summary>A new invitation code (256 random bits, shown once) and the hash kept of it.</summary>
    public static (string Code, string Hash) NewInvitation()
    {
        var code = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (code, HashCode(code));
    }

    public static string HashCode(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    public static bool SameHash(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    /// <summary>A new TOTP secret (160 bits, RFC 6238's SHA-1 with 6 digits every 30 s: what authenticator apps read).</summary>
    public static byte[] NewTotpSecret() => KeyGeneration.GenerateRandomKey(20);

    public static string Base32(byte[] secret) => Base32Encoding.ToString(secret);

    /// <summary>The <c>otpauth://</c> URI an authenticator app adds the account from.</summary>
    public static string OtpAuthUri(string issuer, string username, byte[] secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(username)}?secret={Base32(secret)}"
        + $"&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";

    public string Protect(byte[] secret) => _totp.Protect(Convert.ToBase64String(secret));

    public byte[] Unprotect(string protectedSecret) => Convert.FromBase64String(_totp.Unprotect(protectedSecret));

    /// <summary>
    /// The time step a code matches at <paramref name="now"/> (the step before or after counts too: clocks drift), or
    /// null. A step at or before <paramref name="lastStep"/> is refused: a code works once.
    /// </summary>
    public static long? MatchTotp(byte[] secret, string? code, DateTimeOffset now, long lastStep)
    {
        var digits = code?.Replace(" ", "", StringComparison.Ordinal) ?? "";
        if (digits.Length != 6 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(secret);
        return totp.VerifyTotp(now.UtcDateTime, digits, out var step, new VerificationWindow(1, 1)) && step > lastStep ? step : null;
    }

    public static Task<UserCredential?> FindAsync(IQuerySession session, string username, CancellationToken ct) =>
        session.LoadAsync<UserCredential>(UserAccount.StreamFor(username), ct);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The built-in issuer's check of a username, password and one-time code. Every failure reads the same (which of the
/// three was wrong, or whether the user exists, is not said), costs the same hashing, and counts towards a lockout of
/// the account (<see cref="SignInOptions.LockoutAttempts"/> failures in a row, then <see cref="SignInOptions.LockoutDuration"/>).
/// A code is used once: the matched time step is recorded only if no other sign-in recorded it or a later one first.
/// </summary>
public sealed class PasswordSignIn(
    IDocumentStore store, Credentials credentials, TimeProvider time, Microsoft.Extensions.Options.IOptions<SignInOptions> options)
{
    public const string Refused =
        "The username, password or one-time code is not right (after several failures the account waits a while).";

    private static readonly UserCredential Nobody = new()
    {
        PasswordHash = Credentials.HashPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))),
    };

    private const string NotLocked = "(data ->> 'lockedUntil' is null or (data ->> 'lockedUntil')::timestamptz <= @now)";

    public async Task<UserAccount?> CheckAsync(string? username, string? password, string? code, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password) || password.Length > Credentials.MaxPasswordLength
            || username.Length > 64)
        {
            return null;
        }

        var now = time.GetUtcNow();
        await using var session = store.LightweightSession();
        var account = await UserAccount.FindAsync(session, username, ct);
        var credential = await Credentials.FindAsync(session, username, ct);
        var usable = credential is { CanSignIn: true } && (credential.LockedUntil is not { } until || until <= now);
        var passwordRight = Credentials.VerifyPassword(usable ? credential! : Nobody, password) && usable;
        long? step = passwordRight
            ? Credentials.MatchTotp(credentials.Unprotect(credential!.ProtectedTotpSecret!), code, now, credential.LastTotpStep)
            : null;

        // Both updates are single statements on the credential's row, so requests in flight at once cannot get
        // round the lockout: a success counts only while the account is not locked, and failures add up atomically.
        var table = $"{Infrastructure.RegistrySchema.Name}.mt_doc_usercredential";
        if (step is { } matched && account is { Active: true, ExternalKey: null })
        {
            var taken = await RowsAsync(session, $"""
                update {table}
                set data = data || jsonb_build_object('lastTotpStep', @step, 'failures', 0, 'lockedUntil', null)
                where id = @id and coalesce((data ->> 'lastTotpStep')::bigint, 0) < @step and {NotLocked}
                returning id
                """, ("id", credential!.Id), ("step", matched), ("now", now), ("attempts", 0), ("until", now), ct);
            if (taken == 1)
            {
                return account;
            }
        }

        if (credential is not null && usable)
        {
            await FailedAsync(session, credential, now, ct);
        }

        return null;
    }

    /// <summary>
    /// A signed-in user gives their password again, e.g. to sign a record (21 CFR Part 11 §11.200: a signing in a
    /// session uses at least the password). A wrong password counts towards the lockout as a failed sign-in does;
    /// a locked account, an account with no registry password (external sign-in) or an inactive one confirms nothing.
    /// </summary>
    public async Task<bool> ConfirmPasswordAsync(string username, string? password, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(password) || password.Length > Credentials.MaxPasswordLength)
        {
            return false;
        }

        var now = time.GetUtcNow();
        await using var session = store.LightweightSession();
        var account = await UserAccount.FindAsync(session, username, ct);
        var credential = await Credentials.FindAsync(session, username, ct);
        var usable = credential is { CanSignIn: true } && (credential.LockedUntil is not { } until || until <= now)
            && account is { Active: true, ExternalKey: null };
        if (Credentials.VerifyPassword(usable ? credential! : Nobody, password) && usable)
        {
            // Counted as the sign-in counts: a success holds only while the account is not locked (checked in the same
            // statement, so requests in flight at once cannot get round a lockout), and it resets the failures.
            return await RowsAsync(session, $"""
                update {Infrastructure.RegistrySchema.Name}.mt_doc_usercredential
                set data = data || jsonb_build_object('failures', 0)
                where id = @id and {NotLocked}
                returning id
                """, ("id", credential!.Id), ("step", 0L), ("now", now), ("attempts", 0), ("until", now), ct) == 1;
        }

        if (credential is not null && usable)
        {
            await FailedAsync(session, credential, now, ct);
        }

        return false;
    }

    /// <summary>One more failure, atomically: the account locks at <see cref="SignInOptions.LockoutAttempts"/> in a row.</summary>
    private Task<int> FailedAsync(IDocumentSession session, UserCredential credential, DateTimeOffset now, CancellationToken ct) =>
        RowsAsync(session, $"""
            update {Infrastructure.RegistrySchema.Name}.mt_doc_usercredential
            set data = data || case when coalesce((data ->> 'failures')::int, 0) + 1 >= @attempts
                then jsonb_build_object('failures', 0, 'lockedUntil', to_jsonb(@until::timestamptz))
                else jsonb_build_object('failures', coalesce((data ->> 'failures')::int, 0) + 1) end
            where id = @id and {NotLocked}
            returning id
            """, ("id", credential.Id), ("step", 0L), ("now", now), ("attempts", options.Value.LockoutAttempts),
            ("until", now + options.Value.LockoutDuration), ct);

    private static async Task<int> RowsAsync(
        IDocumentSession session, string sql, (string, Guid) id, (string, long) step, (string, DateTimeOffset) now,
        (string, int) attempts, (string, DateTimeOffset) until, CancellationToken ct)
    {
        var command = new Npgsql.NpgsqlCommand(sql);
        command.Parameters.AddWithValue(id.Item1, id.Item2);
        command.Parameters.AddWithValue(step.Item1, step.Item2);
        command.Parameters.AddWithValue(now.Item1, now.Item2);
        command.Parameters.AddWithValue(attempts.Item1, attempts.Item2);
        command.Parameters.AddWithValue(until.Item1, until.Item2);
        var rows = 0;
        await using var reader = await session.ExecuteReaderAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            rows++;
        }

        return rows;
    }
}

/// <summary>The directory's side of <see cref="ISigners"/>: an active site user named investigator gives their password again.</summary>
public sealed class Signers(IDocumentStore store, PasswordSignIn passwords) : ISigners
{
    public async Task<(Signer? Signer, SignerRefusal? Refusal)> ConfirmAsync(string username, string? password, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var account = await UserAccount.FindAsync(session, username, ct);
        if (account is not { Active: true, Investigator: true, Role: Roles.Site })
        {
            return (null, SignerRefusal.NotInvestigator);
        }

        if (account.ExternalKey is not null)
        {
            return (null, SignerRefusal.NoPassword);
        }

        return await passwords.ConfirmPasswordAsync(account.Username, password, ct)
            ? (new Signer(account.Username, account.DisplayName), null)
            : (null, SignerRefusal.WrongPassword);
    }
}
