import Synchronization

/// Names one call among every call a server process runs:
/// `<process>-<connection>-<call>`, such as `3fa2c91e-12-7` — a tag drawn
/// at random when the process starts, the connection's number (counted
/// from 1 across the process) and the call's id on its connection (which
/// only grows). The log line of a call that failed INTERNAL or UNKNOWN and
/// the status message its caller got carry the same id, so a user's report
/// finds its line; the random tag keeps ids from different servers or
/// restarts apart.
public struct CallID: Sendable, Hashable, CustomStringConvertible {
  /// The connection's number within the process.
  public let connection: UInt64
  /// The call's id on its connection.
  public let call: UInt32

  /// The id of call `call` on connection `connection`.
  public init(connection: UInt64, call: UInt32) {
    self.connection = connection
    self.call = call
  }

  public var description: String { "\(Self.processTag)-\(connection)-\(call)" }

  /// This process's random tag, 8 hex digits.
  public static let processTag: String = {
    let hex = String(UInt32.random(in: .min ... .max), radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
  }()

  private static let connections = Atomic<UInt64>(0)

  /// A connection number not given before in this process.
  static func nextConnection() -> UInt64 { connections.wrappingAdd(1, ordering: .relaxed).newValue }
}
