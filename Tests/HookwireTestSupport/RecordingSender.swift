import HookwireDelivery
import Foundation
import HookwireServer
import Synchronization

/// An `HTTPSender` that records every POST and answers from a script, for
/// fast delivery tests without sockets.
package final class RecordingSender: HTTPSender {
  /// One recorded POST.
  package struct Post: Sendable {
    package var url: URL
    package var headers: [String: String]
    package var body: [UInt8]
  }

  private let posts = Mutex<[Post]>([])
  private let script: @Sendable (Int) -> HTTPOutcome

  /// A sender answering the n-th POST (0-based) with `script(n)`.
  package init(script: @escaping @Sendable (Int) -> HTTPOutcome = { _ in HTTPOutcome(status: 200) }) {
    self.script = script
  }

  /// Every POST so far.
  package var recorded: [Post] { posts.withLock { $0 } }

  package func post(to target: CheckedTarget, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome {
    let url = target.url
    let index = posts.withLock { posts -> Int in
      posts.append(Post(url: url, headers: Dictionary(headers, uniquingKeysWith: { first, _ in first }), body: body))
      return posts.count - 1
    }
    return script(index)
  }
}
