import HookwireCommandLine
import Foundation
import HookwireClient

/// `hookwire verify`: checks a saved delivery as a receiver would.
enum VerifyCommand {
  /// The `verify` command.
  static let spec = CommandSpec(
    group: "verify", summary: "check a saved delivery's signature and timestamp, as a receiver does",
    flags: [
      FlagSpec(name: "secret", kind: .text, placeholder: "whsec_…", help: "the webhook's signing secret", required: true),
      FlagSpec(name: "id", kind: .text, placeholder: "ID", help: "the webhook-id header", required: true),
      FlagSpec(name: "timestamp", kind: .text, placeholder: "T", help: "the webhook-timestamp header (seconds since 1970)", required: true),
      FlagSpec(name: "signature", kind: .text, placeholder: "SIG", help: "the webhook-signature header", required: true),
      FlagSpec(name: "body-file", kind: .file, placeholder: "PATH", help: "the body as received"),
      FlagSpec(name: "body", kind: .payload, placeholder: "TEXT|@FILE|-", help: "the body: the text, @FILE, or - for standard input"),
      FlagSpec(
        name: "tolerance", kind: .duration(0...31_536_000_000, bareSeconds: true), placeholder: "DURATION",
        help: "how far the timestamp may be from now (default 5m)"),
    ],
    details: "Give --body-file or --body. Prints 'valid' (exit 0) or 'invalid: <reason>' (exit 1).", run: run)

  /// Verifies the delivery and prints `valid` or why not.
  static func run(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let tolerance = TimeInterval(parsed.milliseconds("tolerance") ?? 300_000) / 1_000
    let body: [UInt8]
    switch (parsed.text("body-file"), parsed.text("body")) {
    case (let path?, nil):
      guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("--body-file: cannot read '\(path.echoed)'") }
      body = [UInt8](data)
    case (nil, let source?):
      body = Array(try Payload.read(source, flag: "--body").utf8)
    default:
      throw UsageError("'hookwire verify' needs one of --body-file or --body")
    }
    let output = invocation.output
    do {
      try WebhookVerifier(secret: parsed.text("secret") ?? "", tolerance: tolerance).verify(
        id: parsed.text("id") ?? "", timestamp: parsed.text("timestamp") ?? "", signature: parsed.text("signature") ?? "", body: body)
      output.line(invocation.json ? Output.JSON.object([("valid", .bool(true))]).text : "valid")
      return ExitStatus.success
    } catch {
      let reason = switch error {
      case .malformedSecret: "the secret is not whsec_ + base64"
      case .missingHeader(let name): "\(name) is missing or malformed"
      case .timestampOutOfTolerance: "the timestamp is outside the tolerance (a replay, or clocks apart)"
      case .signatureMismatch: "no signature matches the body"
      }
      output.line(invocation.json ? Output.JSON.object([("valid", .bool(false)), ("reason", .string(reason))]).text : "invalid: \(reason)")
      return ExitStatus.failure
    }
  }
}
