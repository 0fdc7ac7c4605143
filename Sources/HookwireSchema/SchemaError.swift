/// A place in a schema file: 1-based line and column.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
  /// The schema file's path as given to the parser.
  public var file: String
  /// The line, from 1.
  public var line: Int
  /// The column, from 1, counted in Unicode scalars.
  public var column: Int

  /// Creates a location.
  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  public var description: String { "\(file):\(line):\(column)" }
}

/// A mistake in a schema, reported as `file:line:column: message`.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Where the mistake is.
  public var location: SourceLocation
  /// What is wrong, in one sentence.
  public var message: String

  /// Creates an error at `location`.
  public init(_ location: SourceLocation, _ message: String) {
    self.location = location
    self.message = message
  }

  public var description: String { "\(location): \(message)" }
}
