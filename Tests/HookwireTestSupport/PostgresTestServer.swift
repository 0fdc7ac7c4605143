import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server for tests, in a temporary directory of its own,
/// listening on 127.0.0.1 at a free port with trust authentication.
///
/// Most tests share one server per test process and take a fresh database
/// each (`PostgresTestServer.shared().makeDatabase()`, a `CREATE DATABASE`);
/// a test that stops or kills its server starts one of its own
/// (`PostgresTestServer.start()`) and removes it in its teardown. Clusters
/// are copied from one `initdb` made per process, so a server starts in a
/// fraction of a second.
///
/// The server runs in the foreground as a child of the test process (not
/// through `pg_ctl`, whose daemon would keep the child's exit unseen); it
/// is ready when its log says it accepts connections, and it is stopped by
/// a signal (SIGINT, fast shutdown; SIGQUIT, immediate). PostgreSQL refuses
/// to run as root: when the tests do, its programs run as the `postgres`
/// user (`setpriv`), which owns the directory. A small watchdog process per
/// directory stops the server and deletes the directory when the test
/// process ends, however it ends.
///
/// Without PostgreSQL's server programs, `isAvailable` is false and prints
/// a notice once, so tests marked `.enabled(if: PostgresTestServer.isAvailable)`
/// are skipped, visibly; with `HOOKWIRE_REQUIRE_POSTGRES=1` in the
/// environment they run instead, and fail saying what is missing.
public final class PostgresTestServer: Sendable {
  /// The address the server listens on.
  public let host = "127.0.0.1"
  /// The TCP port the server listens on.
  public let port: Int
  /// The server's directory: the cluster (`data`), its socket and its log (`server.log`).
  public let directory: String
  private let watchdog: Watchdog
  private let nextDatabase = Atomic<Int>(0)
  /// The running `postgres` process, if any.
  private let running = Mutex<PostgresProcess?>(nil)

  /// Whether PostgreSQL tests should run: the server programs were found,
  /// or `HOOKWIRE_REQUIRE_POSTGRES=1` asks for them (then a missing one fails the tests).
  public static let isAvailable: Bool = {
    if let problem = PostgresTools.problem {
      if isRequired {
        printNotice("HOOKWIRE_REQUIRE_POSTGRES=1 but \(problem): the PostgreSQL tests will fail")
        return true
      }
      printNotice("\(problem): the PostgreSQL tests are skipped (install PostgreSQL's server; HOOKWIRE_REQUIRE_POSTGRES=1 makes this a failure)")
      return false
    }
    return true
  }()

  /// Whether the environment says PostgreSQL must be there (`HOOKWIRE_REQUIRE_POSTGRES=1`).
  public static var isRequired: Bool { ProcessInfo.processInfo.environment["HOOKWIRE_REQUIRE_POSTGRES"] == "1" }

  /// The server this test process shares, started on first use.
  public static func shared() async throws -> PostgresTestServer {
    try await sharedServer.value
  }

  private static let sharedServer = Task { try await PostgresTestServer.start() }

