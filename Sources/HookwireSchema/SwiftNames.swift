/// Turns schema names into Swift names.
enum SwiftNames {
  /// Words written all in capitals in Swift names, as Swift's API guidelines ask.
  static let acronyms: Set<String> = ["id", "ids", "url", "urls", "http", "json", "bu", "bus", "ttl", "us", "ms", "utf8"]
  static let acronymSpelling: [String: String] = [
    "ids": "IDs", "urls": "URLs", "bus": "BUs", "us": "Us", "ms": "Ms", "utf8": "UTF8",
  ]

  static let keywords: Set<String> = [
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
    "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static", "struct",
    "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else",
    "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as", "Any",
    "catch", "false", "is", "nil", "super", "self", "Self", "throw", "throws", "true", "try", "await",
    "package", "some", "any",
  ]

  /// `payload_url` → `payloadURL`, `id` → `id`, `bu_ids` → `buIDs`.
  static func lowerCamel(snake name: String) -> String {
    let words = name.split(separator: "_").map { $0.lowercased() }
    guard let first = words.first else { return name }
    var result = first
    for word in words.dropFirst() { result += capitalized(word) }
    return escaped(result)
  }

  /// `PARTNER_KIND_CHANNEL` in enum `PartnerKind` → `channel`.
  static func enumCase(_ value: String, enumName: String) -> String {
    let prefix = screamingSnake(enumName) + "_"
    var name = value
    if name.hasPrefix(prefix), name.count > prefix.count,
      let next = name.dropFirst(prefix.count).first, next.isLetter
    {
      name = String(name.dropFirst(prefix.count))
    }
    return lowerCamel(snake: name.lowercased())
  }

  /// `CreateWebhook` → `createWebhook`.
  static func lowerFirst(_ name: String) -> String {
    guard let first = name.first else { return name }
    return escaped(first.lowercased() + name.dropFirst())
  }

  /// `PartnerKind` → `PARTNER_KIND`.
  static func screamingSnake(_ camel: String) -> String {
    var result = ""
    for (i, c) in camel.enumerated() {
      if c.isUppercase && i > 0 { result += "_" }
      result += c.uppercased()
    }
    return result
  }

  private static func capitalized(_ word: String) -> String {
    if let spelled = acronymSpelling[word] { return spelled }
    if acronyms.contains(word) { return word.uppercased() }
    return word.prefix(1).uppercased() + word.dropFirst()
  }

  static func escaped(_ name: String) -> String { keywords.contains(name) ? "`\(name)`" : name }

  /// A Swift string literal for `text`.
  static func literal(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}

/// Accumulates generated source with indentation.
struct CodeWriter {
  private(set) var text = ""
  private var depth = 0

  mutating func line(_ content: String = "") {
    if content.isEmpty {
      text += "\n"
    } else {
      text += String(repeating: "  ", count: depth) + content + "\n"
    }
  }

  mutating func doc(_ lines: [String]) {
    for l in lines { line(l.isEmpty ? "///" : "/// " + l) }
  }

  /// Writes `opener` and indents what `body` writes, with no braces.
  mutating func indented(_ opener: String, _ body: (inout CodeWriter) -> Void) {
    line(opener)
    depth += 1
    body(&self)
    depth -= 1
  }

  mutating func block(_ opener: String, _ body: (inout CodeWriter) -> Void) {
    line(opener + " {")
    depth += 1
    body(&self)
    depth -= 1
    line("}")
  }
}
