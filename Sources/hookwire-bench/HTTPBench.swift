import HookwireDelivery
import Foundation
import HookwireServer
import HookwireTestSupport

/// The HTTP client alone: `URLSessionSender` POSTing 200-byte bodies to the
/// local keep-alive receiver, to separate its cost from the delivery engine's.
enum HTTPBench {
  static func run(_ options: BenchOptions) async {
    let requests = options.int("requests", default: 20_000)
    let concurrency = options.int("concurrency", default: 16)
    let useLoop = options.string("receiver") == "loop"
    var threaded: TestReceiver?
    var looped: LoopReceiver?
    if useLoop { looped = try? LoopReceiver() } else { threaded = try? TestReceiver() }
    guard let port = looped?.port ?? threaded?.port, let url = URL(string: "http://127.0.0.1:\(port)/hooks") else { return }
    let sender = URLSessionSender(maxConnectionsPerHost: concurrency)
    let body = [UInt8](repeating: 0x61, count: 200)
    let started = ContinuousClock.now
    let cpuAtStart = RPCBench.ownCPUMicroseconds()
    await withTaskGroup(of: Void.self) { group in
      for worker in 0..<concurrency {
        group.addTask {
          var index = worker
          while index < requests {
            _ = await sender.post(url: url, headers: [("content-type", "application/json")], body: body, timeout: .seconds(15))
            index += concurrency
          }
        }
      }
    }
    let elapsed = ContinuousClock.now - started
    // Client and receiver together: both run in this process.
    let cpu = RPCBench.ownCPUMicroseconds() - cpuAtStart
    let received = looped?.count.load(ordering: .relaxed) ?? threaded?.requests.count ?? 0
    threaded?.stop()
    await looped?.stop()
    print(String(
      format: "http client=urlsession receiver=%@ concurrency=%d requests=%d received=%d requests_per_s=%.0f cpu_us_per_request=%.1f",
      useLoop ? "loop" : "threads", concurrency, requests, received, Double(requests) / elapsed.seconds, Double(cpu) / Double(requests)))
  }
}
