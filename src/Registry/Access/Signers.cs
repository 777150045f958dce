namespace Registry.Access;

/// <summary>Who may sign a patient's record: a site user an admin named an investigator, with a registry password.</summary>
public sealed record Signer(string Username, string DisplayName);

public enum SignerRefusal
{
    /// <summary>The caller is not a site user the admin named an investigator.</summary>
    NotInvestigator,

    /// <summary>The caller signs in through an external provider: there is no registry password to give again.</summary>
    NoPassword,

    /// <summary>The password given again is not right (it counts towards the account's lockout).</summary>
    WrongPassword,
}

/// <summary>
/// Re-authentication for an electronic signature (21 CFR Part 11 §11.200): the signer gives their password again.
/// Implemented by the user directory (Identity), which holds the credentials.
/// </summary>
public interface ISigners
{
    Task<(Signer? Signer, SignerRefusal? Refusal)> ConfirmAsync(string username, string? password, CancellationToken ct);
}
