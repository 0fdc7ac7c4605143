import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs another program (`pgbench`) to its end with every signal unblocked
/// and at its default: a process started from one of Swift's pool threads
/// would otherwise inherit that thread's mask, which blocks SIGALRM and
/// SIGTERM — and `pgbench -T` ends on SIGALRM, so it would run forever.
enum ExternalProgram {
  /// Runs `program` with `arguments` and `environment`, standard output and
  /// error into `outputPath`; returns its exit status (128 + the signal
  /// when one ended it). Its exit is awaited on a thread of its own.
  static func run(_ program: String, _ arguments: [String], environment: [String: String], outputPath: String) async throws(BenchFailure) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    var attributes = posix_spawnattr_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawnattr_init(&attributes)
    defer {
      posix_spawn_file_actions_destroy(&actions)
      posix_spawnattr_destroy(&attributes)
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var none = sigset_t()
    var all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
    guard spawned == 0 else { throw BenchFailure("cannot run \(program): \(String(cString: strerror(spawned)))") }
    let child = pid
    return await withCheckedContinuation { continuation in
      let waiter = Thread {
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out: Swift does not import the macros.
        let signal = status & 0x7f
        continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
      }
      waiter.name = "bench-wait-\(child)"
      waiter.start()
    }
  }
}
