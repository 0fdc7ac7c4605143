/// The version `hookwire --version` prints; defined here and nowhere else.
enum HookwireVersion {
  /// This build's version, as `hookwire <version>` prints it.
  static let current = "0.9.0"

  /// The line `--version` prints.
  static var line: String { "hookwire \(current)" }
}
