import Foundation
import HookwireTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Publishing and reading logs with the real CLI: payloads from a file or
/// standard input beyond what one argument can hold, log lines that say
/// which webhook, when, which attempt and what comes next, and
/// redeliveries that say when a paused or disabled webhook holds them.
@Suite("CLI delivery conventions", .serialized)
struct CLIDeliveryConventionsTests {
  /// A server delivering to loopback receivers, with Acme's and a service key.
  struct Setup {
    var partner: [String]
    var service: [String]
  }

  static func withSetup(_ body: (Setup, ServerProcess) async throws -> Void) async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-dconv")
    defer { directory.remove() }
    let (partnerKey, serviceKey) = try await bootstrapAcme(dataDirectory: URL(fileURLWithPath: directory.path))
    try await withServer(
      arguments: ["--allow-http-targets", "--allow-private-targets", "127.0.0.0/8", "--key-cache-ttl", "0"],
      dataDirectory: URL(fileURLWithPath: directory.path)
    ) { server in
      let address = ["--server", "127.0.0.1:\(server.port)"]
      try await body(Setup(partner: address + ["--api-key", partnerKey], service: address + ["--api-key", serviceKey]), server)
      #expect(await server.stop() == 0)
    }
  }

  /// Creates a webhook for `reward.issued` delivering to `receiver`; returns its id.
  static func webhook(_ setup: Setup, _ receiver: TestReceiver) async throws -> String {
    let created = try await runCLI(setup.partner + ["webhooks", "create", "--url", "http://127.0.0.1:\(receiver.port)/in", "--generate-secret", "--events", "reward.issued"])
    #expect(created.status == 0, "stderr: \(created.stderr)")
    return String(created.stdout.prefix { $0 != "\t" })
  }

  /// Publishes `data` (as `--data` takes it); returns the event id.
  static func publish(_ setup: Setup, _ data: String) async throws -> String {
    let published = try await runCLI(setup.service + ["events", "publish", "--bu", "1", "--type", "reward.issued", "--data", data])
    #expect(published.status == 0, "stderr: \(published.stderr)")
    return String(published.stdout.prefix { $0 != "\t" })
  }

  /// Waits (at most 10 s) until `condition` holds.
  static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
    let end = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < end {
      if try await condition() { return true }
      try await Task.sleep(for: .milliseconds(25))
    }
    return try await condition()
  }

  /// A JSON object of about `bytes` bytes.
  static func payload(bytes: Int) -> String { #"{"note":""# + String(repeating: "x", count: bytes - 12) + #""}"# }

  @Test("--data @FILE sends a 200 KiB file and --data - standard input; past the server's limit the error names --data")
  func payloadFromFileAndStdin() async throws {
    let receiver = try TestReceiver()
    defer { receiver.stop() }
    try await Self.withSetup { setup, _ in
      let webhook = try await Self.webhook(setup, receiver)
      let directory = try TemporaryDirectory(prefix: "hookwire-payload")
      defer { directory.remove() }
      let large = Self.payload(bytes: 200 * 1024)
      try Data(large.utf8).write(to: URL(fileURLWithPath: directory.file("large.json")))
      let fromFile = try await Self.publish(setup, "@" + directory.file("large.json"))
      #expect(fromFile.hasPrefix("evt_"))

      let piped = try await TerminalProcess.run(
        setup.service + ["--json", "events", "publish", "--bu", "1", "--type", "reward.issued", "--data", "-"], input: Data(#"{"from":"stdin"}"#.utf8))
      #expect(piped.status == 0, "stderr: \(piped.stderr)")
      #expect(piped.stdout.contains(#""payload_bytes":16"#), "\(piped.stdout)")

      #expect(try await Self.eventually { receiver.requests.count >= 2 })
      let bodies = receiver.requests.map { String(decoding: $0.body, as: UTF8.self) }
      #expect(bodies.contains { $0.contains(large) }, "the 200 KiB payload arrived whole")
      #expect(bodies.contains { $0.contains(#"{"from":"stdin"}"#) })
      let got = try await runCLI(setup.partner + ["--json", "logs", "get", webhook, fromFile])
      #expect(got.stdout.contains(String(repeating: "x", count: 200 * 1024 - 12)), "logs get shows the whole payload (\(got.stdout.utf8.count) bytes)")

      let tooLarge = Self.payload(bytes: 300 * 1024)
      try Data(tooLarge.utf8).write(to: URL(fileURLWithPath: directory.file("too-large.json")))
      let refused = try await runCLI(setup.service + ["events", "publish", "--bu", "1", "--type", "reward.issued", "--data", "@" + directory.file("too-large.json")])
      #expect(refused.status == 13, "stderr: \(refused.stderr)")
      #expect(refused.stderr.contains("--data") && !refused.stderr.contains("payload_json"), "\(refused.stderr)")
    }
  }

  @Test("logs list lines carry the webhook, the times, the attempts and the next attempt; --since and --until take durations and RFC 3339 times")
  func logLines() async throws {
    let receiver = try TestReceiver { _, _ in TestReceiver.Response(status: 503, body: "later") }
    defer { receiver.stop() }
    try await Self.withSetup { setup, _ in
      let webhook = try await Self.webhook(setup, receiver)
      let event = try await Self.publish(setup, #"{"points":1}"#)
      var listed = ProcessResult(status: -1, stdout: "", stderr: "")
      #expect(try await Self.eventually {
        listed = try await runCLI(setup.partner + ["logs", "list", webhook, "--since", "1h"])
        return listed.stdout.contains("\tretrying\t")
      }, "\(listed.stdout) \(listed.stderr)")
      let cells = try #require(listed.stdout.split(separator: "\n").first).split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      #expect(cells.count == 10, "\(cells)")
      #expect(cells[0] == webhook && cells[1] == event && cells[2] == "reward.issued" && cells[3] == "retrying" && cells[4] == "1", "\(cells)")
      let time = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#
      #expect(cells[5].range(of: time, options: .regularExpression) != nil, "created: \(cells[5])")
      #expect(cells[6].range(of: time, options: .regularExpression) != nil, "last attempt: \(cells[6])")
      #expect(cells[7].range(of: time, options: .regularExpression) != nil, "next attempt: \(cells[7])")
      #expect(cells[8] == "503")

      let future = try await runCLI(setup.partner + ["logs", "list", webhook, "--since", "2099-01-01T00:00:00Z"])
      #expect(future.status == 0 && future.stdout.isEmpty, "\(future.stdout)")
      let old = try await runCLI(setup.partner + ["logs", "list", webhook, "--until=1h"])
      #expect(old.status == 0 && old.stdout.isEmpty, "nothing was created before an hour ago: \(old.stdout)")
      let json = try await runCLI(setup.partner + ["--json", "logs", "list", webhook])
      let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
      #expect(object["webhook_id"] as? String == webhook && object["next_attempt_at"] is String && object["created_at"] is String, "\(object)")
    }
  }

  @Test("logs list --all follows every page of the event log")
  func logPages() async throws {
    let receiver = try TestReceiver()
    defer { receiver.stop() }
    try await Self.withSetup { setup, _ in
      let webhook = try await Self.webhook(setup, receiver)
      var events: [String] = []
      for index in 0..<5 { events.append(try await Self.publish(setup, #"{"n":\#(index)}"#)) }
      let page = try await runCLI(setup.partner + ["logs", "list", webhook, "--page-size", "2"])
      #expect(page.stdout.split(separator: "\n").count == 2)
      #expect(page.stderr.contains("more: --page-token "), "\(page.stderr)")
      let all = try await runCLI(setup.partner + ["logs", "list", webhook, "--page-size", "2", "--all"])
      let listed = all.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[1]) }
      #expect(Set(listed) == Set(events) && listed.count == 5, "\(all.stdout)")
      #expect(!all.stderr.contains("more:"))
    }
  }

  @Test("logs tail prints a line per attempt with the webhook, the time, the attempt, the delivery's status and its next attempt")
  func tailLines() async throws {
    let receiver = try TestReceiver { _, _ in TestReceiver.Response(status: 500, body: "no") }
    defer { receiver.stop() }
    try await Self.withSetup { setup, _ in
      let webhook = try await Self.webhook(setup, receiver)
      let tail = try TailProcess(setup.partner + ["logs", "tail", webhook])
      defer { tail.stop() }
      let ready = try await Self.eventually { tail.stderr.contains("tailing deliveries of \(webhook)") }
      #expect(ready, "\(tail.stderr)")
      // The stream may open just after the notice: publish until a line comes.
      var event = ""
      var published = 0
      while tail.stdout.isEmpty && published < 5 {
        published += 1
        event = try await Self.publish(setup, #"{"points":2}"#)
        _ = try await Self.eventually { tail.stdout.isEmpty == false }
      }
      let line = try #require(tail.stdout.split(separator: "\n").first.map(String.init), "stderr: \(tail.stderr)")
      let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      #expect(cells.count == 12, "\(cells)")
      #expect(cells[0].range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression) != nil, "\(cells)")
      #expect(cells[1] == webhook && cells[4] == "#1" && cells[6] == "failed" && cells[7] == "500", "\(cells)")
      #expect(!event.isEmpty && line.contains(event))
      #expect(cells[9] == "retrying" && cells[10].hasPrefix("next 20"), "\(cells)")
    }
  }

  @Test("redelivering to a paused or disabled webhook says it is held and why, instead of 'scheduled'")
  func heldRedelivery() async throws {
    let gone = try TestReceiver { _, _ in TestReceiver.Response(status: 410, body: "gone") }
    defer { gone.stop() }
    let ok = try TestReceiver()
    defer { ok.stop() }
    try await Self.withSetup { setup, _ in
      let disabled = try await Self.webhook(setup, gone)
      let paused = try await Self.webhook(setup, ok)
      let event = try await Self.publish(setup, #"{"points":3}"#)
      #expect(try await Self.eventually {
        try await runCLI(setup.partner + ["webhooks", "get", disabled]).stdout.contains("\tdisabled\t")
      })
      #expect(try await Self.eventually { ok.requests.count == 1 })

      let shown = try await runCLI(setup.partner + ["--json", "webhooks", "get", disabled])
      #expect(shown.stdout.contains(#""state":"DISABLED","disabled_reason":"the endpoint answered 410 Gone""#), "\(shown.stdout)")
      let redisabled = try await runCLI(setup.partner + ["logs", "redeliver", disabled, event])
      #expect(redisabled.status == 0, "stderr: \(redisabled.stderr)")
      #expect(redisabled.stdout.hasPrefix("held\t\(disabled)\t"), "\(redisabled.stdout)")
      #expect(redisabled.stderr.contains("held: webhook \(disabled) is disabled (the endpoint answered 410 Gone)"), "\(redisabled.stderr)")
      #expect(redisabled.stderr.contains("hookwire webhooks resume \(disabled)"))

      #expect(try await runCLI(setup.partner + ["webhooks", "pause", paused]).status == 0)
      let held = try await runCLI(setup.partner + ["--json", "logs", "redeliver", paused, event])
      #expect(held.stdout.contains(#""held":true"#) && held.stdout.contains("is paused"), "\(held.stdout)")

      let active = try await Self.webhook(setup, ok)
      let second = try await Self.publish(setup, #"{"points":4}"#)
      #expect(try await Self.eventually { ok.requests.count >= 2 })
      let scheduled = try await runCLI(setup.partner + ["logs", "redeliver", active, second])
      #expect(scheduled.stdout.hasPrefix("scheduled\t\(active)\t") && !scheduled.stderr.contains("held"), "\(scheduled.stdout) \(scheduled.stderr)")
    }
  }
}

/// A `hookwire` process that keeps running (`logs tail`), its output
/// gathered as it comes on threads of its own, stopped by the test.
final class TailProcess: Sendable {
  private let process: Process
  /// Bytes read so far from one pipe.
  private final class Gathered: Sendable {
    let data = Mutex(Data())
  }

  private let out = Gathered()
  private let err = Gathered()
  private let termination = Outcome<Int32>()

  /// What it has printed so far.
  var stdout: String { String(decoding: out.data.withLock { $0 }, as: UTF8.self) }
  var stderr: String { String(decoding: err.data.withLock { $0 }, as: UTF8.self) }

  init(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = ServerProcess.executable("hookwire")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HOOKWIRE_") }
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = FileHandle.nullDevice
    let termination = termination
    process.terminationHandler = { termination.resolve($0.terminationStatus) }
    self.process = process
    try process.run()
    for (handle, buffer) in [(outPipe.fileHandleForReading, out), (errPipe.fileHandleForReading, err)] {
      Thread {
        while case let chunk = DescriptorReading.chunk(handle), !chunk.isEmpty { buffer.data.withLock { $0.append(chunk) } }
      }.start()
    }
  }

  /// Ends it (SIGKILL), unless it has exited already.
  func stop() {
    guard termination.current == nil else { return }
    kill(process.processIdentifier, SIGKILL)
  }
}
