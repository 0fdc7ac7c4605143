import HookwireCommandLine
import HookwireClient

#if canImport(Glibc)
import Glibc
#endif

/// How `hookwire` secures its connection: `--tls`, `--ca-file`, `--cert`,
/// `--key` and their environment variables `HOOKWIRE_TLS`,
/// `HOOKWIRE_CA_FILE`, `HOOKWIRE_CERT`, `HOOKWIRE_KEY`.
///
/// A flag beats its variable. TLS is on when `--tls` or any of the three
/// file flags is given; otherwise `HOOKWIRE_TLS` decides when it is set (so
/// `HOOKWIRE_TLS=0` reaches a plaintext server even with the file
/// variables set); otherwise any file variable turns it on. The server's
/// certificate is checked against the system's CAs and the `--ca-file`
/// ones, and must name the `--server` host.
struct SecurityOptions {
  /// A file's path and where it came from (`option '--cert'`, `HOOKWIRE_CERT`).
  struct File: Equatable {
    /// The path as given.
    var path: String
    /// The flag or variable, for messages.
    var source: String
  }



  /// Whether `--tls` or a file flag was given.
  private(set) var tlsByFlag = false
  /// `HOOKWIRE_TLS` as set, checked when the client is made.
  private var tlsVariable: String?
  /// CA certificates to trust besides the system's.
  private(set) var caFile: File?
  /// The client certificate chain.
  private(set) var certificate: File?
  /// The client certificate's private key.
  private(set) var key: File?
  /// Whether any of the file variables is set (which turns TLS on unless
  /// `HOOKWIRE_TLS` says otherwise).
  private var fileVariablesSet = false

  /// The TLS flags, as the command table lists them.
  static let flags: [FlagSpec] = [
    FlagSpec(
      name: "tls", kind: .none, placeholder: "",
      help: "TLS to the server (env HOOKWIRE_TLS=1); its certificate must lead to a system CA or one in --ca-file, and name the --server host"),
    FlagSpec(name: "ca-file", kind: .file, placeholder: "PATH", help: "also trust the CA certificates in this PEM file; implies --tls (env HOOKWIRE_CA_FILE)"),
    FlagSpec(
      name: "cert", kind: .file, placeholder: "PATH",
      help: "client certificate (PEM chain) for servers that require one; needs --key, implies --tls (env HOOKWIRE_CERT)"),
    FlagSpec(name: "key", kind: .file, placeholder: "PATH", help: "the client certificate's unencrypted PEM private key (env HOOKWIRE_KEY)"),
  ]

  /// Reads the variables; their files are checked when the client is made,
  /// so a command that calls no server is not stopped by them.
  init(environment: [String: String]) {
    if let value = environment["HOOKWIRE_TLS"], !value.isEmpty { tlsVariable = value }
    func file(_ name: String) -> File? { environment[name].flatMap { $0.isEmpty ? nil : File(path: $0, source: name) } }
    caFile = file("HOOKWIRE_CA_FILE")
    certificate = file("HOOKWIRE_CERT")
    key = file("HOOKWIRE_KEY")
    fileVariablesSet = caFile != nil || certificate != nil || key != nil
  }

  /// `--tls` was given.
  mutating func setTLS() { tlsByFlag = true }

  /// `--ca-file`, `--cert` or `--key` was given (`name` without `--`): the
  /// file must exist and be readable now.
  mutating func set(_ name: String, _ path: String) throws(UsageError) {
    let file = File(path: path, source: "option '--\(name)'")
    try Self.checkReadable(file)
    tlsByFlag = true
    switch name {
    case "ca-file": caFile = file
    case "cert": certificate = file
    default: key = file
    }
  }

  /// Whether calls go over TLS, `HOOKWIRE_TLS` checked.
  func usesTLS() throws(UsageError) -> Bool {
    let variable = try tlsVariable.map { text throws(UsageError) in try Self.boolean(text, name: "HOOKWIRE_TLS") }
    if tlsByFlag { return true }
    return variable ?? fileVariablesSet
  }

  /// The transport security for the client: every file checked (the
  /// variables' too), a certificate only with its key.
  func transportSecurity() throws(UsageError) -> TransportSecurity {
    guard try usesTLS() else { return .plaintext }
    for file in [caFile, certificate, key].compactMap({ $0 }) { try Self.checkReadable(file) }
    switch (certificate, key) {
    case (let certificate?, nil):
      throw UsageError("\(certificate.source) needs a private key: pass --key (or set HOOKWIRE_KEY)")
    case (nil, let key?):
      throw UsageError("\(key.source) needs the certificate it belongs to: pass --cert (or set HOOKWIRE_CERT)")
    default:
      return .tls(caFile: caFile?.path, certificateFile: certificate?.path, keyFile: key?.path)
    }
  }

  /// Which flag or variable gave the file `reason` names, if any: a TLS
  /// configuration error (a key that does not match, a file without PEM)
  /// is reported under the setting that caused it.
  func source(of reason: String) -> String? {
    // The key first: its path may contain the certificate's as a prefix.
    [key, certificate, caFile].compactMap { $0 }.first { reason.contains($0.path) }?.source
  }

  /// `1`, `true`, `yes` or `0`, `false`, `no` (any case); anything else a
  /// usage error naming the variable.
  static func boolean(_ text: String, name: String) throws(UsageError) -> Bool {
    switch text.lowercased() {
    case "1", "true", "yes": return true
    case "0", "false", "no": return false
    default: throw UsageError("\(name) takes 1, true or yes (TLS) or 0, false or no (plaintext), not '\(text.echoed)'")
    }
  }

  /// A file that cannot be opened for reading, or is not a regular file,
  /// is a usage error naming its flag or variable and the path.
  static func checkReadable(_ file: File) throws(UsageError) {
    guard !file.path.isEmpty else { throw UsageError("\(file.source) needs a file") }
    let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let why =
        switch errno {
        case ENOENT: "no such file"
        case EACCES: "permission denied"
        case let code: String(cString: strerror(code))
        }
      throw UsageError("\(file.source) cannot read '\(file.path.echoed)': \(why)")
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
      throw UsageError("\(file.source) cannot read '\(file.path.echoed)': not a regular file")
    }
  }
}
