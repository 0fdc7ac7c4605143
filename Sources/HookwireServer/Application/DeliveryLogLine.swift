import HookwirePosix

/// The delivery engine's log lines at their levels, with the webhook they
/// name as a field. The engine writes plain lines; their shapes are known
/// here: a webhook disabled (warning), attempts that cannot be logged
/// because the store fails (error), the store taking writes again and
/// old deliveries pruned (info). Any other line is a warning.
enum DeliveryLogLine {
  /// Writes the engine's `line` to `log` at its level.
  static func write(_ line: String, to log: ServerLog) {
    if line.hasPrefix("disabled webhook "), let colon = line.firstIndex(of: ":") {
      let webhook = line[line.index(line.startIndex, offsetBy: "disabled webhook ".count)..<colon]
      return log.warning(line, .webhookID(String(webhook)))
    }
    if line.hasPrefix("cannot log delivery attempts") { return log.error(line) }
    if line.hasPrefix("attempts are logged again") || line.hasPrefix("pruned ") { return log.info(line) }
    log.warning(line)
  }
}
