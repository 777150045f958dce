using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Registry.Infrastructure;

namespace Registry.Tests.Infrastructure;

/// <summary>The secrets' rules (Secrets): long, not uniform, and outside Development never one the repository holds.</summary>
public sealed partial class SecretsTests
{
    private static readonly string Random = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    [Theory]
    [InlineData(null, "missing or shorter")]
    [InlineData("", "missing or shorter")]
    [InlineData("0123456789abcdef0123456789abcde", "missing or shorter")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "too uniform")]
    [InlineData("development-only-signing-key-not-for-production-use-0123456789", "published")]
    [InlineData("compose-local-signing-key-replace-me-0123456789", "published")]
    [InlineData("our-own-key-REPLACE-ME-before-going-live-0123456789", "placeholder")]
    public void a_weak_or_published_secret_is_refused_outside_development_naming_the_setting(string? value, string why)
    {
        var problem = Secrets.Problem(value, "Auth:SigningKey", development: false);

        Assert.NotNull(problem);
        Assert.Contains(why, problem, StringComparison.Ordinal);
        Assert.Contains("Auth__SigningKey", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void a_random_secret_is_accepted_and_development_keeps_its_own_settings()
    {
        Assert.Null(Secrets.Problem(Random, "Auth:SigningKey", development: false));
        Assert.Null(Secrets.Problem("development-only-signing-key-not-for-production-use-0123456789", "Auth:SigningKey", development: true));
        Assert.NotNull(Secrets.Problem("short", "Auth:SigningKey", development: true));
    }

    /// <summary>
    /// Every secret written anywhere in the repository (a quoted key-like value of 32 characters or more on a line that
    /// names a signing key or pseudonym secret, or a compose default) is in <see cref="Secrets.Published"/>, so none of them
    /// can run a registry outside Development.
    /// </summary>
    [Fact]
    public void every_secret_the_repository_holds_is_refused_outside_development()
    {
        var root = Root();
        var extensions = new[] { ".cs", ".json", ".yml", ".yaml", ".sh", ".md", ".conf", ".env", ".html", ".js" };
        var found = new List<(string File, string Value)>();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (!extensions.Contains(Path.GetExtension(file)) || relative.Split(Path.DirectorySeparatorChar) is var parts
                && parts.Any(p => p is "bin" or "obj" or ".git" or ".data" or "node_modules"))
            {
                continue;
            }

            foreach (var line in File.ReadLines(file).Where(l => SecretLine().IsMatch(l)))
            {
                found.AddRange(Quoted().Matches(line).Select(m => (relative, m.Groups["value"].Value)));
            }
        }

        Assert.NotEmpty(found);
        var unlisted = found
            .Where(f => !f.Value.Contains("${", StringComparison.Ordinal) && !f.Value.Contains(' ', StringComparison.Ordinal))
            .Where(f => !Secrets.Published.Contains(f.Value))
            .ToList();
        Assert.True(unlisted.Count == 0, "Secrets in the repository that Secrets.Published lacks: "
            + string.Join("; ", unlisted.Select(u => $"{u.File}: {u.Value}")));
    }

    private static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Registry.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Registry.sln not found above the test's folder.");
    }

    [GeneratedRegex("SigningKey|PseudonymSecret|SIGNING_KEY|PSEUDONYM_SECRET|signing-key|pseudonym-secret", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLine();

    [GeneratedRegex("""["'](?<value>[A-Za-z0-9+/=_-]{32,})["']|:-(?<value>[A-Za-z0-9+/=_-]{32,})\}""")]
    private static partial Regex Quoted();
}
