using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Workbench.Testing.Notifications;

/// <summary>A VAPID key pair as Workbench's settings take it (base64url: the uncompressed P-256 point, and the private scalar).</summary>
public sealed record VapidKeys(string PublicKey, string PrivateKey)
{
    public static VapidKeys Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(true);
        return new VapidKeys(WebEncoders.Base64UrlEncode([0x04, .. p.Q.X!, .. p.Q.Y!]), WebEncoders.Base64UrlEncode(p.D!));
    }

    public IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Notifications:WebPush:PublicKey", PublicKey),
        new("Notifications:WebPush:PrivateKey", PrivateKey),
        new("Notifications:WebPush:Subject", "mailto:admin@workbench.test"),
    ];
}

/// <summary>
/// Plays a browser's side of Web Push: its subscription keys (a P-256 key pair and a 16-byte auth secret), and the
/// decryption of what a push service hands it — RFC 8291 (message encryption for Web Push) over RFC 8188
/// (aes128gcm), written out here step by step so the test does not trust the sender's library to check itself.
/// It also checks the request's VAPID authorization (RFC 8292): a JWT signed ES256 by the application server's key.
/// </summary>
public sealed class WebPushBrowser : IDisposable
{
    private readonly ECDiffieHellman _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private readonly byte[] _auth = RandomNumberGenerator.GetBytes(16);

    public byte[] PublicKey
    {
        get
        {
            var p = _key.ExportParameters(false);
            return [0x04, .. p.Q.X!, .. p.Q.Y!];
        }
    }

    public string P256dh => WebEncoders.Base64UrlEncode(PublicKey);
    public string Auth => WebEncoders.Base64UrlEncode(_auth);

    /// <summary>The subscription as PushSubscription.toJSON() gives it (expirationTime included), for <c>POST /api/v1/me/push-subscriptions</c>.</summary>
    public object Subscription(string endpoint) => new { endpoint, expirationTime = (long?)null, keys = new { p256dh = P256dh, auth = Auth } };

    /// <summary>Decrypts an aes128gcm body; throws when it is not what RFC 8291 says.</summary>
    public string Decrypt(byte[] body)
    {
        // RFC 8188 header: salt (16) | record size (4) | key id length (1) | key id (the sender's public key, 65).
        var salt = body[..16];
        var recordSize = (body[16] << 24) | (body[17] << 16) | (body[18] << 8) | body[19];
        var idLength = body[20];
        Assert.Equal(65, idLength);
        var senderPublic = body[21..(21 + idLength)];
        var ciphertext = body[(21 + idLength)..];
        Assert.True(ciphertext.Length <= recordSize, "one record");

        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = senderPublic[1..33], Y = senderPublic[33..65] },
        });
        var ecdhSecret = _key.DeriveRawSecretAgreement(sender.PublicKey);
        // RFC 8291 §3.4: IKM from the ECDH secret, the auth secret and both public keys.
        var prkKey = HMACSHA256.HashData(_auth, ecdhSecret);
        byte[] keyInfo = [.. Encoding.ASCII.GetBytes("WebPush: info"), 0x00, .. PublicKey, .. senderPublic, 0x01];
        var ikm = HMACSHA256.HashData(prkKey, keyInfo);
        // RFC 8188 §2.2: the content encryption key and the nonce from the salt.
        var prk = HMACSHA256.HashData(salt, ikm);
        byte[] cekInfo = [.. Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm"), 0x00, 0x01];
        var cek = HMACSHA256.HashData(prk, cekInfo)[..16];
        byte[] nonceInfo = [.. Encoding.ASCII.GetBytes("Content-Encoding: nonce"), 0x00, 0x01];
        var nonce = HMACSHA256.HashData(prk, nonceInfo)[..12];

        var plain = new byte[ciphertext.Length - 16];
        using (var gcm = new AesGcm(cek, 16))
        {
            gcm.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], plain);
        }
        // The last record ends with the delimiter 0x02, then zero padding.
        var end = plain.Length - 1;
        while (end >= 0 && plain[end] == 0)
        {
            end--;
        }
        Assert.Equal(0x02, plain[end]);
        return Encoding.UTF8.GetString(plain, 0, end);
    }

    /// <summary>Checks <c>Authorization: vapid t=…, k=…</c>: the key is the server's, the JWT's signature holds, its audience is the push service.</summary>
    public static void VerifyVapid(string authorization, string serverPublicKey, string endpoint)
    {
        Assert.StartsWith("vapid ", authorization, StringComparison.Ordinal);
        var parts = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(serverPublicKey, parts["k"]);
        var jwt = parts["t"].Split('.');
        var key = WebEncoders.Base64UrlDecode(parts["k"]);
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = key[1..33], Y = key[33..65] },
        });
        Assert.True(ecdsa.VerifyData(Encoding.ASCII.GetBytes(jwt[0] + "." + jwt[1]), WebEncoders.Base64UrlDecode(jwt[2]), HashAlgorithmName.SHA256),
            "the VAPID JWT is signed with the server's key");
        using var claims = JsonDocument.Parse(WebEncoders.Base64UrlDecode(jwt[1]));
        // Lib.Net.Http.WebPush writes the audience as scheme and host without the port (push services listen on 443, where
        // the two are the same origin); the loopback push service here has a port of its own.
        var push = new Uri(endpoint);
        Assert.Equal($"{push.Scheme}://{push.Host}", claims.RootElement.GetProperty("aud").GetString());
        Assert.True(claims.RootElement.GetProperty("exp").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    public void Dispose() => _key.Dispose();
}
