import Foundation

/// Which schema files generate which Swift files, relative to the package root.
///
/// `hookwire-gen` writes these files and a test regenerates them in memory
/// and fails when the committed ones differ.
public struct GenerationPlan: Sendable {
  /// One schema set and where its generated code goes.
  public struct Job: Sendable {
    /// Schema files, relative to the package root.
    public var schemas: [String]
    /// Directory for one `.swift` file per schema file.
    public var outputDirectory: String
    /// Modules the generated message and service code imports.
    public var imports: [String]
    /// Where test-support builders of random values go, if anywhere.
    public var arbitraryOutput: String?
    /// Modules the test-support file imports.
    public var arbitraryImports: [String]
    /// The name of the test-support list of every message type.
    public var arbitraryListName = "allMessageTypes"
  }

  /// The jobs, run in order.
  public var jobs: [Job]

  static let regenerateCommand = "swift run hookwire-gen"

  /// Hookwire's plan: frame payloads into the wire module, the product API
  /// into the API module, and the evolution-test schemas into their tests.
  public static func hookwire(root: URL) throws -> GenerationPlan {
    let api = try schemaFiles(in: "Schema/hookwire", root: root)
    return GenerationPlan(jobs: [
      Job(
        schemas: ["Schema/protocol.schema"], outputDirectory: "Sources/HookwireWire/Generated", imports: [],
        arbitraryOutput: "Tests/HookwireTestSupport/Generated/ProtocolArbitrary.swift", arbitraryImports: ["HookwireWire"],
        arbitraryListName: "protocolMessageTypes"),
      Job(
        schemas: api, outputDirectory: "Sources/HookwireAPI/Generated", imports: ["HookwireRPC", "HookwireWire"],
        arbitraryOutput: "Tests/HookwireTestSupport/Generated/APIArbitrary.swift",
        arbitraryImports: ["HookwireAPI", "HookwireWire"], arbitraryListName: "apiMessageTypes"),
      Job(
        schemas: ["Tests/HookwireAPITests/Schema/evolution.schema"], outputDirectory: "Tests/HookwireAPITests/Generated",
        imports: ["HookwireWire"], arbitraryOutput: nil, arbitraryImports: []),
    ])
  }

  static func schemaFiles(in directory: String, root: URL) throws -> [String] {
    let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)
    return names.filter { $0.hasSuffix(".schema") }.sorted().map { "\(directory)/\($0)" }
  }

  /// Every generated file's path (relative to `root`) and contents.
  public func render(root: URL) throws -> [(path: String, contents: String)] {
    var files: [(path: String, contents: String)] = []
    for job in jobs {
      var sources: [(path: String, text: String)] = []
      for path in job.schemas {
        sources.append((path, try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)))
      }
      let schema = try Schema.load(sources)
      let options = SwiftEmitter.Options(imports: job.imports, regenerateCommand: Self.regenerateCommand)
      let emitter = SwiftEmitter(schema: schema, options: options)
      for path in job.schemas {
        let base = (path as NSString).lastPathComponent.replacingOccurrences(of: ".schema", with: "")
        files.append(("\(job.outputDirectory)/\(base).swift", emitter.emit(file: path)))
      }
      if let output = job.arbitraryOutput {
        let arbitrary = ArbitraryEmitter(
          schema: schema, options: .init(imports: job.arbitraryImports, regenerateCommand: Self.regenerateCommand))
        files.append((output, arbitrary.emit(listName: job.arbitraryListName)))
      }
    }
    return files
  }
}
