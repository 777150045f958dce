using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Registry.Infrastructure;

/// <summary>
/// The registry's secrets (the token signing key, the pseudonym secret): at least 256 bits of UTF-8 text everywhere,
/// and outside Development never one that was ever written down in this repository (the development settings, the
/// old compose defaults, the tools' fixed keys) nor one that says it is a placeholder. Anyone can read the
/// repository, so such a key lets anyone mint an admin token or link pseudonyms back to patients.
/// </summary>
public static class Secrets
{
    public const int MinimumBytes = 32;

    /// <summary>
    /// Every secret value the repository has held (a unit test scans the repository and fails on one missing here).
    /// </summary>
    public static readonly IReadOnlySet<string> Published = new HashSet<string>(StringComparer.Ordinal)
    {
        "development-only-signing-key-not-for-production-use-0123456789",
        "development-only-pseudonym-secret-not-for-production-0123",
        "compose-local-signing-key-replace-me-0123456789",
        "compose-local-pseudonym-secret-replace-me-0123",
        "integration-tests-signing-key-0123456789abcdef",
        "integration-tests-pseudonym-secret-0123456789",
        "drill-pseudonym-secret-0123456789abcdef",
        "benchmark-signing-key-0123456789abcdefghij",
        "benchmark-pseudonym-secret-0123456789abcdef",
        "load-test-signing-key-0123456789abcdefghij",
    };

    private static readonly string[] Placeholders = ["replace-me", "replace_me", "changeme", "change-me", "not-for-production", "example"];

    /// <summary>Why a secret may not be used, naming its setting; null when it may.</summary>
    public static string? Problem(string? value, string setting, bool development)
    {
        var variable = setting.Replace(":", "__", StringComparison.Ordinal);
        var advice = $"Set {setting} (environment variable {variable}) to a random secret of at least {MinimumBytes} bytes, "
                     + "e.g. the output of `openssl rand -base64 48`.";
        if (string.IsNullOrEmpty(value) || Encoding.UTF8.GetByteCount(value) < MinimumBytes)
        {
            return $"{setting} is missing or shorter than {MinimumBytes} bytes. {advice}";
        }

        if (value.Distinct().Count() < 16)
        {
            return $"{setting} is too uniform to be random (fewer than 16 different characters). {advice}";
        }

        if (!development && (Published.Contains(value) || Placeholders.Any(p => value.Contains(p, StringComparison.OrdinalIgnoreCase))))
        {
            return $"{setting} is a value published in the registry's repository or a placeholder: anyone could use it. {advice}";
        }

        return null;
    }
}

/// <summary>Checks one secret of an options class when the host starts (the host refuses to start on a bad one).</summary>
public sealed class SecretValidation<TOptions>(IHostEnvironment environment, string setting, Func<TOptions, string?> secret, bool required)
    : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var value = secret(options);
        if (value is null && !required)
        {
            return ValidateOptionsResult.Success;
        }

        return Secrets.Problem(value, setting, environment.IsDevelopment()) is { } problem
            ? ValidateOptionsResult.Fail(problem)
            : ValidateOptionsResult.Success;
    }
}
