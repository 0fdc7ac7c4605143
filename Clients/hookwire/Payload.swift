import Foundation
import HookwireClient
import HookwireCommandLine

#if canImport(Glibc)
import Glibc
#endif

/// A request body given as `--data`: the text itself, `@FILE`, or `-`
/// for standard input — read whole, up to the largest message the server
/// takes, so a payload too large for an argument (Linux caps one at 128 KiB)
/// can still be sent. What the server allows within that it checks itself.
enum Payload {
  /// The most bytes read: the protocol's message limit.
  static let maxBytes = ProtocolDefaults.maxMessageSize

  /// The payload `source` names; `flag` names it in errors.
  static func read(_ source: String, flag: String) throws(UsageError) -> String {
    if source == "-" { return try text(of: FileHandle.standardInput, what: "standard input", flag: flag) }
    guard source.hasPrefix("@") else { return source }
    let path = String(source.dropFirst())
    guard !path.isEmpty else { throw UsageError("\(flag): expected @FILE with a file name after '@'") }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw UsageError("\(flag): cannot read '\(path.echoed)': \(errno == ENOENT ? "no such file" : String(cString: strerror(errno)))")
    }
    return try text(of: FileHandle(fileDescriptor: descriptor, closeOnDealloc: true), what: "'\(path.echoed)'", flag: flag)
  }

  /// Reads `handle` to its end, at most `maxBytes`, as UTF-8.
  private static func text(of handle: FileHandle, what: String, flag: String) throws(UsageError) -> String {
    var data = Data()
    do {
      while data.count <= maxBytes, let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty { data += chunk }
    } catch {
      throw UsageError("\(flag): cannot read \(what): \(error.localizedDescription)")
    }
    guard data.count <= maxBytes else { throw UsageError("\(flag): \(what) is larger than \(maxBytes / (1 << 20)) MiB, the largest message the server takes") }
    guard !data.isEmpty else { throw UsageError("\(flag): \(what) is empty") }
    guard let text = String(data: data, encoding: .utf8) else { throw UsageError("\(flag): \(what) is not UTF-8 text") }
    return text
  }
}
