#if canImport(Glibc)
import Glibc
#endif

/// The process's own figures as Prometheus's client libraries name them,
/// read from `/proc` at scrape time: CPU seconds, resident memory, open
/// descriptors, start time; and `hookwire_build_info` with the version.
package struct ProcessMetrics: MetricSource {
  /// The version `hookwire_build_info` carries.
  package let version: String
  private let startTime: Double?

  /// The figures of this process; `version` names the build.
  package init(version: String) {
    self.version = version
    startTime = Self.readStartTime()
  }

  /// The family names this source yields.
  package static let names = [
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds",
    "hookwire_build_info",
  ]

  /// Registers the process figures with `registry`.
  package static func register(version: String, with registry: MetricsRegistry) {
    registry.register(ProcessMetrics(version: version), names: names)
  }

  package func collect() async -> [MetricFamilySnapshot] {
    var families: [MetricFamilySnapshot] = []
    let stat = Self.statFields()
    let ticks = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    // After the command: utime is field 14 and stime 15 of /proc/self/stat (1-based), 11 and 12 here.
    if let stat, stat.count > 12, let user = Double(stat[11]), let system = Double(stat[12]) {
      families.append(.counter("process_cpu_seconds_total", help: "User and system CPU time spent, in seconds.", value: (user + system) / ticks))
    }
    if let statm = Self.read("/proc/self/statm")?.split(separator: " "), statm.count > 1, let pages = Double(statm[1]) {
      families.append(.gauge(
        "process_resident_memory_bytes", help: "Resident memory size, in bytes.", value: pages * Double(sysconf(Int32(_SC_PAGESIZE)))))
    }
    if let open = Self.openDescriptors() {
      families.append(.gauge("process_open_fds", help: "Open file descriptors.", value: Double(open)))
    }
    var limit = rlimit()
    if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 {
      families.append(.gauge("process_max_fds", help: "The most file descriptors the process may open.", value: Double(limit.rlim_cur)))
    }
    if let startTime {
      families.append(.gauge("process_start_time_seconds", help: "When the process started, in seconds since the Unix epoch.", value: startTime))
    }
    families.append(MetricFamilySnapshot(
      name: "hookwire_build_info", help: "The running build; always 1, its version in the label.", type: .gauge,
      samples: [MetricSample(name: "hookwire_build_info", labels: [MetricLabel("version", version)], value: 1)]))
    return families
  }

  /// The fields of `/proc/self/stat` after the command (which may hold spaces).
  static func statFields() -> [Substring]? {
    guard let stat = read("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: close)...].split(separator: " ")
  }

  /// Boot time plus the process's start in ticks after boot.
  static func readStartTime() -> Double? {
    guard let fields = statFields(), fields.count > 19, let started = Double(fields[19]),
      let boot = read("/proc/stat")?.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
      let bootSeconds = Double(boot.dropFirst("btime ".count).trimmingPrefix(" "))
    else { return nil }
    return bootSeconds + started / Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
  }

  /// Entries of `/proc/self/fd`, less the one the listing itself holds open.
  static func openDescriptors() -> Int? {
    guard let directory = opendir("/proc/self/fd") else { return nil }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
      let first = withUnsafeBytes(of: entry.pointee.d_name) { $0.first ?? 0 }
      if first != UInt8(ascii: ".") { count += 1 }
    }
    return max(0, count - 1)
  }

  /// A small `/proc` file's text (at most 64 KiB), or nil.
  static func read(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while bytes.count < 65_536 {
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
