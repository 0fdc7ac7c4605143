// swift-tools-version: 6.0
import PackageDescription

// Hookwire: a gRPC-style binary RPC server for webhooks. No package
// dependencies: the toolchain and the machine's system libraries only.
//
// Modules, dependencies pointing inward (README, "Architecture"):
//   HookwireWire         codec, frames, status codes (no Foundation, no Glibc)
//   HookwireMetrics      counters, gauges and histograms sharded per thread, the text exposition format, process figures
//   HookwireRPC          protocol state machines, router, interceptors, errors, request guard
//   HookwireAPI          code generated from Schema/ (messages, services, clients)
//   HookwireSchema       the schema language: parser, checker, Swift emitter
//   CHookwirePosix, HookwirePosix  the only socket and epoll code: syscalls, event loops, TCP streams, clocks
//   CSSL, HookwireTLS    TLS 1.2/1.3 through libssl over memory BIOs, driven by the event loops (client and server)
//   HookwireHTTP         HTTP/1.1 for deliveries: the response parser (a state machine over chunks), the request writer, the client;
//                        and a small server (one loop of its own) for the metrics endpoint
//   HookwireTCP          the RPC server's listener, admission and TLS, the stream link, the client's TCP transport (names, TLS)
//   HookwireInProcess    the in-memory transport (tests)
//   HookwireDomain       partners, access rules, webhooks, events, deliveries, store protocols
//   CCrypto, HookwireCrypto  SHA-256, HMAC, randomness, sealed secrets, Standard Webhooks signatures
//   CSQLite, HookwireStore   the SQLite database and the SQLite and in-memory stores
//   CPostgres, HookwirePostgres  PostgreSQL through libpq: connections on threads of their own, pool, migrations
//   HookwireDelivery     the delivery engine, the HTTP sender, the target guard
//   HookwireServer       API adapters, authentication, request bounds, error mapping, HookwireApplication
//   HookwireCommandLine  the executables' argument checking (unknown flags, values)
//   HookwireClient       the client library; hookwire the CLI; hookwire-server the server
//   hookwire-gen         regenerates HookwireAPI (and the frame payloads) from Schema/
//   hookwire-bench       benchmarks (`swift run -c release hookwire-bench …`)
//   HookwireTestSupport  shared fakes for the test targets (one per module, plus end-to-end)
var targets: [Target] = [
  .target(name: "HookwireWire"),
  .target(name: "HookwireMetrics"),
  .target(name: "HookwireRPC", dependencies: ["HookwireWire", "HookwireMetrics"]),
  .target(name: "HookwireAPI", dependencies: ["HookwireWire", "HookwireRPC"]),
  .target(name: "HookwireSchema"),
  .target(name: "CHookwirePosix"),
  .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
  .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
  .systemLibrary(name: "CSSL", path: "Sources/CSSL"),
  .systemLibrary(name: "CPostgres", path: "Sources/CPostgres"),
  .target(name: "HookwireCrypto", dependencies: ["CCrypto"]),
  .target(name: "HookwireDomain"),
  .target(name: "HookwireStore", dependencies: ["CSQLite", "HookwireCrypto", "HookwireDomain", "HookwireMetrics"]),
  .target(name: "HookwirePostgres", dependencies: ["CPostgres", "HookwireDomain", "HookwireStore"]),
  .target(name: "HookwirePosix", dependencies: ["CHookwirePosix"]),
  .target(name: "HookwireCommandLine"),
  .target(name: "HookwireTLS", dependencies: ["CSSL", "HookwirePosix"]),
  .target(name: "HookwireHTTP", dependencies: ["HookwirePosix", "HookwireTLS"]),
  .target(name: "HookwireTCP", dependencies: ["HookwireRPC", "HookwirePosix", "HookwireWire", "HookwireTLS", "HookwireMetrics"]),
  .target(name: "HookwireInProcess", dependencies: ["HookwireRPC", "HookwirePosix"]),
  .target(
    name: "HookwireDelivery", dependencies: ["HookwireDomain", "HookwireCrypto", "HookwireHTTP", "HookwirePosix", "HookwireTLS", "HookwireMetrics"]),
  .target(
    name: "HookwireServer",
    dependencies: [
      "HookwireRPC", "HookwirePosix", "HookwireAPI", "HookwireWire", "HookwireDomain", "HookwireStore", "HookwireCrypto", "HookwireTCP",
      "HookwireInProcess", "HookwireDelivery", "HookwireTLS", "HookwirePostgres",
    ]),
  .target(
    name: "HookwireClient", dependencies: ["HookwireRPC", "HookwirePosix", "HookwireAPI", "HookwireWire", "HookwireCrypto", "HookwireTCP", "HookwireTLS"],
    path: "Clients/HookwireClient"),
  // `hookwire listen` forwards to a local URL as a delivery is sent: the engine's body, Hookwire's HTTP client.
  .executableTarget(
    name: "hookwire", dependencies: ["HookwireClient", "HookwireCommandLine", "HookwireDelivery", "HookwireHTTP", "HookwirePosix"],
    path: "Clients/hookwire"),
  .executableTarget(name: "hookwire-gen", dependencies: ["HookwireSchema"]),
  .executableTarget(
    name: "hookwire-server",
    dependencies: [
      "HookwireServer", "HookwireAPI", "HookwireStore", "HookwireDomain", "HookwirePosix", "HookwireDelivery", "HookwireCommandLine",
      "HookwireTLS", "HookwirePostgres", "HookwireCrypto", "HookwireMetrics", "HookwireHTTP",
    ]),
  .executableTarget(
    name: "hookwire-bench",
    dependencies: [
      "HookwireWire", "HookwireAPI", "HookwireClient", "HookwireServer", "HookwirePosix", "HookwireStore", "HookwireDomain",
      "HookwireCrypto", "HookwireTestSupport", "HookwireDelivery", "HookwireTCP", "HookwireCommandLine", "HookwireHTTP",
      "HookwireTLS", "HookwirePostgres",
    ]),

  .target(
    name: "HookwireTestSupport",
    dependencies: [
      "HookwireWire", "HookwireRPC", "HookwireAPI", "HookwireServer", "HookwireCrypto", "HookwireDelivery", "HookwireTCP", "HookwireTLS", "CSSL",
    ],
    path: "Tests/HookwireTestSupport"
  ),
  .testTarget(name: "HookwireWireTests", dependencies: ["HookwireWire", "HookwireTestSupport"]),
  .testTarget(
    name: "HookwireMetricsTests",
    dependencies: [
      "HookwireMetrics", "HookwireHTTP", "HookwirePosix", "HookwireRPC", "HookwireTCP", "HookwireTestSupport", "HookwireClient", "HookwireAPI",
      "HookwireServer", "hookwire-server", "hookwire",
    ]),
  .testTarget(name: "HookwireRPCTests", dependencies: ["HookwireRPC", "HookwireAPI", "HookwireTestSupport"]),
  .testTarget(
    name: "HookwireAPITests", dependencies: ["HookwireAPI", "HookwireWire", "HookwireTestSupport"],
    exclude: ["Schema"]
  ),
  .testTarget(name: "HookwireSchemaTests", dependencies: ["HookwireSchema"]),
  .testTarget(name: "HookwireStoreTests", dependencies: ["HookwireStore", "HookwireDomain", "HookwirePostgres", "HookwireTestSupport"]),
  .testTarget(
    name: "HookwirePostgresTests",
    dependencies: ["HookwirePostgres", "HookwireDomain", "HookwireStore", "HookwireCrypto", "HookwireMetrics", "HookwireTestSupport"]),
  .testTarget(name: "HookwireDomainTests", dependencies: ["HookwireDomain", "HookwireStore"]),
  .testTarget(name: "HookwireCryptoTests", dependencies: ["HookwireCrypto"]),
  .testTarget(name: "HookwirePosixTests", dependencies: ["HookwirePosix"]),
  .testTarget(name: "HookwireHTTPTests", dependencies: ["HookwireHTTP", "HookwirePosix", "HookwireTLS", "HookwireTestSupport"]),
  .testTarget(name: "HookwireTLSTests", dependencies: ["HookwireTLS", "HookwirePosix", "HookwireTestSupport"]),
  .testTarget(name: "HookwireClientTests", dependencies: ["HookwireClient", "HookwireCrypto", "HookwireTestSupport"]),
  .testTarget(
    name: "HookwireServerTests",
    dependencies: [
      "HookwireServer", "HookwireClient", "HookwireTestSupport", "HookwireStore", "HookwireDomain", "HookwireCrypto", "HookwireDelivery",
      "HookwireTCP", "HookwireInProcess", "HookwirePosix", "HookwireTLS", "hookwire",
    ]),
  // Runs the real binaries; depending on them makes `swift test` build them.
  .testTarget(
    name: "HookwireEndToEndTests",
    dependencies: [
      "hookwire-server", "hookwire", "hookwire-bench", "HookwireClient", "HookwireCommandLine", "HookwireTestSupport", "HookwireDelivery",
      "HookwirePostgres",
    ]),
]

// The libFuzzer target exists only when asked for (see README, "Fuzzing"):
// it has no `main` of its own and needs `-sanitize=fuzzer`.
if Context.environment["HOOKWIRE_FUZZ"] != nil {
  targets.append(
    .executableTarget(
      name: "hookwire-fuzz",
      dependencies: ["HookwireWire", "HookwireAPI"],
      path: "Tests/Fuzz",
      swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
  )
}

// Linux only: the transport is epoll and the system libraries are Glibc's
// neighbours, so no Apple platform is declared.
let package = Package(
  name: "Hookwire",
  products: [
    .library(name: "HookwireAPI", targets: ["HookwireAPI"]),
    .library(name: "HookwireClient", targets: ["HookwireClient"]),
    .executable(name: "hookwire-gen", targets: ["hookwire-gen"]),
    .executable(name: "hookwire-server", targets: ["hookwire-server"]),
    .executable(name: "hookwire", targets: ["hookwire"]),
    .executable(name: "hookwire-bench", targets: ["hookwire-bench"]),
  ],
  targets: targets,
  swiftLanguageModes: [.v6]
)
