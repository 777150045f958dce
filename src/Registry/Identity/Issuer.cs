using System.Security.Claims;
using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Registry.Access;
using static OpenIddict.Abstractions.OpenIddictConstants;
using Claims = Registry.Access.Claims;

namespace Registry.Identity;

/// <summary>A relying party the built-in issuer serves (authorization code with PKCE; a public client).</summary>
public sealed class IssuerClient
{
    public string ClientId { get; set; } = "";

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];
}

/// <summary>
/// The built-in OpenID Connect issuer's settings (<c>Auth:BuiltInIssuer</c>; <c>Auth:Issuer</c> is the issuer name of
/// the registry's own tokens).
/// </summary>
public sealed class IssuerOptions
{
    public const string Section = "Auth:BuiltInIssuer";

    /// <summary>Serve <c>/connect/*</c> and the discovery document (the embedded default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Plain http allowed (local runs and tests); behind a TLS proxy the forwarded scheme is https.</summary>
    public bool AllowHttp { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The relying parties: other applications (or another registry) signing their users in here.</summary>
    public List<IssuerClient> Clients { get; set; } = [];
}

/// <summary>One of the built-in issuer's RSA keys, generated on first use and kept protected by the Data Protection keys.</summary>
public sealed class IssuerKey
{
    public string Id { get; set; } = "";

    public string ProtectedPem { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The built-in issuer's signing and encryption keys, shared by every node through the database.</summary>
public sealed class IssuerKeys(IDocumentStore store, IDataProtectionProvider protection, TimeProvider time)
{
    private readonly IDataProtector _protector = protection.CreateProtector("registry.issuer.keys.v1");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RsaSecurityKey> _loaded = new(StringComparer.Ordinal);

    public RsaSecurityKey Signing => _loaded.GetOrAdd("signing-1", id => LoadAsync(id).GetAwaiter().GetResult());

    public RsaSecurityKey Encryption => _loaded.GetOrAdd("encryption-1", id => LoadAsync(id).GetAwaiter().GetResult());

    private async Task<RsaSecurityKey> LoadAsync(string id)
    {
        await using var session = store.LightweightSession();
        var kept = await session.LoadAsync<IssuerKey>(id);
        if (kept is null)
        {
            using var rsa = RSA.Create(3072);
            kept = new IssuerKey { Id = id, ProtectedPem = _protector.Protect(rsa.ExportRSAPrivateKeyPem()), CreatedAt = time.GetUtcNow() };
            session.Insert(kept);
            try
            {
                await session.SaveChangesAsync();
            }
            catch (Exception e) when (e is JasperFx.DocumentAlreadyExistsException or JasperFx.ConcurrencyException)
            {
                // Another node made it first: take that one.
                await using var again = store.QuerySession();
                kept = await again.LoadAsync<IssuerKey>(id)
                    ?? throw new InvalidOperationException($"The issuer key {id} could not be kept.", e);
            }
        }

        var key = RSA.Create();
        key.ImportFromPem(_protector.Unprotect(kept.ProtectedPem));
        return new RsaSecurityKey(key) { KeyId = id };
    }
}

public static class Issuer
{
    public const string Scope = "registry";

    /// <summary>The API's scheme for the built-in issuer's own access tokens (RS256, audience <see cref="Scope"/>).</summary>
    public const string BearerScheme = "issuer-bearer";

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetValue($"{IssuerOptions.Section}:Enabled", true);

    /// <summary>The built-in issuer's access tokens: its own key, its audience, a directory user (no one else).</summary>
    public sealed class ConfigureBearer(IServiceProvider services, TimeProvider time) : IConfigureNamedOptions<JwtBearerOptions>
    {
        public void Configure(string? name, JwtBearerOptions options)
        {
            if (name != BearerScheme)
            {
                return;
            }

            var keys = services.GetRequiredService<IssuerKeys>();
            options.MapInboundClaims = false;
            options.IncludeErrorDetails = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKeyResolver = (_, _, _, _) => [keys.Signing],
                ValidateIssuer = false,
                ValidAudience = Scope,
                // Access tokens only: an identity token (typ JWT) for a client named like the audience is not one.
                ValidTypes = ["at+jwt"],
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                NameClaimType = Claims.Subject,
                RoleClaimType = Claims.Role,
                LifetimeValidator = AuthOptions.Lifetime(time, TimeSpan.FromSeconds(30)),
            };
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = async context =>
                {
                    var (resolved, refusal) = await UserDirectory.ResolveAsync(
                        context.HttpContext.RequestServices, context.Principal!, context.HttpContext.RequestAborted, requireUser: true);
                    if ((refusal ?? Roles.Refusal(resolved!.Claims)) is { } why)
                    {
                        context.Fail(why);
                        return;
                    }

                    context.Principal = resolved;
                },
            };
        }

        public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
    }

