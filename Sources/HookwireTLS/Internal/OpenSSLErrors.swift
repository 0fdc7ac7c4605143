import CSSL

/// OpenSSL's error queue, which is per thread: every TLS call clears it
/// first, so one connection's failure never shows up as another's.
enum OpenSSLErrors {
  /// Forgets whatever earlier calls on this thread left behind.
  static func clear() { ERR_clear_error() }

  /// Takes every queued error code, oldest first, leaving the queue empty.
  static func drain() -> [UInt] {
    var codes: [UInt] = []
    while true {
      let code = ERR_get_error()
      if code == 0 { break }
      if codes.count < 16 { codes.append(code) }
    }
    return codes
  }

  /// The reason text of a code ("unexpected message"), or its number.
  static func text(of code: UInt) -> String {
    if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
    return "error \(hw_err_library(code)):\(hw_err_reason(code))"
  }

  /// What the first queued error (the cause; later ones say what it broke)
  /// says, as one line; `fallback` when the queue is empty. Drains the queue.
  static func drainedText(fallback: String) -> String {
    let codes = drain()
    guard let first = codes.first else { return fallback }
    return text(of: first)
  }
}

extension TLSError {
  /// A configuration error naming the file and why it could not be used;
  /// drains the error queue.
  static func file(_ what: String, _ path: String, expecting content: String) -> TLSError {
    let codes = OpenSSLErrors.drain()
    let why: String
    // OpenSSL 3 reads keys through its decoders, which only say "unsupported"
    // for a file with no key, or an encrypted one (no passphrase is ever given).
    let undecodable = codes.contains {
      (hw_err_library($0) == ERR_LIB_PEM && hw_err_reason($0) == PEM_R_NO_START_LINE) || hw_err_library($0) == ERR_LIB_OSSL_DECODER
    }
    let encrypted = codes.contains {
      let (library, reason) = (hw_err_library($0), hw_err_reason($0))
      return (library == ERR_LIB_PEM && (reason == PEM_R_BAD_DECRYPT || reason == PEM_R_BAD_PASSWORD_READ))
        || (library == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT) || (library == ERR_LIB_PROV && reason == PROV_R_BAD_DECRYPT)
    }
    if encrypted {
      why = "it is encrypted, and only unencrypted keys are read"
    } else if undecodable {
      why = content == "private key" ? "it holds no unencrypted PEM private key" : "it holds no PEM \(content)"
    } else if let first = codes.first {
      why = OpenSSLErrors.text(of: first)
    } else {
      why = "it holds no usable \(content)"
    }
    return TLSError(.configuration, "TLS: cannot use \(what) \(printable(path)): \(why)")
  }

  /// The error for a failed certificate verification (`X509_V_ERR_*`); `peer`
  /// names the server (client side) or is nil (server side, about a client).
  static func verification(_ code: Int, peer: String?) -> TLSError {
    let certificate = peer == nil ? "client certificate" : "certificate"
    let suffix = peer.map { " (\(printable($0)))" } ?? ""
    switch Int32(code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return TLSError(.certificateExpired, "TLS: \(certificate) has expired\(suffix)")
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return TLSError(.certificateNotYetValid, "TLS: \(certificate) is not yet valid\(suffix)")
    case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
      return TLSError(.hostnameMismatch, "TLS: certificate is not valid for host \(printable(peer ?? "?"))")
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
      X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
      X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return TLSError(.unknownAuthority, "TLS: \(certificate) signed by an unknown authority\(suffix)")
    case X509_V_ERR_CERT_REVOKED:
      return TLSError(.certificateRevoked, "TLS: \(certificate) has been revoked\(suffix)")
    default:
      let text = X509_verify_cert_error_string(code).map { String(cString: $0) } ?? "error \(code)"
      return TLSError(.certificateInvalid, "TLS: \(certificate) is not acceptable: \(text)\(suffix)")
    }
  }

  /// Text safe for a one-line log: printable ASCII, control bytes and
  /// non-ASCII as '.', cut at `limit` characters.
  static func printable(_ text: String, limit: Int = 120) -> String {
    printable(Array(text.utf8), limit: limit)
  }

  /// Bytes as printable ASCII, cut at `limit`.
  static func printable(_ bytes: some Collection<UInt8>, limit: Int = 120) -> String {
    var result = ""
    for byte in bytes.prefix(limit) {
      result.append(byte >= 0x20 && byte < 0x7F ? Character(Unicode.Scalar(byte)) : ".")
    }
    if bytes.count > limit { result += "..." }
    return result
  }
}
