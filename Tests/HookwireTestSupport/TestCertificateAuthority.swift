import CSSL
import Foundation
import Synchronization

/// A certificate authority made in-process with libcrypto, for TLS tests:
/// no `openssl` command, nothing from the machine. It writes its own
/// certificate and every certificate it issues as PEM files into a
/// directory the caller owns (and removes).
///
/// ```swift
/// let directory = try TemporaryDirectory()
/// defer { directory.remove() }
/// let authority = try TestCertificateAuthority(directory: directory.path)
/// let server = try authority.issue(names: ["localhost"], ipAddresses: ["127.0.0.1", "::1"])
/// let expired = try authority.issue(notBefore: Date() - 7200, notAfter: Date() - 3600)
/// let client = try authority.issueClient(commonName: "svc", uris: ["spiffe://acme/svc"])
/// ```
public final class TestCertificateAuthority: @unchecked Sendable {
  // Unchecked: the key and certificate are made in `init` and only read
  // afterwards (OpenSSL allows concurrent signing with one key); file
  // numbering goes through the mutex.

  /// The kind of key for a certificate.
  public enum KeyType: Sendable {
    /// ECDSA on P-256 (fast; the default).
    case ecP256
    /// RSA with a 2048-bit modulus.
    case rsa2048
  }

  /// What an issued certificate may be used for (extended key usage).
  public enum Purpose: Sendable {
    case server
    case client
    case serverAndClient
  }

  /// A certificate and its key, as PEM files.
  public typealias Issued = (certificateFile: String, keyFile: String)

  /// The directory the files go to.
  public let directory: String
  /// The authority's name (its subject's CN).
  public let name: String
  /// The authority's certificate (PEM): what clients and servers trust.
  public let certificateFile: String
  /// The authority's private key (PEM).
  public let keyFile: String
  private let key: OpaquePointer
  private let certificate: OpaquePointer
  private let issued = Mutex(0)

  /// Makes a self-signed CA valid from an hour ago for ten years and writes
  /// its certificate and key into `directory`.
  public init(directory: String, name: String = "Hookwire Test CA", keyType: KeyType = .ecP256) throws {
    self.directory = directory
    self.name = name
    let stem = directory + "/" + Self.slug(name)
    certificateFile = stem + "-ca.pem"
    keyFile = stem + "-ca-key.pem"
    key = try Self.makeKey(keyType)
    let now = Date()
    do {
      certificate = try Self.makeCertificate(
        subject: [("O", "Hookwire Tests"), ("CN", name)], key: key, issuer: nil, issuerKey: key, serial: 1,
        notBefore: now - 3600, notAfter: now + 10 * 365 * 86400,
        extensions: [
          (NID_basic_constraints, "critical,CA:TRUE"), (NID_key_usage, "critical,keyCertSign,cRLSign"),
          (NID_subject_key_identifier, "hash"),
        ])
      try Self.write(certificates: [certificate], to: certificateFile)
      try Self.write(key: key, to: keyFile)
    } catch {
      EVP_PKEY_free(key)
      throw error
    }
  }

  deinit {
    X509_free(certificate)
    EVP_PKEY_free(key)
  }

  /// Issues a certificate for `names` (DNS SANs), `ipAddresses` (IP SANs)
  /// and `uris` (URI SANs), valid from `notBefore` to `notAfter`, and writes
  /// it and its new key into the directory. The subject is
  /// `CN=commonName` (default: the first name, or "test"), with
  /// `O=organization` when given. With `includesAuthority` the certificate
  /// file also holds the CA's certificate after the leaf (a chain). With
  /// `keyPassphrase` the key file is encrypted (AES-256-CBC) with it.
  public func issue(
    commonName: String? = nil, organization: String? = nil, names: [String] = ["localhost"],
    ipAddresses: [String] = ["127.0.0.1", "::1"], uris: [String] = [], notBefore: Date = Date() - 3600,
    notAfter: Date = Date() + 86400, purpose: Purpose = .server, keyType: KeyType = .ecP256, includesAuthority: Bool = false,
    keyPassphrase: String? = nil
  ) throws -> Issued {
    let number = issued.withLock { count -> Int in
      count += 1
      return count
    }
    let common = commonName ?? names.first ?? "test"
    var subject: [(String, String)] = []
    if let organization { subject.append(("O", organization)) }
    subject.append(("CN", common))
    let alternativeNames = names.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" } + uris.map { "URI:\($0)" }
    var extensions: [(Int32, String)] = [
      (NID_basic_constraints, "critical,CA:FALSE"), (NID_key_usage, "critical,digitalSignature,keyEncipherment"),
      (NID_ext_key_usage, purpose == .server ? "serverAuth" : purpose == .client ? "clientAuth" : "serverAuth,clientAuth"),
      (NID_subject_key_identifier, "hash"), (NID_authority_key_identifier, "keyid:always"),
    ]
    if !alternativeNames.isEmpty { extensions.append((NID_subject_alt_name, alternativeNames.joined(separator: ","))) }
    let leafKey = try Self.makeKey(keyType)
    defer { EVP_PKEY_free(leafKey) }
    let leaf = try Self.makeCertificate(
      subject: subject, key: leafKey, issuer: certificate, issuerKey: key, serial: UInt64(number + 1) << 8 | UInt64.random(in: 0..<256),
      notBefore: notBefore, notAfter: notAfter, extensions: extensions)
    defer { X509_free(leaf) }
    let stem = directory + "/" + Self.slug(name) + "-\(number)-" + Self.slug(common)
    let files: Issued = (stem + ".pem", stem + "-key.pem")
    try Self.write(certificates: includesAuthority ? [leaf, certificate] : [leaf], to: files.certificateFile)
    try Self.write(key: leafKey, to: files.keyFile, passphrase: keyPassphrase)
    return files
  }

