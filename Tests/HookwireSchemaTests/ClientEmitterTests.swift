import HookwireSchema
import Testing

/// What the generator writes for clients: the schema's documentation on
/// every declaration, typed errors, response metadata and list sequences.
@Suite("Generated clients")
struct ClientEmitterTests {
  static let schema = """
    /// Things, for tests.
    package test.v1;

    /// A thing.
    message Thing {
      /// Its id.
      string id = 1;
    }

    /// Lists things, a page at a time.
    message ListThingsRequest {
      uint32 page_size = 1;
      string page_token = 2;
    }

    message ListThingsResponse {
      repeated Thing things = 1;
      string next_page_token = 2;
    }

    /// Keeps things.
    service Things {
      /// One thing by id.
      rpc Get(Thing) returns (Thing);
      rpc List(ListThingsRequest) returns (ListThingsResponse);
      rpc Watch(Thing) returns (stream Thing);
    }
    """

  static func generated() throws -> String {
    let schema = try Schema.load([("things.schema", Self.schema)])
    return SwiftEmitter(schema: schema, options: .init(imports: ["HookwireRPC"], regenerateCommand: "make")).emit(file: "things.schema")
  }

  @Test("the schema's comments on the file, services, methods, messages and fields become documentation")
  func documentation() throws {
    let code = try Self.generated()
    #expect(code.contains("// Things, for tests."))
    #expect(code.contains("/// Keeps things.\npublic enum Things"))
    #expect(code.contains("    /// One thing by id.\n    ///\n    /// - Parameters:"))
    #expect(code.contains("/// A thing.\npublic struct Thing"))
    #expect(code.contains("  /// Its id."))
    // A method without comments of its own takes its request message's.
    #expect(code.contains("    /// Lists things, a page at a time.\n    ///\n    /// - Parameters:\n    ///   - request: The `ListThingsRequest` to send."))
  }

  @Test("unary methods throw RPCError and have a variant with the response metadata; streaming ones pass the reader's errors on")
  func typedErrorsAndMetadata() throws {
    let code = try Self.generated()
    #expect(code.contains(") async throws(RPCError) -> Thing {"))
    #expect(code.contains("public func getWithMetadata("))
    #expect(code.contains(") async throws(RPCError) -> ClientResponse<Thing> {"))
    #expect(code.contains("throw RPCError(callFailure: error)"))
    #expect(code.contains("onResponse handle: @Sendable (RPCResponseStream<Thing>) async throws -> Result\n    ) async throws -> Result {"))
  }

  @Test("a method with page_token and next_page_token and one repeated field gets a sequence of its items; others do not")
  func listSequences() throws {
    let code = try Self.generated()
    #expect(code.contains("public func listPaged("))
    #expect(code.contains(") -> PagedSequence<Thing> {"))
    #expect(code.contains("return (response.things, response.nextPageToken)"))
    #expect(!code.contains("getPaged") && !code.contains("watchPaged"))
  }
}
