using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Registry.Identity;

/// <summary>
/// Sign-in attempts (the password form, the external sign-in's start, both steps of the account set-up) are limited
/// per client address: <see cref="SignInOptions.AttemptsPerMinute"/> in any minute (a sliding window), then 429 with
/// <c>Retry-After</c> until the window moves. Each account also locks after failures in a row
/// (<see cref="SignInOptions.LockoutAttempts"/>); this limit is what stops one address trying one password on many
/// accounts, and keeps the password hashing (deliberately slow) from being a way to use up the node's processors.
/// Behind a proxy the client address is the one the proxy forwarded (<c>X-Forwarded-For</c> from a trusted proxy).
/// A hospital's staff often share one address: the default (30) allows a ward signing in at once.
/// </summary>
public static class SignInRateLimit
{
    public const string Policy = "sign-in";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(Policy, http =>
            {
                var limit = Math.Max(1, http.RequestServices.GetRequiredService<IOptions<SignInOptions>>().Value.AttemptsPerMinute);
                return RateLimitPartition.GetSlidingWindowLimiter(
                    Partition(http.Connection.RemoteIpAddress),
                    _ => new SlidingWindowRateLimiterOptions
                    {
                        PermitLimit = limit,
                        Window = TimeSpan.FromMinutes(1),
                        SegmentsPerWindow = 6,
                        QueueLimit = 0,
                    });
            });
            o.OnRejected = async (context, _) =>
            {
                var http = context.HttpContext;
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(10);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInRateLimit));
                logger.LogWarning("Sign-in attempts from one address beyond the limit: {Path} refused for {Seconds} s",
                    http.Request.Path.Value, seconds);
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await SignInPages.TooManyAttempts(seconds).ExecuteAsync(http);
            };
        });

    /// <summary>
    /// What the limit counts by: an IPv4 address, or an IPv6 address's /64 (one household or host holds a whole /64,
    /// so counting single IPv6 addresses would give an attacker billions of fresh windows).
    /// </summary>
    public static string Partition(System.Net.IPAddress? address)
    {
        if (address is null)
        {
            return "in-process";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }
}
