/// Parses one schema file into declarations (grammar: `Schema/README.md`).
public struct SchemaParser {
  private var tokens: [SchemaToken]
  private var index = 0
  private let path: String

  /// Parses `text`, naming `path` in errors.
  public static func parse(_ text: String, path: String) throws(SchemaError) -> SchemaFile {
    var lexer = SchemaLexer(text: text, file: path)
    var parser = SchemaParser(tokens: try lexer.tokens(), path: path)
    return try parser.file()
  }

  private init(tokens: [SchemaToken], path: String) {
    self.tokens = tokens
    self.path = path
  }

  // MARK: - Token helpers

  private var current: SchemaToken { tokens[index] }

  private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

  private mutating func docs() -> [String] {
    var lines: [String] = []
    while case .doc(let text) = current.kind {
      lines.append(text)
      advance()
    }
    return lines
  }

  private func describe(_ kind: SchemaToken.Kind) -> String {
    switch kind {
    case .identifier(let name): "'\(name)'"
    case .integer(let value): "'\(value)'"
    case .symbol(let c): "'\(c)'"
    case .doc: "a /// comment"
    case .end: "the end of the file"
    }
  }

  private mutating func expect(_ symbol: Character) throws(SchemaError) {
    guard current.kind == .symbol(symbol) else {
      throw SchemaError(current.location, "expected '\(symbol)', found \(describe(current.kind))")
    }
    advance()
  }

  private mutating func identifier(_ what: String) throws(SchemaError) -> String {
    guard case .identifier(let name) = current.kind else {
      throw SchemaError(current.location, "expected \(what), found \(describe(current.kind))")
    }
    advance()
    return name
  }

  private mutating func keyword(_ word: String) throws(SchemaError) {
    guard current.kind == .identifier(word) else {
      throw SchemaError(current.location, "expected '\(word)', found \(describe(current.kind))")
    }
    advance()
  }

  private mutating func integer(_ what: String) throws(SchemaError) -> Int {
    guard case .integer(let value) = current.kind else {
      throw SchemaError(current.location, "expected \(what), found \(describe(current.kind))")
    }
    advance()
    return value
  }

  private func isKeyword(_ word: String) -> Bool { current.kind == .identifier(word) }

  // MARK: - Grammar

  private mutating func file() throws(SchemaError) -> SchemaFile {
    let fileDoc = docs()
    try keyword("package")
    var package = try identifier("a package name")
    while current.kind == .symbol(".") {
      advance()
      package += "." + (try identifier("a package name part"))
    }
    try expect(";")
    var result = SchemaFile(path: path, package: package, messages: [], enums: [], services: [], doc: fileDoc)
    while true {
      let doc = docs()
      if current.kind == .end { return result }
      let location = current.location
      switch current.kind {
      case .identifier("message"): result.messages.append(try message(doc, location))
      case .identifier("enum"): result.enums.append(try enumeration(doc, location))
      case .identifier("service"): result.services.append(try service(doc, location))
      default:
        throw SchemaError(location, "expected 'message', 'enum' or 'service', found \(describe(current.kind))")
      }
    }
  }

  private mutating func message(_ doc: [String], _ location: SourceLocation) throws(SchemaError) -> MessageDecl {
    advance()
    var decl = MessageDecl(name: try identifier("a message name"), fields: [], reserved: [], doc: doc, location: location)
    try expect("{")
    while true {
      let fieldDoc = docs()
      if current.kind == .symbol("}") { break }
      if isKeyword("reserved") {
        decl.reserved += try reserved()
        continue
      }
      decl.fields.append(try field(fieldDoc))
    }
    advance()
    return decl
  }

  private mutating func field(_ doc: [String]) throws(SchemaError) -> FieldDecl {
    let location = current.location
    var label = FieldLabel.singular
    if isKeyword("repeated") {
      label = .repeated
      advance()
    } else if isKeyword("optional") {
      label = .optional
      advance()
    }
    let typeName = try identifier("a field type")
    let type = ScalarType(rawValue: typeName).map(FieldType.scalar) ?? .named(typeName)
    let name = try identifier("a field name")
    try expect("=")
    let number = try integer("a field number")
    var deprecated = false
    if current.kind == .symbol("[") {
      advance()
      try keyword("deprecated")
      try expect("]")
      deprecated = true
    }
    try expect(";")
    return FieldDecl(name: name, number: number, type: type, label: label, deprecated: deprecated, doc: doc, location: location)
  }

  private mutating func reserved() throws(SchemaError) -> [Reservation] {
    advance()
    var result: [Reservation] = []
    repeat {
      if current.kind == .symbol(",") { advance() }
      let location = current.location
      if case .identifier(let name) = current.kind {
        advance()
        result.append(.name(name))
        continue
      }
      let low = try integer("a reserved number or name")
      var high = low
      if isKeyword("to") {
        advance()
        high = try integer("the end of a reserved range")
      }
      guard low <= high else { throw SchemaError(location, "reserved range \(low) to \(high) is empty") }
      result.append(.numbers(low...high))
    } while current.kind == .symbol(",")
    try expect(";")
    return result
  }

  private mutating func enumeration(_ doc: [String], _ location: SourceLocation) throws(SchemaError) -> EnumDecl {
    advance()
    var decl = EnumDecl(name: try identifier("an enum name"), values: [], reserved: [], doc: doc, location: location)
    try expect("{")
    while true {
      let valueDoc = docs()
      if current.kind == .symbol("}") { break }
      if isKeyword("reserved") {
        decl.reserved += try reserved()
        continue
      }
      let valueLocation = current.location
      let name = try identifier("an enum value name")
      try expect("=")
      let number = try integer("an enum value number")
      try expect(";")
      decl.values.append(EnumValueDecl(name: name, number: number, doc: valueDoc, location: valueLocation))
    }
    advance()
    return decl
  }

  private mutating func service(_ doc: [String], _ location: SourceLocation) throws(SchemaError) -> ServiceDecl {
    advance()
    var decl = ServiceDecl(name: try identifier("a service name"), methods: [], doc: doc, location: location)
    try expect("{")
    while true {
      let methodDoc = docs()
      if current.kind == .symbol("}") { break }
      let methodLocation = current.location
      try keyword("rpc")
      let name = try identifier("a method name")
      try expect("(")
      if isKeyword("stream") {
        throw SchemaError(current.location, "client streaming is not supported; send one request message")
      }
      let input = try identifier("a request message name")
      try expect(")")
      try keyword("returns")
      try expect("(")
      var streaming = false
      if isKeyword("stream") {
        streaming = true
        advance()
      }
      let output = try identifier("a response message name")
      try expect(")")
      try expect(";")
      decl.methods.append(
        MethodDecl(name: name, input: input, output: output, serverStreaming: streaming, doc: methodDoc, location: methodLocation))
    }
    advance()
    return decl
  }
}
