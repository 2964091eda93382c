using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Workbench.Core.Audit;

namespace Workbench.Web.Auditing;

/// <summary><c>Audit:Checkpoints:*</c>: signed checkpoints of the audit log, written outside the database.</summary>
public sealed record AuditCheckpointOptions
{
    public bool Enabled { get; init; } = true;
    /// <summary>A checkpoint once this many events are past the last one…</summary>
    public int EveryEvents { get; init; } = 1000;
    /// <summary>…or once the oldest event past the last one is this old.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How often the worker looks whether a checkpoint is due and whether one is still to publish.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The name the checkpoints carry (which log they are of).</summary>
    public string Origin { get; init; } = "workbench";
    /// <summary>A folder to write one file per checkpoint into: meant to be write-once storage (docs/audit-and-retention.md).</summary>
    public string? Folder { get; init; }
    /// <summary>A witness that receives every checkpoint as a JSON POST and answers 2xx once it has kept it.</summary>
    public string? WitnessUrl { get; init; }
    /// <summary>The signing key as PEM text (a PKCS#8 or SEC1 P-256 private key).</summary>
    public string? KeyPem { get; init; }
    /// <summary>A PEM file holding the signing key. In Development a missing file is generated on first run.</summary>
    public string? KeyFile { get; init; }
    /// <summary>The thumbprint of a certificate with a P-256 private key in the certificate store.</summary>
    public string? CertificateThumbprint { get; init; }
    public StoreName CertificateStore { get; init; } = StoreName.My;
    public StoreLocation CertificateLocation { get; init; } = StoreLocation.CurrentUser;
}

/// <summary>
/// The key checkpoints are signed with, read once at start-up: from <c>KeyPem</c>, <c>KeyFile</c> or a certificate in
/// the store. A key that is configured but unusable stops the start with one line naming the setting. Development
/// without a key generates one (<c>data/audit-checkpoint-key.pem</c>, never committed); elsewhere no key stops the
/// start too, unless checkpoints are turned off (<c>Audit:Checkpoints:Enabled=false</c>), which the log then says.
/// </summary>
public sealed class AuditCheckpointKey : IDisposable
{
    public const string DevelopmentKeyFile = "data/audit-checkpoint-key.pem";
    private const string P256 = "1.2.840.10045.3.1.7";

    private AuditCheckpointKey(ECDsa? signer, string source)
    {
        Signer = signer;
        Source = source;
        if (signer is not null)
        {
            KeyId = CheckpointSignature.KeyId(signer);
            PublicKeyPem = signer.ExportSubjectPublicKeyInfoPem();
        }
    }

    public ECDsa? Signer { get; }
    public string? KeyId { get; }
    public string? PublicKeyPem { get; }
    /// <summary>Where the key came from (or why there is none), for the log.</summary>
    public string Source { get; }

    public static AuditCheckpointKey Load(AuditCheckpointOptions o, bool development)
    {
        if (!o.Enabled)
        {
            return new AuditCheckpointKey(null, "checkpoints are disabled (Audit:Checkpoints:Enabled)");
        }
        if (!string.IsNullOrWhiteSpace(o.KeyPem))
        {
            return new AuditCheckpointKey(FromPem(o.KeyPem, "Audit:Checkpoints:KeyPem"), "Audit:Checkpoints:KeyPem");
        }
        if (!string.IsNullOrWhiteSpace(o.CertificateThumbprint))
        {
            return new AuditCheckpointKey(FromStore(o), $"certificate {o.CertificateThumbprint} ({o.CertificateLocation}/{o.CertificateStore})");
        }
        var file = o.KeyFile ?? (development ? DevelopmentKeyFile : null);
        if (file is null)
        {
            // Without signed checkpoints the hash chain cannot show a rewrite by whoever holds the database: outside
            // Development that is a choice to make in the open (Enabled=false), not a default to slip into.
            throw new WorkbenchConfigurationException(
                "Audit:Checkpoints has no signing key (set KeyFile, KeyPem or CertificateThumbprint; see docs/audit-and-retention.md), " +
                "or set Audit:Checkpoints:Enabled=false to run without signed checkpoints.");
        }
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            if (!development)
            {
                throw new WorkbenchConfigurationException($"Audit:Checkpoints:KeyFile: {path} does not exist.");
            }
            Generate(path);
        }
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new WorkbenchConfigurationException($"Audit:Checkpoints:KeyFile: {path} cannot be read ({ex.Message}).");
        }
        return new AuditCheckpointKey(FromPem(pem, $"Audit:Checkpoints:KeyFile ({path})"), path);
    }

    /// <summary>
    /// A new P-256 key in PKCS#8 PEM, readable by its owner only; a file another instance wrote first wins. Written to a
    /// file of its own and then renamed into place, so an instance starting at the same time never reads half a key.
    /// </summary>
    private static void Generate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            using var writer = new StreamWriter(stream);
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary); // written by another process starting at the same time: use that one
        }
    }

    private static ECDsa FromPem(string pem, string setting)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new WorkbenchConfigurationException($"{setting}: not a PEM ECDSA private key ({ex.Message}).");
        }
        return CheckP256(key, setting);
    }

    private static ECDsa FromStore(AuditCheckpointOptions o)
    {
        const string setting = "Audit:Checkpoints:CertificateThumbprint";
        using var store = new X509Store(o.CertificateStore, o.CertificateLocation);
        store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
        var found = store.Certificates.Find(X509FindType.FindByThumbprint, o.CertificateThumbprint!, validOnly: false);
        if (found.Count == 0)
        {
            throw new WorkbenchConfigurationException($"{setting}: no certificate {o.CertificateThumbprint} in {o.CertificateLocation}/{o.CertificateStore}.");
        }
        var key = found[0].GetECDsaPrivateKey()
            ?? throw new WorkbenchConfigurationException($"{setting}: the certificate has no ECDSA private key.");
        return CheckP256(key, setting);
    }

    private static ECDsa CheckP256(ECDsa key, string setting)
    {
        bool isP256;
        try
        {
            isP256 = key.ExportParameters(false).Curve.Oid?.Value == P256 || key.ExportParameters(false).Curve.Oid?.FriendlyName is "nistP256" or "ECDSA_P256";
            // A public key alone cannot sign.
            key.SignData([1], HashAlgorithmName.SHA256);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new WorkbenchConfigurationException($"{setting}: the key cannot sign ({ex.Message}).");
        }
        if (!isP256)
        {
            key.Dispose();
            throw new WorkbenchConfigurationException($"{setting}: the key is not on the P-256 curve.");
        }
        return key;
    }

    public void Dispose() => Signer?.Dispose();
}
