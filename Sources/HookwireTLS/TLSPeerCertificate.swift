import CSSL

/// What a verified peer certificate says about who the peer is: for
/// logging and for mapping a client's identity to a principal.
public struct TLSPeerCertificate: Sendable, Equatable {
  /// The subject as RFC 2253 text, most specific first, e.g. "CN=svc,O=Acme".
  public var subject: String
  /// The subject's common name, if it has one.
  public var commonName: String?
  /// The issuer as RFC 2253 text.
  public var issuer: String
  /// DNS names among the subject alternative names.
  public var dnsNames: [String]
  /// URIs among the subject alternative names (e.g. SPIFFE IDs).
  public var uris: [String]
  /// IP addresses among the subject alternative names, as text ("127.0.0.1", "::1").
  public var ipAddresses: [String]

  /// A description of a certificate, for tests and for callers that build one.
  public init(
    subject: String, commonName: String?, issuer: String, dnsNames: [String] = [], uris: [String] = [], ipAddresses: [String] = []
  ) {
    self.subject = subject
    self.commonName = commonName
    self.issuer = issuer
    self.dnsNames = dnsNames
    self.uris = uris
    self.ipAddresses = ipAddresses
  }

  /// Reads an `X509` certificate.
  init(x509 certificate: OpaquePointer) {
    subject = Self.text(of: X509_get_subject_name(certificate))
    issuer = Self.text(of: X509_get_issuer_name(certificate))
    commonName = Self.commonName(of: X509_get_subject_name(certificate))
    var dnsNames: [String] = []
    var uris: [String] = []
    var ipAddresses: [String] = []
    if let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) {
      let names = OpaquePointer(raw)
      defer { GENERAL_NAMES_free(names) }
      // Bounded: a certificate with thousands of names is not an identity.
      for index in 0..<min(Int(hw_general_names_count(names)), 256) {
        guard let name = hw_general_names_value(names, Int32(index)), let value = hw_general_name_value(name) else { continue }
        let bytes = UnsafeBufferPointer(start: ASN1_STRING_get0_data(value), count: Int(ASN1_STRING_length(value)))
        switch hw_general_name_type(name) {
        case GEN_DNS: dnsNames.append(String(decoding: bytes, as: UTF8.self))
        case GEN_URI: uris.append(String(decoding: bytes, as: UTF8.self))
        case GEN_IPADD: if let address = Self.ipText(bytes) { ipAddresses.append(address) }
        default: break
        }
      }
    }
    self.dnsNames = dnsNames
    self.uris = uris
    self.ipAddresses = ipAddresses
  }

  private static func text(of name: OpaquePointer?) -> String {
    guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
    defer { BIO_free(bio) }
    guard X509_NAME_print_ex(bio, name, 0, hw_rfc2253_print_flags()) >= 0 else { return "" }
    var data: UnsafeMutablePointer<CChar>?
    let count = hw_bio_mem_data(bio, &data)
    guard let data, count > 0 else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
  }

  private static func commonName(of name: OpaquePointer?) -> String? {
    guard let name else { return nil }
    let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
    guard index >= 0, let entry = X509_NAME_get_entry(name, index), let value = X509_NAME_ENTRY_get_data(entry) else { return nil }
    var utf8: UnsafeMutablePointer<UInt8>?
    let length = ASN1_STRING_to_UTF8(&utf8, value)
    guard length >= 0, let utf8 else { return nil }
    defer { hw_openssl_free(utf8) }
    return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
  }

  private static func ipText(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    switch bytes.count {
    case 4:
      return bytes.map(String.init).joined(separator: ".")
    case 16:
      // Full form, lowercase, zero runs compressed as RFC 5952 says.
      let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
      var bestStart = -1
      var bestLength = 0
      var index = 0
      while index < 8 {
        guard groups[index] == 0 else {
          index += 1
          continue
        }
        var end = index
        while end < 8 && groups[end] == 0 { end += 1 }
        if end - index > bestLength && end - index > 1 {
          bestStart = index
          bestLength = end - index
        }
        index = end
      }
      let hex = groups.map { String($0, radix: 16) }
      guard bestStart >= 0 else { return hex.joined(separator: ":") }
      let head = hex[0..<bestStart].joined(separator: ":")
      let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
      return head + "::" + tail
    default:
      return nil
    }
  }
}
