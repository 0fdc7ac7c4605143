/// Prometheus's text exposition format, version 0.0.4: `# HELP` and
/// `# TYPE` before each family's samples, label values and help escaped.
package enum ExpositionFormat {
  /// The `Content-Type` of a scrape in this format.
  package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

  /// The families as one scrape body, each line ending in LF.
  package static func render(_ families: [MetricFamilySnapshot]) -> String {
    var out = ""
    out.reserveCapacity(families.count * 256)
    for family in families {
      out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
      out += "# TYPE \(family.name) \(family.type.rawValue)\n"
      for sample in family.samples {
        out += sample.name
        if !sample.labels.isEmpty {
          out += "{"
          for (index, label) in sample.labels.enumerated() {
            if index > 0 { out += "," }
            out += "\(label.name)=\"\(escapeLabelValue(label.value))\""
          }
          out += "}"
        }
        out += " \(number(sample.value))\n"
      }
    }
    return out
  }

  /// A help text with backslash and line feed escaped.
  package static func escapeHelp(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A }) else { return text }
    var out = ""
    for character in text.unicodeScalars {
      switch character {
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      default: out.unicodeScalars.append(character)
      }
    }
    return out
  }

  /// A label value with backslash, double quote and line feed escaped.
  package static func escapeLabelValue(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || $0 == 0x22 }) else { return text }
    var out = ""
    for character in text.unicodeScalars {
      switch character {
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\"": out += "\\\""
      default: out.unicodeScalars.append(character)
      }
    }
    return out
  }

  /// A sample value: whole numbers without a fraction, `+Inf`, `-Inf`, `NaN`.
  package static func number(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
  }
}
