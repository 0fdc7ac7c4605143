import Foundation
import HookwireServer
import HookwireTestSupport

/// The HTTP client alone: `URLSessionSender` POSTing 200-byte bodies to the
/// local keep-alive receiver, to separate its cost from the delivery engine's.
enum HTTPBench {
  static func run(_ options: BenchOptions) async {
    let requests = options.int("requests", default: 20_000, in: 100...1_000_000)
    let concurrency = options.int("concurrency", default: 16, in: 1...256)
    guard let receiver = try? TestReceiver(), let url = URL(string: "http://127.0.0.1:\(receiver.port)/hooks") else { return }
    defer { receiver.stop() }
    let sender = URLSessionSender(maxConnectionsPerHost: concurrency)
    let body = [UInt8](repeating: 0x61, count: 200)
    let started = ContinuousClock.now
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
    print(String(format: "http client=urlsession concurrency=%d requests=%d received=%d requests_per_s=%.0f", concurrency, requests, receiver.requests.count, Double(requests) / elapsed.seconds))
  }
}
