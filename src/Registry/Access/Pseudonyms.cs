using System.Security.Cryptography;
using System.Text;

namespace Registry.Access;

/// <summary>
/// Pseudonymous subject keys: HMAC-SHA256 of a scope and the patient under the registry's pseudonym secret
/// (<c>Exports:PseudonymSecret</c>), unlinkable across scopes. Exports key their rows with them; the cohort pages name a
/// researcher's patients with them. <see cref="Secret"/> is null when no secret is set (Development without one).
/// </summary>
public sealed class Pseudonyms(byte[]? secret)
{
    public byte[]? Secret { get; } = secret;

    public static string Key(byte[] secret, string scope, Guid patientId)
    {
        var mac = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{scope}\n{patientId:N}"));
        return "R" + Convert.ToHexString(mac, 0, 10).ToLowerInvariant();
    }
}
