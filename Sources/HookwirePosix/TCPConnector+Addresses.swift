#if canImport(Glibc)
import Glibc
#endif

/// Why none of a host's addresses took a connection.
public struct ConnectFailure: Error, Sendable, CustomStringConvertible {
  /// The kinds of failure.
  public enum Kind: Sendable, Equatable {
    /// The deadline passed before an address answered.
    case timedOut
    /// Every address refused, was unreachable or failed otherwise.
    case failed
  }

  /// The kind.
  public var kind: Kind
  /// One line per address tried, joined with "; ", naming each
  /// ("connection refused by 127.0.0.1:7700").
  public var reason: String
  /// Whether every address tried refused the connection (nothing listens).
  public var allRefused: Bool

  public var description: String { reason }
}

extension TCPConnector {
  /// Connects to the first of `addresses` that accepts on `port`, trying
  /// the next after a refusal or any other failure, all before `deadline`
  /// (monotonic nanoseconds, `MonotonicClock`);
  /// `observe` hears each address as it is tried. `completion` runs once,
  /// on the loop thread, with the stream and the address it reached.
  public static func connect(
    toFirstOf addresses: [PeerAddress], port: Int, loop: EventLoop, deadline: UInt64,
    observe: ((PeerAddress) -> Void)? = nil,
    completion: @escaping (Result<(stream: TCPStream, address: PeerAddress), ConnectFailure>) -> Void
  ) {
    var remaining = addresses[...]
    var failures: [String] = []
    var refusals = 0
    func tryNext() {
      guard let address = remaining.popFirst() else {
        let reason = failures.isEmpty ? "no address to connect to" : failures.joined(separator: "; ")
        return completion(.failure(ConnectFailure(kind: .failed, reason: reason, allRefused: !failures.isEmpty && refusals == failures.count)))
      }
      let name = address.name(port: port)
      let now = MonotonicClock.now()
      guard now < deadline else {
        return completion(.failure(ConnectFailure(kind: .timedOut, reason: "timed out connecting to \(name)", allRefused: false)))
      }
      observe?(address)
      connect(host: address.description, port: port, loop: loop, timeout: .nanoseconds(Int64(deadline - now))) { result in
        switch result {
        case .success(let stream):
          completion(.success((stream, address)))
        case .failure(let error) where error.errno == ETIMEDOUT && MonotonicClock.now() >= deadline:
          completion(.failure(ConnectFailure(kind: .timedOut, reason: "timed out connecting to \(name)", allRefused: false)))
        case .failure(let error):
          if error.errno == ECONNREFUSED { refusals += 1 }
          failures.append(failure(error, to: name))
          tryNext()
        }
      }
    }
    tryNext()
  }

  /// One line for a failed connection attempt to `name`.
  static func failure(_ error: IOError, to name: String) -> String {
    switch error.errno {
    case ECONNREFUSED: "connection refused by \(name)"
    case ENETUNREACH, EHOSTUNREACH: "\(name) is unreachable"
    default: "cannot connect to \(name): \(String(cString: strerror(error.errno)))"
    }
  }
}

extension PeerAddress {
  /// `address:port`, an IPv6 address in brackets.
  public func name(port: Int) -> String {
    family == .ipv6 ? "[\(self)]:\(port)" : "\(self):\(port)"
  }
}
