/// A token of the schema language.
struct SchemaToken: Equatable {
  enum Kind: Equatable {
    case identifier(String)
    case integer(Int)
    case symbol(Character)
    /// A `///` documentation line, without the slashes and one leading space.
    case doc(String)
    case end
  }

  var kind: Kind
  var location: SourceLocation
}

/// Splits schema text into tokens, dropping `//` and `/* */` comments.
struct SchemaLexer {
  private let scalars: [Unicode.Scalar]
  private let file: String
  private var index = 0
  private var line = 1
  private var column = 1

  init(text: String, file: String) {
    scalars = Array(text.unicodeScalars)
    self.file = file
  }

  mutating func tokens() throws(SchemaError) -> [SchemaToken] {
    var result: [SchemaToken] = []
    while true {
      let token = try next()
      result.append(token)
      if token.kind == .end { return result }
    }
  }

  private var here: SourceLocation { SourceLocation(file: file, line: line, column: column) }

  private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
    index + offset < scalars.count ? scalars[index + offset] : nil
  }

  private mutating func advance() {
    if scalars[index] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    index += 1
  }

  private mutating func next() throws(SchemaError) -> SchemaToken {
    while let c = peek() {
      let start = here
      switch c {
      case " ", "\t", "\r", "\n":
        advance()
      case "/" where peek(1) == "/":
        let isDoc = peek(2) == "/" && peek(3) != "/"
        var text = ""
        while let d = peek(), d != "\n" {
          text.unicodeScalars.append(d)
          advance()
        }
        if isDoc {
          var body = text.dropFirst(3)
          if body.first == " " { body = body.dropFirst() }
          return SchemaToken(kind: .doc(String(body)), location: start)
        }
      case "/" where peek(1) == "*":
        advance(); advance()
        while !(peek() == "*" && peek(1) == "/") {
          guard peek() != nil else { throw SchemaError(start, "unterminated block comment") }
          advance()
        }
        advance(); advance()
      case "{", "}", "(", ")", ";", "=", ",", "[", "]", ".":
        advance()
        return SchemaToken(kind: .symbol(Character(c)), location: start)
      case "0"..."9", "-":
        return try number(start)
      case "a"..."z", "A"..."Z", "_":
        var name = ""
        while let d = peek(), d.properties.isASCIIHexDigit || ("a"..."z").contains(d) || ("A"..."Z").contains(d) || d == "_" {
          name.unicodeScalars.append(d)
          advance()
        }
        return SchemaToken(kind: .identifier(name), location: start)
      default:
        throw SchemaError(start, "unexpected character '\(c)'")
      }
    }
    return SchemaToken(kind: .end, location: here)
  }

  private mutating func number(_ start: SourceLocation) throws(SchemaError) -> SchemaToken {
    var digits = ""
    if peek() == "-" {
      digits = "-"
      advance()
    }
    while let d = peek(), ("0"..."9").contains(d) {
      digits.unicodeScalars.append(d)
      advance()
    }
    if let d = peek(), ("a"..."z").contains(d) || ("A"..."Z").contains(d) || d == "_" {
      throw SchemaError(start, "a number may not run into letters")
    }
    guard let value = Int(digits), digits.count <= 11 else {
      throw SchemaError(start, "'\(digits)' is not a valid number")
    }
    return SchemaToken(kind: .integer(value), location: start)
  }
}
