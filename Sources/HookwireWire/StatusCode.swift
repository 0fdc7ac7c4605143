/// The status a call ends with: gRPC's 17 codes, with their numbers.
///
/// A struct rather than an enum so that a code this build does not know,
/// received from a newer peer, is carried rather than refused.
public struct StatusCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The code's number on the wire.
  public var rawValue: UInt32

  /// Creates a code from its wire number.
  @inlinable
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// The call succeeded.
  public static let ok = StatusCode(rawValue: 0)
  /// The caller cancelled the call.
  public static let cancelled = StatusCode(rawValue: 1)
  /// An error with no better code; a handler's non-RPC error becomes this.
  public static let unknown = StatusCode(rawValue: 2)
  /// The request is invalid whatever the system's state.
  public static let invalidArgument = StatusCode(rawValue: 3)
  /// The deadline passed before the call completed.
  public static let deadlineExceeded = StatusCode(rawValue: 4)
  /// A named entity does not exist (or is outside the caller's reach).
  public static let notFound = StatusCode(rawValue: 5)
  /// The entity to create exists already.
  public static let alreadyExists = StatusCode(rawValue: 6)
  /// The caller is known but may not do this.
  public static let permissionDenied = StatusCode(rawValue: 7)
  /// A limit was reached: message size, concurrent calls, quota.
  public static let resourceExhausted = StatusCode(rawValue: 8)
  /// The system is not in a state that allows this; do not retry as is.
  public static let failedPrecondition = StatusCode(rawValue: 9)
  /// A concurrency conflict, such as a version mismatch; retry the whole sequence.
  public static let aborted = StatusCode(rawValue: 10)
  /// A value is past the valid range.
  public static let outOfRange = StatusCode(rawValue: 11)
  /// The method does not exist, or the call broke its cardinality.
  public static let unimplemented = StatusCode(rawValue: 12)
  /// An invariant broke: the peer could not parse what it was sent, or a bug.
  public static let `internal` = StatusCode(rawValue: 13)
  /// Transient: the server is shutting down or the connection broke; retry.
  public static let unavailable = StatusCode(rawValue: 14)
  /// Unrecoverable data loss.
  public static let dataLoss = StatusCode(rawValue: 15)
  /// The call carries no valid credentials.
  public static let unauthenticated = StatusCode(rawValue: 16)

  /// Every code gRPC defines, in number order.
  public static let allKnown: [StatusCode] = (0...16).map { StatusCode(rawValue: $0) }

  static let names = [
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
  ]

  /// The gRPC name, such as `DEADLINE_EXCEEDED`, or `CODE_<n>` for an unknown number.
  public var name: String {
    rawValue < UInt32(Self.names.count) ? Self.names[Int(rawValue)] : "CODE_\(rawValue)"
  }

  public var description: String { name }
}
