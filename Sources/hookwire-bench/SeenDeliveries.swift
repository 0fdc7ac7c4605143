import Foundation
import HookwireDelivery
import HookwireDomain
import Synchronization

/// A sender that notes the `webhook-id` (the delivery id, the same on every
/// attempt) of each POST before handing it to the sender it wraps, so a
/// benchmark can tell how many deliveries this server attempted and whether
/// any was attempted twice — by this server or by another one on the same
/// database, once the parent compares their lists.
final class SeenDeliveries: HTTPSender {
  private let sender: any HTTPSender
  private let seen = Mutex<(posts: Int, ids: Set<String>)>((0, []))

  /// Wraps `sender`.
  init(wrapping sender: any HTTPSender) {
    self.sender = sender
  }

  /// Notes the delivery id and posts through the wrapped sender.
  func post(to target: CheckedTarget, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome {
    if let id = headers.first(where: { $0.0 == "webhook-id" })?.1 {
      seen.withLock { state in
        state.posts += 1
        state.ids.insert(id)
      }
    }
    return await sender.post(to: target, headers: headers, body: body, timeout: timeout)
  }

  /// Lets the wrapped sender go.
  func shutdown() async { await sender.shutdown() }

  /// POSTs so far, and how many distinct delivery ids they carried.
  var counts: (posts: Int, unique: Int) {
    seen.withLock { ($0.posts, $0.ids.count) }
  }

  /// Writes every delivery id seen, one per line, to `path`.
  func write(to path: String) throws {
    let ids = seen.withLock { $0.ids }
    try Data(ids.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
  }

  /// The delivery ids in a file `write(to:)` made.
  static func read(from path: String) throws -> Set<String> {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return Set(text.split(separator: "\n").map(String.init))
  }
}
