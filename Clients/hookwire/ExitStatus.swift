import HookwireClient

/// How `hookwire` ends: 0 on success, 1 for a local failure, 2 for a
/// command-line mistake, and 10 + the status code when a call fails, so a
/// script can tell UNAVAILABLE (24) from UNAUTHENTICATED (26).
enum ExitStatus {
  /// The command did what was asked.
  static let success: Int32 = 0
  /// A local failure (a bad signature, a server not serving).
  static let failure: Int32 = 1
  /// The command line was wrong.
  static let usage: Int32 = 2

  /// The status for a call that failed with `code`.
  static func forCall(_ code: StatusCode) -> Int32 { 10 + Int32(min(code.rawValue, 100)) }

  /// The exit statuses, for the root help.
  static let help = """
    Exit status:
      0     success (a list or search with no results too)
      1     local failure (verify: the signature does not match; health: not serving)
      2     usage error: an unknown option, a missing or bad value, a stray argument
            (named on standard error, with the help to read), a delete without --yes
      10+N  the call failed with status code N: 13 INVALID_ARGUMENT, 14 DEADLINE_EXCEEDED,
            15 NOT_FOUND, 17 PERMISSION_DENIED, 19 FAILED_PRECONDITION, 20 ABORTED,
            24 UNAVAILABLE, 26 UNAUTHENTICATED
    """

  /// A short hint for statuses with an obvious next step; `keyGiven` says
  /// whether the call carried an API key, so a refused key is not answered
  /// with "pass an API key".
  static func hint(for code: StatusCode, keyGiven: Bool = false) -> String? {
    switch code {
    case .unavailable: "is hookwire-server running at the --server address?"
    case .unauthenticated where keyGiven:
      "use a key this server made: --demo prints its keys once, when it creates its data; 'hookwire-server admin create-key' makes one"
    case .unauthenticated: "pass an API key with --api-key or HOOKWIRE_API_KEY"
    case .deadlineExceeded: "the server did not answer in time; raise --timeout"
    default: nil
    }
  }
}
