import Foundation
import HookwireClient
import HookwirePosix
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Synchronization
import Testing

@testable import HookwireDomain

/// Echo that fails as its payload says: `unknown` throws an error no layer
/// maps (UNKNOWN), `internal` a storage failure (INTERNAL), `denied` a
/// domain refusal (PERMISSION_DENIED); anything else is echoed.
private struct FailingDiagnostics: Diagnostics.ServiceProtocol {
  struct Boom: Error, CustomStringConvertible {
    var description: String { "Boom: the disk caught fire" }
  }

  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    switch String(decoding: request.payload, as: UTF8.self) {
    case "unknown": throw Boom()
    case "internal": throw StoreError(.internal, "no such table: webhooks")
    case "denied": throw DomainError(.forbidden, "not yours")
    default: return EchoResponse(payload: request.payload)
    }
  }
}

/// Stands in for `AuthInterceptor`: every call is partner 10001's, by key `abcd2345`.
private struct FixedCaller: ServerInterceptor {
  func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
    var scoped = context
    let partner = Partner(id: 10_001, name: "Acme", kind: .channel, buID: 1, reach: .units([1]), createdAtMs: 0)
    scoped.values[CallerScopeKey.self] = CallerScope(principal: .partner(partner, keyPrefix: "abcd2345"), actingAs: nil)
    try await next(scoped)
  }
}

/// The server's log of how calls end: one error line, with the call's id,
/// for each call that ends INTERNAL or UNKNOWN, the same id in the status
/// message its caller gets, and one debug line per other call.
@Suite("Call failure log")
struct CallFailureLogTests {
  final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var objects: [[String: Any]] {
      all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
    func log(_ level: LogLevel) -> ServerLog {
      ServerLog(format: .json, level: level) { [self] line in lines.withLock { $0.append(line) } }
    }
  }

  static func server(_ log: ServerLog) throws -> RPCServer {
    var configuration = RPCServer.Configuration()
    configuration.port = 0
    configuration.loops = 2
    configuration.shutdownGrace = .seconds(2)
    return RPCServer(
      configuration: configuration, services: [FailingDiagnostics()], interceptors: [FixedCaller()], log: log,
      callFields: { $0.callerLogFields })
  }

  static func failure(_ client: RPCClient, _ payload: String) async -> RPCError? {
    do {
      _ = try await Diagnostics.Client(wrapping: client).echo(EchoRequest(payload: Array(payload.utf8)))
      return nil
    } catch {
      return error as? RPCError
    }
  }

  /// The call id an INTERNAL or UNKNOWN message ends with.
  static func callID(in message: String) -> String? {
    message.firstMatch(of: /\(call id ([0-9a-f]{8}-\d+-\d+)\)$/).map { String($0.output.1) }
  }

  @Test("a call that ends UNKNOWN or INTERNAL logs exactly one error line with its call id, method and caller; the caller's message names the same id")
  func failedCallsLogOneLine() async throws {
    let lines = Lines()
    try await withTeardown { teardown in
      let server = try Self.server(lines.log(.info))
      let port = try server.start()
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }

      var ids: [String] = []
      for (payload, code) in [("unknown", StatusCode.unknown), ("internal", .internal)] {
        let error = try #require(await Self.failure(client, payload))
        #expect(error.code == code)
        let id = try #require(Self.callID(in: error.message), "no call id in '\(error.message)'")
        ids.append(id)
        let matching = lines.objects.filter { $0["call_id"] as? String == id }
        try #require(matching.count == 1, "\(lines.all)")
        let line = matching[0]
        #expect(line["level"] as? String == "error" && line["msg"] as? String == "call failed")
        #expect(line["method"] as? String == "/hookwire.v1.Diagnostics/Echo" && line["status"] as? String == code.name)
        #expect(line["partner_id"] as? Int == 10_001 && line["key_prefix"] as? String == "abcd2345")
        #expect(line["peer"] as? String == "127.0.0.1")
        #expect(line["time"] is String)
      }
      // The cause stays on the server's side: in the line, not in the caller's message.
      let unknownLine = try #require(lines.objects.first { $0["call_id"] as? String == ids[0] })
      #expect((unknownLine["cause"] as? String)?.contains("the disk caught fire") == true)
      #expect(ids[0] != ids[1])

      // Calls that end otherwise log nothing at level info.
      #expect(await Self.failure(client, "denied")?.code == .permissionDenied)
      #expect(await Self.failure(client, "fine") == nil)
      #expect(lines.all.count == 2, "\(lines.all)")
    }
  }

  @Test("call ids differ across connections and name their connection and call")
  func idsAreUnique() async throws {
    let lines = Lines()
    try await withTeardown { teardown in
      let server = try Self.server(lines.log(.info))
      let port = try server.start()
      teardown.add { await server.shutdown() }
      var seen: Set<String> = []
      for _ in 0..<3 {
        let client = try RPCClient(host: "127.0.0.1", port: port)
        teardown.add { await client.close() }
        for _ in 0..<2 {
          let message = try #require(await Self.failure(client, "unknown")?.message)
          seen.insert(try #require(Self.callID(in: message)))
        }
      }
      #expect(seen.count == 6)
      #expect(Set(seen.map { $0.split(separator: "-")[0] }) == [Substring(CallID.processTag)])
      #expect(Set(seen.map { $0.split(separator: "-")[1] }).count == 3, "\(seen)")
      #expect(lines.all.count == 6)
    }
  }

  @Test("at debug, every call logs how it ended; a method name a client made up is escaped and cut to a bound")
  func debugLinesPerCall() async throws {
    let lines = Lines()
    try await withTeardown { teardown in
      let server = try Self.server(lines.log(.debug))
      let port = try server.start()
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      #expect(await Self.failure(client, "fine") == nil)
      let hostile = "Evil\"},\n{\"level\":\"error\u{1B}" + String(repeating: "x", count: 5_000)
      let method = MethodDescriptor(service: "hookwire.v1.Diagnostics", method: hostile, kind: .unary)
      await #expect(throws: RPCError.self) {
        _ = try await client.unary(EchoRequest(payload: [1]), method: method, responseType: EchoResponse.self, metadata: [:], options: CallOptions())
      }
      let ended = await eventually { lines.all.count >= 2 }
      #expect(ended, "\(lines.all)")
      let all = lines.all
      #expect(all.allSatisfy { !$0.contains("\n") })
      let objects = lines.objects
      #expect(objects.count == all.count, "a line is not JSON: \(all)")
      let fine = try #require(objects.first { $0["status"] as? String == "OK" })
      #expect(fine["level"] as? String == "debug" && fine["msg"] as? String == "call ended" && fine["partner_id"] as? Int == 10_001)
      let refused = try #require(objects.first { $0["status"] as? String == "UNIMPLEMENTED" })
      let logged = try #require(refused["method"] as? String)
      #expect(logged.hasPrefix("/hookwire.v1.Diagnostics/Evil\"},\n{\"level\":\"error\u{1B}") && logged.utf8.count <= LogField.maxMethodBytes)
      #expect(refused["level"] as? String == "debug")
    }
  }
}
