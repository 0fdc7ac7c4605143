#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, and the `errno` it set.
public struct IOError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The system call that failed, such as `connect`.
  public var call: String
  /// The `errno` value.
  public var errno: Int32

  /// Creates an error for `call` with `errno`.
  public init(call: String, errno: Int32) {
    self.call = call
    self.errno = errno
  }

  public var description: String {
    "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
  }
}

/// The outcome of a non-blocking system call.
public enum IOResult<Value: Sendable>: Sendable {
  /// The call did its work and returned `Value`.
  case processed(Value)
  /// The call would have blocked (EAGAIN / EWOULDBLOCK / EINPROGRESS).
  case wouldBlock
}

/// The one wrapper every system call of Hookwire goes through: it retries
/// `EINTR`, reports `EAGAIN` as `.wouldBlock`, and turns other failures into
/// an `IOError` naming the call.
public enum Syscall {
  /// Runs `body`, which returns -1 and sets `errno` on failure.
  @inline(__always)
  public static func run(_ call: StaticString, _ body: () -> Int) throws(IOError) -> IOResult<Int> {
    while true {
      let result = body()
      if result >= 0 { return .processed(result) }
      let error = Glibc.errno
      switch error {
      case EINTR: continue
      case EAGAIN, EWOULDBLOCK, EINPROGRESS: return .wouldBlock
      default: throw IOError(call: "\(call)", errno: error)
      }
    }
  }

  /// Runs a call that must not block; `.wouldBlock` is reported as an error.
  @inline(__always)
  public static func blocking(_ call: StaticString, _ body: () -> Int) throws(IOError) -> Int {
    switch try run(call, body) {
    case .processed(let value): return value
    case .wouldBlock: throw IOError(call: "\(call)", errno: EAGAIN)
    }
  }
}

/// A monotonic clock reading in nanoseconds.
public enum MonotonicClock {
  /// Nanoseconds since an arbitrary fixed point; never goes backwards.
  @inline(__always)
  public static func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }

  /// The reading `duration` from now (at most `UInt64.max`): the deadline a loop timer takes.
  public static func deadline(after duration: Duration) -> UInt64 {
    let (sum, overflow) = now().addingReportingOverflow(nanoseconds(duration))
    return overflow ? .max : sum
  }

  /// `duration` in whole nanoseconds, clamped to `0…UInt64.max`.
  public static func nanoseconds(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0 else { return 0 }
    let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
    return overflow ? .max : whole &+ UInt64(attoseconds / 1_000_000_000)
  }
}
