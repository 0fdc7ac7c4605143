extension String {
  /// The text as echoed back in an error: at most 120 characters, control
  /// characters shown as '?', so a pasted blob cannot flood the terminal.
  var echoed: String {
    let printable = String(String.UnicodeScalarView(unicodeScalars.prefix(120).map { $0.value < 0x20 || $0.value == 0x7f ? "?" : $0 }))
    return unicodeScalars.count > 120 ? printable + "…" : printable
  }
}
