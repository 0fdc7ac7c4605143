import HookwireClient

/// Why a call could not reach the server, or why the server ended it,
/// read from the UNAVAILABLE error the client library reports, so
/// `hookwire` can say what to do next instead of always asking whether the
/// server runs.
///
/// The library says the cause only in the message's words (the resolver's
/// "cannot resolve host", the connector's "connection refused by", the TLS
/// layer's reasons, the server's GOAWAY text, a draining server's "is
/// shutting down"), so that is what is matched; an error no pattern knows
/// gets the general hint.
enum ConnectionFailure: Equatable, CaseIterable {
  /// The host name has no address.
  case cannotResolve
  /// Every address refused the connection: nothing listens on the port.
  case refused
  /// No address answered before the connect timeout.
  case timedOut
  /// The server's certificate does not lead to a trusted CA.
  case untrusted
  /// The server's certificate does not name the host connected to.
  case hostnameMismatch
  /// The server's certificate has expired or is not valid yet.
  case certificateOutOfDate
  /// The server asks for a client certificate and none was given.
  case clientCertificateRequired
  /// The server refused the client certificate given.
  case clientCertificateRejected
  /// A plaintext client reached a port that serves TLS only.
  case serverExpectsTLS
  /// A TLS client reached a port that serves plaintext.
  case serverNotTLS
  /// The server is draining: it ended the call (a listen or a tail) or
  /// refused it because it is shutting down, not because it is absent.
  case serverShuttingDown

  /// What each cause's message says, most specific first: a TLS reason
  /// follows "cannot reach HOST:PORT:", and a host name holds no blanks, so
  /// these phrases cannot come from the address itself.
  private static let patterns: [(phrase: String, failure: ConnectionFailure)] = [
    ("expects TLS", .serverExpectsTLS),
    ("does not speak TLS", .serverNotTLS),
    ("requires a client certificate", .clientCertificateRequired),
    ("rejected the client certificate", .clientCertificateRejected),
    ("signed by an unknown authority", .untrusted),
    ("is not valid for host", .hostnameMismatch),
    ("certificate has expired", .certificateOutOfDate),
    ("certificate is not yet valid", .certificateOutOfDate),
    ("cannot resolve host", .cannotResolve),
    ("connection refused by", .refused),
    ("timed out connecting", .timedOut),
    ("timed out in the TLS handshake", .timedOut),
    ("the server is shutting down", .serverShuttingDown),
    ("the server is going away", .serverShuttingDown),
  ]

  /// The cause `error` reports, nil when it is not an UNAVAILABLE the
  /// patterns know.
  init?(_ error: RPCError) {
    guard error.code == .unavailable,
      let match = Self.patterns.first(where: { error.message.contains($0.phrase) || error.cause?.contains($0.phrase) == true })
    else { return nil }
    self = match.failure
  }

  /// One line saying what happened and what to do, for `server` (as the
  /// user gave it) reached with or without TLS.
  func hint(server: ServerAddress, caFileGiven: Bool) -> String {
    switch self {
    case .cannotResolve:
      "cannot resolve host '\(server.host.echoed)': check the host name given to --server (or HOOKWIRE_SERVER) and the DNS settings"
    case .refused:
      "connection refused by \(server) — is hookwire-server running, and listening on that address?"
    case .timedOut:
      "\(server) did not answer in time: check the address, and whether a firewall drops the connection"
    case .untrusted where caFileGiven:
      "the server's certificate is not trusted: it was not issued by a CA in --ca-file (or the system's store)"
    case .untrusted:
      "the server's certificate is not trusted: pass --ca-file with the CA that issued it"
    case .hostnameMismatch:
      "the server's certificate does not name '\(server.host.echoed)': give --server a name (or address) that the certificate lists"
    case .certificateOutOfDate:
      "the server's certificate has expired or is not valid yet: renew it, or check this machine's clock"
    case .clientCertificateRequired:
      "the server requires a client certificate: pass --cert and --key"
    case .clientCertificateRejected:
      "the server rejected the client certificate: it must be issued by a CA the server trusts (its --tls-client-ca)"
    case .serverExpectsTLS:
      "the server expects TLS: add --tls (and --ca-file if its certificate is from a private CA)"
    case .serverNotTLS:
      "the server does not speak TLS on this port: drop --tls (and --ca-file, --cert, --key, HOOKWIRE_TLS)"
    case .serverShuttingDown:
      "the server at \(server) is shutting down: run the command again to reconnect (to another server at that address, or to this one once it is back)"
    }
  }
}
