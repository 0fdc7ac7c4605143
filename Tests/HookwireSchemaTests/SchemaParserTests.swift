import HookwireSchema
import Testing

@Suite("Schema language")
struct SchemaParserTests {
  static let valid = """
    /// A test schema.
    package test.v1;

    /// Kinds.
    enum Kind {
      KIND_UNSPECIFIED = 0;
      /// The first.
      FIRST = 1;
      reserved 5 to 9;
    }

    /* A block comment. */
    message Thing {
      string id = 1;
      optional uint64 count = 2 [deprecated];
      repeated Kind kinds = 3;
      Other other = 4;
      reserved 6, 10 to 12, legacy_name;
    }

    message Other {
      repeated Thing things = 1;
    }

    service Things {
      rpc Get(Thing) returns (Other);
      rpc Watch(Thing) returns (stream Thing);
    }
    """

  @Test("a valid schema parses with types resolved, docs kept and streaming marked")
  func parses() throws {
    let schema = try Schema.load([("test.schema", Self.valid)])
    #expect(schema.package == "test.v1")
    #expect(schema.enums.map(\.name) == ["Kind"])
    #expect(schema.enums[0].values.map(\.number) == [0, 1])
    #expect(schema.enums[0].values[1].doc == ["The first."])
    let thing = try #require(schema.messages.first { $0.name == "Thing" })
    #expect(thing.fields.map(\.type) == [.scalar(.string), .scalar(.uint64), .enumeration("Kind"), .message("Other")])
    #expect(thing.fields.map(\.label) == [.singular, .optional, .repeated, .singular])
    #expect(thing.fields[1].deprecated)
    #expect(thing.reserved == [.numbers(6...6), .numbers(10...12), .name("legacy_name")])
    #expect(schema.services[0].methods.map(\.serverStreaming) == [false, true])
  }

  struct Bad: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var location: String
    var message: String
    var testDescription: String { name }
  }

  static let bad: [Bad] = [
    Bad(name: "missing package", text: "message A {}", location: "bad.schema:1:1", message: "expected 'package'"),
    Bad(name: "missing semicolon", text: "package p;\nmessage A {\n  string id = 1\n}", location: "bad.schema:4:1", message: "expected ';'"),
    Bad(name: "duplicate field number", text: "package p;\nmessage A {\n  string a = 1;\n  string b = 1;\n}", location: "bad.schema:4:3", message: "field number 1 is already used by 'a'"),
    Bad(name: "reserved number", text: "package p;\nmessage A {\n  reserved 2;\n  string b = 2;\n}", location: "bad.schema:4:3", message: "field number 2 is reserved"),
    Bad(name: "reserved name", text: "package p;\nmessage A {\n  reserved old;\n  string old = 2;\n}", location: "bad.schema:4:3", message: "field name 'old' is reserved"),
    Bad(name: "unknown type", text: "package p;\nmessage A {\n  Missing m = 1;\n}", location: "bad.schema:3:3", message: "unknown type 'Missing'"),
    Bad(name: "field number 0", text: "package p;\nmessage A {\n  string a = 0;\n}", location: "bad.schema:3:3", message: "field number 0 is outside"),
    Bad(name: "field number too big", text: "package p;\nmessage A {\n  string a = 536870912;\n}", location: "bad.schema:3:3", message: "is outside"),
    Bad(name: "enum not starting at 0", text: "package p;\nenum E {\n  E_ONE = 1;\n}", location: "bad.schema:3:3", message: "must be 0"),
    Bad(name: "duplicate enum number", text: "package p;\nenum E {\n  E_ZERO = 0;\n  E_ALIAS = 0;\n}", location: "bad.schema:4:3", message: "used twice"),
    Bad(name: "camel-case field", text: "package p;\nmessage A {\n  string payloadUrl = 1;\n}", location: "bad.schema:3:3", message: "must be lower_snake_case"),
    Bad(name: "lower-case message", text: "package p;\nmessage a {}", location: "bad.schema:2:1", message: "must be UpperCamelCase"),
    Bad(name: "client streaming", text: "package p;\nmessage A {}\nservice S {\n  rpc M(stream A) returns (A);\n}", location: "bad.schema:4:9", message: "client streaming is not supported"),
    Bad(name: "rpc on a non-message", text: "package p;\nenum E { E_Z = 0; }\nservice S {\n  rpc M(E) returns (E);\n}", location: "bad.schema:4:3", message: "'E' is not a message"),
    Bad(name: "unterminated comment", text: "package p;\n/* never closed", location: "bad.schema:2:1", message: "unterminated block comment"),
    Bad(name: "stray character", text: "package p;\nmessage A { string a = 1; } $", location: "bad.schema:2:29", message: "unexpected character '$'"),
    Bad(name: "singular self-containment", text: "package p;\nmessage A {\n  A child = 1;\n}", location: "bad.schema:3:3", message: "contains itself"),
    Bad(name: "optional message field", text: "package p;\nmessage A {}\nmessage B {\n  optional A a = 1;\n}", location: "bad.schema:4:3", message: "drop 'optional'"),
    Bad(name: "generator-reserved field name", text: "package p;\nmessage A {\n  bytes unknown_fields = 1;\n}", location: "bad.schema:3:3", message: "reserved by the generator"),
    Bad(name: "duplicate type", text: "package p;\nmessage A {}\nenum A { A_Z = 0; }", location: "bad.schema:3:1", message: "'A' is already declared at bad.schema:2:1"),
  ]

  @Test("mistakes are reported as file:line:column: message", arguments: bad)
  func reportsMistakes(_ input: Bad) {
    do {
      _ = try Schema.load([("bad.schema", input.text)])
      Issue.record("expected an error")
    } catch {
      #expect(error.location.description == input.location, "\(error)")
      #expect(error.message.contains(input.message), "\(error)")
      #expect(error.description.hasPrefix("\(input.location): "))
    }
  }

  @Test("files of one schema must share a package")
  func packageMismatch() {
    #expect(throws: SchemaError.self) {
      _ = try Schema.load([("a.schema", "package a;"), ("b.schema", "package b;")])
    }
  }

  @Test("generated code names fields in Swift style and keeps the wire numbers")
  func emitsSwift() throws {
    let schema = try Schema.load([("test.schema", Self.valid)])
    let swift = SwiftEmitter(schema: schema, options: .init(imports: ["HookwireWire"], regenerateCommand: "regen"))
      .emit(file: "test.schema")
    #expect(swift.hasPrefix("// DO NOT EDIT."))
    #expect(swift.contains("public struct Thing: WireMessage"))
    #expect(swift.contains("public var count: UInt64? = nil"))
    #expect(swift.contains("case first"))
    #expect(swift.contains("public protocol ServiceProtocol: RPCService"))
    #expect(swift.contains("MethodDescriptor(service: \"test.v1.Things\", method: \"Watch\", kind: .serverStreaming)"))
  }
}