    public static void AddBuiltInIssuer(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(IssuerOptions.Section).Get<IssuerOptions>() ?? new IssuerOptions();
        services.AddOptions<IssuerOptions>().Bind(configuration.GetSection(IssuerOptions.Section));
        if (!options.Enabled)
        {
            return;
        }

        services.AddSingleton<IssuerKeys>();
        services.AddOpenIddict().AddServer(o =>
        {
            o.EnableDegradedMode();
            o.SetAuthorizationEndpointUris("connect/authorize")
                .SetTokenEndpointUris("connect/token")
                .SetEndSessionEndpointUris("connect/logout");
            o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            o.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scope);
            o.DisableAccessTokenEncryption();
            // Without OpenIddict's token store, the token endpoint below marks each code used (RedeemedCode): once only.
            o.SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(1));
            o.SetAccessTokenLifetime(options.AccessTokenLifetime);
            o.SetIdentityTokenLifetime(TimeSpan.FromMinutes(5));
            var aspNet = o.UseAspNetCore()
                .EnableAuthorizationEndpointPassthrough()
                .EnableTokenEndpointPassthrough()
                .EnableEndSessionEndpointPassthrough();
            if (options.AllowHttp)
            {
                aspNet.DisableTransportSecurityRequirement();
            }

            o.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(context =>
            {
                var client = Client(options.Clients, context.ClientId);
                if (client is null)
                {
                    context.Reject(Errors.InvalidClient, "This client is not known to the registry's issuer.");
                }
                else if (context.RedirectUri is null || !client.RedirectUris.Contains(context.RedirectUri, StringComparer.Ordinal))
                {
                    context.Reject(Errors.InvalidRequest, "This redirect_uri is not registered for the client.");
                }

                return default;
            }));
            o.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(b => b.UseInlineHandler(context =>
            {
                if (!context.Request.IsAuthorizationCodeGrantType())
                {
                    context.Reject(Errors.UnsupportedGrantType, "Only the authorization code grant (with PKCE) is served.");
                }
                else if (Client(options.Clients, context.ClientId) is null)
                {
                    context.Reject(Errors.InvalidClient, "This client is not known to the registry's issuer.");
                }

                return default;
            }));
            o.AddEventHandler<OpenIddictServerEvents.ValidateEndSessionRequestContext>(b => b.UseInlineHandler(context =>
            {
                // A post-logout address must be registered for the client that asks, which names itself (client_id).
                if (!string.IsNullOrEmpty(context.PostLogoutRedirectUri)
                    && !options.Clients.Any(c => c.ClientId == context.Request.ClientId
                        && c.PostLogoutRedirectUris.Contains(context.PostLogoutRedirectUri)))
                {
                    context.Reject(Errors.InvalidRequest,
                        "This post_logout_redirect_uri is not registered for the client named by client_id (give client_id).");
                }

                return default;
            }));
        });
        services.AddOptions<OpenIddictServerOptions>().Configure<IssuerKeys>((o, keys) =>
        {
            o.SigningCredentials.Add(new SigningCredentials(keys.Signing, SecurityAlgorithms.RsaSha256));
            o.EncryptionCredentials.Add(
                new EncryptingCredentials(keys.Encryption, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        });
    }

    /// <summary>The authorization request's mark of when a fresh sign-in was asked for (protected: not forgeable).</summary>
    private const string FreshParameter = "registry_fresh";

    private static ITimeLimitedDataProtector FreshSignIn(IDataProtectionProvider protection) =>
        protection.CreateProtector("Registry.Issuer.FreshSignIn").ToTimeLimitedDataProtector();

    private static DateTimeOffset? AskedAt(ITimeLimitedDataProtector fresh, string? mark)
    {
        if (string.IsNullOrEmpty(mark))
        {
            return null;
        }

        try
        {
            return long.TryParse(fresh.Unprotect(mark), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? new DateTimeOffset(ticks, TimeSpan.Zero)
                : null;
        }
        catch (CryptographicException)
        {
            // Forged or expired: not a mark; the request's own prompt and max_age decide (and a new mark is made).
            return null;
        }
    }

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static IssuerClient? Client(IEnumerable<IssuerClient> clients, string? clientId) =>
        clientId is null ? null : clients.FirstOrDefault(c => c.ClientId == clientId);

    public static void MapBuiltInIssuer(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<IssuerOptions>>().Value;
        if (!options.Enabled)
        {
            return;
        }

        // The registry's own sign-in is the issuer's: a person signed in to the registry's pages gets a code at once;
        // anyone else signs in first (password and second factor) and comes back here.
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], async (
            HttpContext http, Sessions sessions, TimeProvider time, IDataProtectionProvider protection) =>
        {
            var request = http.GetOpenIddictServerRequest()
                ?? throw new InvalidOperationException("The OpenID Connect request cannot be read.");
            var cookie = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            var session = cookie.Succeeded ? await sessions.FindAsync(cookie.Principal, http.RequestAborted) : null;
            var now = time.GetUtcNow();
            var fresh = FreshSignIn(protection);
            // A sign-in first when there is none, when the client asks for a fresh one (prompt=login), or when the
            // last one is older than the client allows (max_age): the person comes back here afterwards, with a
            // protected mark of when this was asked. A session started after it is the fresh one (no endless loop on
            // max_age=0); a copied return address does not skip the sign-in (the old session started before).
            var signedIn = session is null ? (DateTimeOffset?)null : Sessions.AuthenticatedAt(session);
            var asked = AskedAt(fresh, request.GetParameter(FreshParameter)?.ToString());
            var stale = asked is { } since
                ? session is null || session.StartedAt < since
                : request.HasPromptValue(PromptValues.Login)
                    || (request.MaxAge is { } maxAge && signedIn is { } at && now - at > TimeSpan.FromSeconds(maxAge));
            if (session is null || stale || cookie.Principal?.FindFirstValue(Claims.Subject) is not { } username)
            {
                if (request.HasPromptValue(PromptValues.None))
                {
                    return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
                    {
                        [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.LoginRequired,
                        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "Sign in to the registry first.",
                    }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
                }

                var mark = fresh.Protect(
                    (asked ?? now).UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromMinutes(30));
                var back = http.Request.Path + QueryString.Create((http.Request.HasFormContentType
                        ? http.Request.Form.Select(f => KeyValuePair.Create(f.Key, f.Value))
                        : http.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value)))
                    .Where(p => p.Key != FreshParameter)
                    .Append(KeyValuePair.Create(FreshParameter, new Microsoft.Extensions.Primitives.StringValues(mark))));
                return Results.Redirect($"{BrowserSignIn.SignInPath}?returnUrl={Uri.EscapeDataString(back)}");
            }

            await using var read = http.RequestServices.GetRequiredService<IDocumentStore>().QuerySession();
            var account = await UserAccount.FindAsync(read, username, http.RequestAborted);
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, OpenIddictConstants.Claims.Name, null);
            identity.AddClaim(OpenIddictConstants.Claims.Subject, username);
            identity.AddClaim(OpenIddictConstants.Claims.Name, account?.DisplayName ?? username);
            identity.AddClaim(OpenIddictConstants.Claims.PreferredUsername, username);
            // When the person signed in (OpenID Connect's auth_time): a relying party bounds its own session by it.
            var authTime = signedIn!.Value.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            identity.AddClaim(new Claim(OpenIddictConstants.Claims.AuthenticationTime, authTime, ClaimValueTypes.Integer64));
            // The code's own id (kept in the code only): the token endpoint takes each code once.
            identity.AddClaim(RedeemedCode.Claim, Guid.NewGuid().ToString("N"));
            identity.SetScopes(request.GetScopes());
            // An access token for the registry's API only when the client asked for it (the registry scope): a client
            // that uses the registry to sign its users in gets nothing that opens the API.
            if (request.HasScope(Scope))
            {
                identity.SetResources(Scope);
            }

            identity.SetDestinations(c => c.Type switch
            {
                OpenIddictConstants.Claims.Name or OpenIddictConstants.Claims.PreferredUsername =>
                    [Destinations.AccessToken, Destinations.IdentityToken],
                OpenIddictConstants.Claims.AuthenticationTime => [Destinations.IdentityToken],
                RedeemedCode.Claim => [],
                _ => [Destinations.AccessToken],
            });
            return Results.SignIn(new ClaimsPrincipal(identity), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

        // The code for tokens: each code once (a second try is refused, as a stolen code's would be), and only for a
        // person who is still an active user.
        app.MapPost("/connect/token", async (HttpContext http, IDocumentStore store, TimeProvider time) =>
        {
            var code = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            if (code.Principal is not { } principal || principal.FindFirstValue(RedeemedCode.Claim) is not { } codeId)
            {
                return Refuse(Errors.InvalidGrant, "This authorization code is not valid.");
            }

            if (!await RedeemedCode.RedeemAsync(store, codeId, time.GetUtcNow(), http.RequestAborted))
            {
                return Refuse(Errors.InvalidGrant, "This authorization code was used already.");
            }

            await using var read = store.QuerySession();
            var subject = principal.FindFirstValue(OpenIddictConstants.Claims.Subject) ?? "";
            var account = await UserAccount.FindAsync(read, subject, http.RequestAborted);
            if (account is not { Active: true })
            {
                return Refuse(Errors.InvalidGrant, "This person is no longer an active user of the registry.");
            }

            return Results.SignIn(principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

        app.MapMethods("/connect/logout", [HttpMethods.Get, HttpMethods.Post], async (HttpContext http, Sessions sessions) =>
        {
            var session = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (session.Succeeded)
            {
                await sessions.EndAsync(session.Principal, "signed out by a relying party", http.RequestAborted);
            }

            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.SignOut(new AuthenticationProperties { RedirectUri = BrowserSignIn.SignInPath },
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }
}

/// <summary>
/// An authorization code the token endpoint took (by the id the code carries): a code works once, on every node.
/// Rows older than a code's lifetime are of no use and are removed as new ones come.
/// </summary>
public sealed class RedeemedCode
{
    public const string Claim = "registry_code";

    public string Id { get; set; } = "";

    public DateTimeOffset At { get; set; }

    /// <returns>False when the code was taken before.</returns>
    public static async Task<bool> RedeemAsync(IDocumentStore store, string codeId, DateTimeOffset now, CancellationToken ct)
    {
        await using var write = store.LightweightSession();
        write.Insert(new RedeemedCode { Id = codeId, At = now });
        write.DeleteWhere<RedeemedCode>(c => c.At < now.AddMinutes(-10));
        try
        {
            await write.SaveChangesAsync(ct);
            return true;
        }
        catch (JasperFx.DocumentAlreadyExistsException)
        {
            return false;
        }
    }
}
