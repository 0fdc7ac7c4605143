/// The scalar types of the schema language.
public enum ScalarType: String, Sendable, CaseIterable {
  case bool, int32, int64, uint32, uint64, sint32, sint64
  case fixed32, fixed64, sfixed32, sfixed64, float, double, string, bytes
}

/// The type of a field: a scalar, or a message or enum declared in the schema.
public enum FieldType: Sendable, Equatable {
  case scalar(ScalarType)
  case message(String)
  case enumeration(String)
  /// A name not yet resolved to a message or an enum (parser output only).
  case named(String)
}

/// How many values a field holds.
public enum FieldLabel: Sendable, Equatable {
  /// One value; the default is not written on the wire (implicit presence).
  case singular
  /// One value or none; written whenever present, even when it is the default.
  case optional
  /// Zero or more values; numeric ones are written packed.
  case repeated
}

/// A field of a message.
public struct FieldDecl: Sendable, Equatable {
  public var name: String
  public var number: Int
  public var type: FieldType
  public var label: FieldLabel
  public var deprecated: Bool
  public var doc: [String]
  public var location: SourceLocation
}

/// A numbered range or a name a message or enum may never use again.
public enum Reservation: Sendable, Equatable {
  case numbers(ClosedRange<Int>)
  case name(String)
}

/// A message declaration.
public struct MessageDecl: Sendable, Equatable {
  public var name: String
  public var fields: [FieldDecl]
  public var reserved: [Reservation]
  public var doc: [String]
  public var location: SourceLocation
}

/// One value of an enum.
public struct EnumValueDecl: Sendable, Equatable {
  public var name: String
  public var number: Int
  public var doc: [String]
  public var location: SourceLocation
}

/// An enum declaration.
public struct EnumDecl: Sendable, Equatable {
  public var name: String
  public var values: [EnumValueDecl]
  public var reserved: [Reservation]
  public var doc: [String]
  public var location: SourceLocation
}

/// A method of a service.
public struct MethodDecl: Sendable, Equatable {
  public var name: String
  public var input: String
  public var output: String
  public var serverStreaming: Bool
  public var doc: [String]
  public var location: SourceLocation
}

/// A service declaration.
public struct ServiceDecl: Sendable, Equatable {
  public var name: String
  public var methods: [MethodDecl]
  public var doc: [String]
  public var location: SourceLocation
}

/// One parsed schema file.
public struct SchemaFile: Sendable, Equatable {
  public var path: String
  public var package: String
  public var messages: [MessageDecl]
  public var enums: [EnumDecl]
  public var services: [ServiceDecl]
  /// The `///` lines before `package`: what the file as a whole is about.
  public var doc: [String] = []
}