  /// Issues a client certificate: subject `CN=commonName` (and `O=organization`),
  /// URI SANs `uris`, no DNS or IP names unless given.
  public func issueClient(
    commonName: String, organization: String? = nil, uris: [String] = [], names: [String] = [],
    notBefore: Date = Date() - 3600, notAfter: Date = Date() + 86400
  ) throws -> Issued {
    try issue(
      commonName: commonName, organization: organization, names: names, ipAddresses: [], uris: uris, notBefore: notBefore,
      notAfter: notAfter, purpose: .client)
  }

  // MARK: - libcrypto

  /// Why making or writing a test certificate failed.
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  private static func failure(_ what: String) -> Failure {
    var text = what
    let code = ERR_get_error()
    if code != 0, let reason = ERR_reason_error_string(code) { text += ": " + String(cString: reason) }
    ERR_clear_error()
    return Failure(description: text)
  }

  private static func makeKey(_ type: KeyType) throws -> OpaquePointer {
    let key = switch type {
    case .ecP256: hw_generate_ec_p256_key()
    case .rsa2048: hw_generate_rsa_key(2048)
    }
    guard let key else { throw failure("key generation failed") }
    return key
  }

  private static func makeCertificate(
    subject: [(String, String)], key: OpaquePointer, issuer: OpaquePointer?, issuerKey: OpaquePointer, serial: UInt64,
    notBefore: Date, notAfter: Date, extensions: [(Int32, String)]
  ) throws -> OpaquePointer {
    guard let certificate = X509_new() else { throw failure("X509_new") }
    do {
      guard X509_set_version(certificate, 2) == 1,
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial) == 1,
        ASN1_TIME_set(X509_getm_notBefore(certificate), time_t(notBefore.timeIntervalSince1970)) != nil,
        ASN1_TIME_set(X509_getm_notAfter(certificate), time_t(notAfter.timeIntervalSince1970)) != nil,
        X509_set_pubkey(certificate, key) == 1
      else { throw failure("setting the certificate's fields") }
      guard let name = X509_NAME_new() else { throw failure("X509_NAME_new") }
      defer { X509_NAME_free(name) }
      for (field, value) in subject {
        guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, value, -1, -1, 0) == 1 else { throw failure("subject \(field)") }
      }
      guard X509_set_subject_name(certificate, name) == 1,
        X509_set_issuer_name(certificate, issuer.map { X509_get_subject_name($0) } ?? name) == 1
      else { throw failure("setting the names") }
      var context = X509V3_CTX()
      X509V3_set_ctx(&context, issuer ?? certificate, certificate, nil, nil, 0)
      for (nid, value) in extensions {
        guard let extensionValue = X509V3_EXT_conf_nid(nil, &context, nid, value) else { throw failure("extension \(value)") }
        defer { X509_EXTENSION_free(extensionValue) }
        guard X509_add_ext(certificate, extensionValue, -1) == 1 else { throw failure("adding extension \(value)") }
      }
      guard X509_sign(certificate, issuerKey, EVP_sha256()) > 0 else { throw failure("signing") }
      return certificate
    } catch {
      X509_free(certificate)
      throw error
    }
  }

  private static func write(certificates: [OpaquePointer], to path: String) throws {
    guard let file = BIO_new_file(path, "w") else { throw failure("cannot create \(path)") }
    defer { BIO_free(file) }
    for certificate in certificates {
      guard PEM_write_bio_X509(file, certificate) == 1 else { throw failure("cannot write \(path)") }
    }
  }

  private static func write(key: OpaquePointer, to path: String, passphrase: String? = nil) throws {
    guard let file = BIO_new_file(path, "w") else { throw failure("cannot create \(path)") }
    defer { BIO_free(file) }
    let written: Int32
    if let passphrase {
      var secret = Array(passphrase.utf8)
      written = PEM_write_bio_PKCS8PrivateKey(file, key, EVP_aes_256_cbc(), &secret, Int32(secret.count), nil, nil)
    } else {
      written = PEM_write_bio_PrivateKey(file, key, nil, nil, 0, nil, nil)
    }
    guard written == 1 else { throw failure("cannot write \(path)") }
  }

  /// A file-name-safe form of a name.
  private static func slug(_ text: String) -> String {
    String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
  }
}