  /// One `initdb` per process; every server's cluster is a copy of it.
  /// (The watchdog is kept with it: letting it go would delete the directory.)
  private static let template = Task { () throws -> (cluster: String, watchdog: Watchdog) in
    let tools = try PostgresTools.located()
    let directory = try PostgresTools.makeDirectory(prefix: "hookwire-pg-template")
    let watchdog = try Watchdog(directory: directory, stopsServer: false)
    try await tools.run(
      tools.initdb,
      ["-D", directory + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
      asServerUser: true, in: directory)
    return (directory + "/data", watchdog)
  }

  /// Starts a server of its own (a copy of the process's template cluster)
  /// and returns once it accepts connections; `remove()` it when done.
  public static func start() async throws -> PostgresTestServer {
    let tools = try PostgresTools.located()
    let template = try await template.value.cluster
    let directory = try PostgresTools.makeDirectory(prefix: "hookwire-pg")
    let watchdog = try Watchdog(directory: directory, stopsServer: true)
    try await tools.run("/bin/cp", ["-a", template, directory + "/data"], asServerUser: true, in: directory)
    var lastError: (any Error)?
    // A free port found by binding 0 may be taken before the server binds it: try another.
    for _ in 0..<3 {
      let server = PostgresTestServer(port: try freePort(), directory: directory, watchdog: watchdog)
      do {
        try await server.startServer()
        return server
      } catch {
        lastError = error
      }
    }
    try? FileManager.default.removeItem(atPath: directory)
    throw lastError ?? PostgresTestServerError("the server did not start")
  }

  private init(port: Int, directory: String, watchdog: Watchdog) {
    self.port = port
    self.directory = directory
    self.watchdog = watchdog
  }

  /// A URL for `database` on this server, as the superuser `postgres`.
  /// Connecting may take a while when a whole test suite connects at once
  /// on a loaded machine; a stopped server still refuses at once.
  public func url(database: String = "postgres") -> String {
    "postgres://postgres@\(host):\(port)/\(database)?connect_timeout=20"
  }

  /// Creates a new, empty database and returns its URL.
  public func makeDatabase() async throws -> String {
    let name = "test_\(getpid())_\(nextDatabase.wrappingAdd(1, ordering: .relaxed).oldValue)"
    let tools = try PostgresTools.located()
    try await tools.run(
      tools.psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", "postgres", "-d", "postgres", "-c", "CREATE DATABASE \(name)"],
      asServerUser: false, in: directory)
    return url(database: name)
  }

  /// Stops the server the way an operator does (fast shutdown: sessions are
  /// ended, the cluster is checkpointed) and waits for it to exit;
  /// `restart()` starts it again.
  public func stop() async throws {
    try await signal(SIGINT)
  }

  /// Stops the server abruptly (immediate shutdown, as a crash: no
  /// checkpoint, recovery at the next start) and waits for it to exit;
  /// `restart()` starts it again.
  public func kill() async throws {
    try await signal(SIGQUIT)
  }

  /// Starts the server again on the same port, stopping it first if it runs;
  /// returns once it accepts connections.
  public func restart() async throws {
    try await stop()
    try await startServer()
  }

  /// Stops the server (immediately) and deletes its directory.
  public func remove() async {
    try? await kill()
    try? FileManager.default.removeItem(atPath: directory)
    watchdog.release()
  }

  private func startServer() async throws {
    let tools = try PostgresTools.located()
    let arguments = [
      "-D", directory + "/data", "-c", "listen_addresses=\(host)", "-p", String(port), "-c", "unix_socket_directories=\(directory)",
      "-c", "fsync=on", "-c", "shared_buffers=16MB", "-c", "max_connections=500",
    ]
    let process = try PostgresProcess(tools: tools, arguments: arguments, directory: directory)
    guard await process.ready(within: .seconds(30)) else {
      _ = Glibc.kill(process.pid, SIGKILL)
      _ = await process.exit(within: .seconds(10))
      throw PostgresTestServerError("the server did not come up; its log ends: \(process.log.suffix(1200))")
    }
    running.withLock { $0 = process }
  }

  /// Sends `signal` to the running server, if any, and waits for it to exit.
  private func signal(_ signal: Int32) async throws {
    guard let process = running.withLock({ state in defer { state = nil }; return state }) else { return }
    _ = Glibc.kill(process.pid, signal)
    if await process.exit(within: .seconds(30)) == nil {
      _ = Glibc.kill(process.pid, SIGKILL)
      _ = await process.exit(within: .seconds(10))
      throw PostgresTestServerError("the server did not stop within 30 s after signal \(signal); it was killed")
    }
  }

  private static func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw PostgresTestServerError("socket() failed: errno \(errno)") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
      }
    }
    guard bound else { throw PostgresTestServerError("cannot find a free port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  private static func printNotice(_ text: String) {
    FileHandle.standardError.write(Data("note: PostgreSQL: \(text)\n".utf8))
  }
}

/// Why a test server could not be started or controlled.
public struct PostgresTestServerError: Error, CustomStringConvertible {
  /// What went wrong, with the program's output.
  public let description: String

  init(_ description: String) { self.description = description }
}

/// PostgreSQL's programs on this machine, and how to run them.
private struct PostgresTools: Sendable {
  let initdb: String
  let postgres: String
  let psql: String
  /// The server's user when running as root; nil otherwise.
  let serverUser: (name: String, uid: uid_t, gid: gid_t)?

