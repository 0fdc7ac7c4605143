import Foundation

/// A condition a thread of a test's own (a receiver's connection thread,
/// never Swift's cooperative pool) can wait on: `wait(atMost:)` returns as
/// soon as the gate is opened, or when the time is up.
public final class Gate: @unchecked Sendable {
  // Unchecked: `opened` is read and written only under `condition`.
  private let condition = NSCondition()
  private var opened = false

  /// A closed gate.
  public init() {}

  /// Opens the gate for good and wakes every waiter.
  public func open() {
    condition.lock()
    opened = true
    condition.broadcast()
    condition.unlock()
  }

  /// Whether the gate has been opened.
  public var isOpen: Bool {
    condition.lock()
    defer { condition.unlock() }
    return opened
  }

  /// Waits until the gate opens or `duration` has passed; returns whether it is open.
  @discardableResult
  public func wait(atMost duration: Duration) -> Bool {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    let deadline = Date().addingTimeInterval(seconds)
    condition.lock()
    defer { condition.unlock() }
    while !opened && condition.wait(until: deadline) {}
    return opened
  }
}
