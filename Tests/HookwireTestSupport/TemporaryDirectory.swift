import Foundation

/// A fresh directory under the system's temporary directory, for a test's
/// files; `remove()` (in a `defer`) deletes it with everything in it.
public final class TemporaryDirectory: Sendable {
  /// The directory's path.
  public let path: String

  /// Creates a directory named after `prefix`.
  public init(prefix: String = "hookwire-test") throws {
    var base = NSTemporaryDirectory()
    while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
    var template = Array((base + "/\(prefix)-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
      guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
      return String(cString: base)
    }
    guard let made else { throw CocoaError(.fileWriteUnknown) }
    path = made
  }

  /// A path inside the directory.
  public func file(_ name: String) -> String { path + "/" + name }

  /// Deletes the directory and its contents.
  public func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}