  static let found: Result<PostgresTools, PostgresTestServerError> = locate()

  /// What keeps the server from running, if anything.
  static var problem: String? {
    if case .failure(let error) = found { return error.description }
    return nil
  }

  static func located() throws -> PostgresTools { try found.get() }

  /// The highest version under PostgreSQL's Debian directory, else `PATH`.
  private static func locate() -> Result<PostgresTools, PostgresTestServerError> {
    let files = FileManager.default
    var directories: [String] = []
    let versions = ((try? files.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap { name in
      Double(name).map { (name, $0) }
    }
    directories += versions.sorted { $0.1 > $1.1 }.map { "/usr/lib/postgresql/\($0.0)/bin" }
    directories += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    func find(_ name: String) -> String? {
      directories.lazy.map { $0 + "/" + name }.first { files.isExecutableFile(atPath: $0) }
    }
    guard let initdb = find("initdb") else {
      return .failure(PostgresTestServerError("PostgreSQL's server programs (initdb, postgres) were not found"))
    }
    // The server and the client of the same installation as initdb, else any on PATH.
    let binDirectory = (initdb as NSString).deletingLastPathComponent
    func sibling(_ name: String) -> String? {
      files.isExecutableFile(atPath: binDirectory + "/" + name) ? binDirectory + "/" + name : find(name)
    }
    guard let postgres = sibling("postgres"), let psql = sibling("psql") else {
      return .failure(PostgresTestServerError("PostgreSQL's server programs (postgres, psql) were not found beside initdb"))
    }
    var serverUser: (String, uid_t, gid_t)?
    if getuid() == 0 {
      guard let entry = getpwnam("postgres") else {
        return .failure(PostgresTestServerError("running as root, and there is no postgres user to run the server as"))
      }
      guard files.isExecutableFile(atPath: setpriv) else {
        return .failure(PostgresTestServerError("running as root, and setpriv is missing to run the server as postgres"))
      }
      serverUser = ("postgres", entry.pointee.pw_uid, entry.pointee.pw_gid)
    }
    return .success(PostgresTools(initdb: initdb, postgres: postgres, psql: psql, serverUser: serverUser))
  }

  /// util-linux's `setpriv`, which becomes the user and execs (no child of its own to outlive).
  private static let setpriv = "/usr/bin/setpriv"

  /// A new temporary directory the server's user owns.
  static func makeDirectory(prefix: String) throws -> String {
    let tools = try located()
    let directory = try TemporaryDirectory(prefix: prefix).path
    if let user = tools.serverUser, chown(directory, user.uid, user.gid) != 0 {
      throw PostgresTestServerError("cannot hand \(directory) to the postgres user: errno \(errno)")
    }
    return directory
  }

  /// The command line that runs `program` as the server's user.
  func commandLine(_ program: String, _ arguments: [String], asServerUser: Bool) -> (String, [String]) {
    guard asServerUser, let user = serverUser else { return (program, arguments) }
    return (Self.setpriv, ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--init-groups", "--", program] + arguments)
  }

  /// Runs a program to its end without holding a thread (its exit is
  /// reported by `terminationHandler`); throws with its output when it
  /// fails. Not for a program that leaves a daemon behind: Foundation sees
  /// the exit only when every process holding its end of a socket pair has gone.
  @discardableResult
  func run(_ program: String, _ arguments: [String], asServerUser: Bool, in directory: String) async throws -> String {
    let (executable, fullArguments) = commandLine(program, arguments, asServerUser: asServerUser)
    let outputPath = directory + "/command-\(UUID().uuidString).out"
    guard FileManager.default.createFile(atPath: outputPath, contents: nil), let output = FileHandle(forWritingAtPath: outputPath) else {
      throw PostgresTestServerError("cannot create \(outputPath)")
    }
    defer {
      try? output.close()
      try? FileManager.default.removeItem(atPath: outputPath)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = fullArguments
    // The server's user may not enter the tests' working directory.
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = output
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
      process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
      do {
        try process.run()
      } catch {
        process.terminationHandler = nil
        continuation.resume(throwing: PostgresTestServerError("cannot run \(program): \(error)"))
      }
    }
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    guard status == 0 else {
      let name = (program as NSString).lastPathComponent
      throw PostgresTestServerError("\(name) \(arguments.joined(separator: " ")) exited with \(status): \(text.suffix(1200))")
    }
    return text
  }
}

/// A shell that waits for the test process to end (its standard input, a
/// pipe only this process can write, reaches end of file), then stops the
/// server if any and deletes the directory.
private final class Watchdog: Sendable {
  private let writer: Mutex<FileHandle?>

  init(directory: String, stopsServer: Bool) throws {
    let pipe = Pipe()
    // No other child may inherit the write end, or the pipe never closes.
    _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    var script = "trap '' INT TERM HUP; read _ignored;"
    if stopsServer {
      // Immediate shutdown of the postmaster named by its pid file, if it runs.
      script += " pid=$(head -n 1 '\(directory)/data/postmaster.pid' 2>/dev/null) && kill -QUIT \"$pid\" 2>/dev/null;"
      script += " i=0; while [ $i -lt 100 ] && kill -0 \"$pid\" 2>/dev/null; do sleep 0.1; i=$((i+1)); done;"
    }
    script += " cd / && rm -rf '\(directory)'"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    process.standardInput = pipe
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    writer = Mutex(pipe.fileHandleForWriting)
  }

  /// Lets the watchdog go now (the directory is gone already).
  func release() {
    writer.withLock { handle in
      try? handle?.close()
      handle = nil
    }
  }
}

/// A `postgres` server running in the foreground: its log read on a thread
/// of its own, its readiness and its exit awaitable.
private final class PostgresProcess: Sendable {
  /// The postmaster's process id (setpriv execs it, so it is the child itself).
  let pid: Int32
  private let output = Mutex("")
  private let readiness = Resolution<Bool>()
  private let termination = Resolution<Int32>()

  /// What the server has logged so far.
  var log: String { output.withLock { $0 } }

  init(tools: PostgresTools, arguments: [String], directory: String) throws {
    let (executable, fullArguments) = tools.commandLine(tools.postgres, arguments, asServerUser: true)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = fullArguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    let (readiness, termination) = (readiness, termination)
    process.terminationHandler = { process in
      readiness.resolve(false)
      termination.resolve(process.terminationStatus)
    }
    try process.run()
    pid = process.processIdentifier
    let reader = errors.fileHandleForReading
    let thread = Thread { [self] in
      while true {
        let chunk = DescriptorReading.chunk(reader)
        if chunk.isEmpty { break }
        let ready = self.output.withLock { text in
          text += String(decoding: chunk, as: UTF8.self)
          if text.count > 200_000 { text.removeFirst(text.count - 100_000) }
          return text.contains("database system is ready to accept connections")
        }
        if ready { readiness.resolve(true) }
      }
    }
    thread.name = "hookwire-test-postgres-log"
    thread.start()
  }

  /// Whether the server came up (false: it exited first, or `duration` passed).
  func ready(within duration: Duration) async -> Bool {
    await readiness.value(within: duration) ?? false
  }

  /// The server's exit status, waiting at most `duration` for it.
  func exit(within duration: Duration) async -> Int32? {
    await termination.value(within: duration)
  }
}

/// A value that arrives once, awaited by any number of tasks with a time limit.
private final class Resolution<Value: Sendable>: Sendable {
  private let state = Mutex<(value: Value?, waiters: [Int: CheckedContinuation<Value?, Never>], nextID: Int)>((nil, [:], 0))

  /// Sets the value, unless it was set before, and wakes the waiters.
  func resolve(_ value: Value) {
    let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
      guard state.value == nil else { return [] }
      state.value = value
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters { waiter.resume(returning: value) }
  }

  /// The value, waiting at most `duration`; nil when it has not come.
  func value(within duration: Duration) async -> Value? {
    let id = state.withLock { state in
      defer { state.nextID += 1 }
      return state.nextID
    }
    let timeout = Task {
      try? await Task.sleep(for: duration)
      state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
    }
    defer { timeout.cancel() }
    return await withCheckedContinuation { continuation in
      let value = state.withLock { state -> Value?? in
        if let value = state.value { return .some(value) }
        state.waiters[id] = continuation
        return .none
      }
      if let value { continuation.resume(returning: value) }
    }
  }
}
