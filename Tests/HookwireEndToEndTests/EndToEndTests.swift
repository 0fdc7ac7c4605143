import Foundation
import Testing

/// The real binaries over loopback TCP: the server as operators run it and
/// the CLI as they use it.
@Suite("End to end", .serialized)
struct EndToEndTests {
  @Test("the server answers the CLI's health check and exits 0 on SIGTERM, logging start and stop")
  func healthAndSigterm() throws {
    let server = try ServerProcess()
    let result = try runCLI(["health", "--server", "127.0.0.1:\(server.port)"])
    #expect(result.status == 0)
    #expect(result.stdout == "SERVING\n")
    let json = try runCLI(["--json", "health", "--server", "127.0.0.1:\(server.port)"])
    #expect(json.stdout == "{\"service\":\"\",\"status\":\"SERVING\"}\n")
    #expect(server.stop() == 0)
    #expect(server.log.contains("listening on 127.0.0.1:\(server.port)"))
    #expect(server.log.contains("stopped"))
  }

  @Test("the CLI exits 10 + the status code: 15 NOT_FOUND, 24 UNAVAILABLE; 2 for usage mistakes")
  func exitCodes() throws {
    let server = try ServerProcess()
    let missing = try runCLI(["health", "--service", "nope", "--server", "127.0.0.1:\(server.port)"])
    #expect(missing.status == 15)
    #expect(missing.stderr.contains("NOT_FOUND"))
    let port = server.port
    #expect(server.stop() == 0)
    let down = try runCLI(["health", "--server", "127.0.0.1:\(port)"])
    #expect(down.status == 24)
    #expect(down.stderr.contains("UNAVAILABLE"))
    let usage = try runCLI(["health", "--timeout", "soon"])
    #expect(usage.status == 2)
  }

  @Test("HOOKWIRE_SERVER is the default address")
  func environmentServer() throws {
    let server = try ServerProcess()
    let process = Process()
    process.executableURL = ServerProcess.executable("hookwire")
    process.arguments = ["health"]
    process.environment = ["HOOKWIRE_SERVER": "127.0.0.1:\(server.port)"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(server.stop() == 0)
  }

  @Test("a bad --listen value is a usage error, not a crash")
  func badListen() throws {
    let process = Process()
    process.executableURL = ServerProcess.executable("hookwire-server")
    process.arguments = ["--listen", "nonsense"]
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 2)
  }
}
