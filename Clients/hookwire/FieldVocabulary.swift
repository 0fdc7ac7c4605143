/// Rewrites a server message that names request fields (`set_events`,
/// `payload_url`) into the command line's words (`--events`, `--url`), so
/// an error says what to change on the command that was typed.
///
/// A field with an underscore is rewritten wherever it appears as a whole
/// word; a one-word field (`secret`, `description`) only as the message's
/// first word, where it names the field rather than the thing. "set
/// FIELD" becomes "pass --flag".
enum FieldVocabulary {
  /// Fields every command spells the same way.
  static let common: [String: String] = [
    "page_size": "--page-size", "page_token": "--page-token", "global_page_token": "--page-token",
    "programme_page_token": "--page-token", "webhook_id": "<webhook-id>", "event_id": "<event-id>", "expected_version": "--expected-version",
    "since_ms": "--since", "until_ms": "--until", "event_type": "--type", "bu_id": "--bu", "programme_id": "--programme",
  ]

  /// Each command's own fields, by the command's path.
  static let byCommand: [String: [String: String]] = [
    "hookwire webhooks create": [
      "payload_url": "--url", "secret": "--secret", "generate_secret": "--generate-secret", "events": "--events", "all_bus": "--all-bus",
      "description": "--description",
    ],
    "hookwire integrations create-webhook": [
      "payload_url": "--url", "secret": "--secret", "generate_secret": "--generate-secret", "events": "--events",
      "description": "--description",
    ],
    "hookwire webhooks update": [
      "set_events": "--events", "add_events": "--add-events", "remove_events": "--remove-events", "payload_url": "--url", "secret": "--secret",
    ],
    "hookwire events publish": [
      "payload_json": "--data", "event_id": "--event-id", "idempotency_key": "--idempotency-key",
    ],
    "hookwire partners search": ["query": "<query>"],
    // Its one id is an event's or a delivery's.
    "hookwire logs search": ["event_id": "<id>"],
  ]

  /// `message` in the words of the command at `path`.
  static func translate(_ message: String, for path: String) -> String {
    let fields = common.merging(byCommand[path] ?? [:]) { $1 }
    var result = ""
    var word = ""
    var wordIndex = 0
    func flush() {
      guard !word.isEmpty else { return }
      if let flag = fields[word], word.contains("_") || wordIndex == 0 {
        if flag.hasPrefix("--"), result.hasSuffix("set ") { result = String(result.dropLast(4)) + "pass " }
        result += flag
      } else {
        result += word
      }
      word = ""
      wordIndex += 1
    }
    for character in message {
      if character.isASCII && (character.isLetter || character.isNumber || character == "_") {
        word.append(character)
      } else {
        flush()
        result.append(character)
      }
    }
    flush()
    return result
  }
}
