using System.Security.Cryptography;

namespace Registry.Testing;

/// <summary>
/// Secrets for the hosts the tests and tools start, new for every run: a key written in the repository is refused
/// outside Development (Registry.Infrastructure.Secrets), as it would be for anyone.
/// </summary>
public static class TestSecrets
{
    public static readonly string SigningKey = New();

    public static readonly string PseudonymSecret = New();

    private static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
}
