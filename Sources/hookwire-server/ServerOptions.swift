import HookwireServer

/// The command line of `hookwire-server`.
struct ServerOptions {
  var host = "127.0.0.1"
  var port = 7700
  var loops: Int?
  var dataDirectory = "./hookwire-data"
  var demo = false
  var allowHTTPTargets = false
  var keyCacheSeconds = 5
  var allowPrivateTargets = ""
  var deliveryTimeoutSeconds = 15
  var retryDelays: String?
  var retentionDays = 30
  var disableAfterHours = 120
  var help = false

  static let usage = """
    usage: hookwire-server [--listen HOST:PORT] [--loops N] [--data-dir DIR] [--demo] [--allow-http-targets]
           hookwire-server admin <command> [--data-dir DIR] …   (hookwire-server admin --help)

      --listen HOST:PORT  address to listen on (default 127.0.0.1:7700, env HOOKWIRE_LISTEN);
                          HOST is numeric, e.g. 127.0.0.1 or [::1]
      --loops N           event-loop threads (default: one per core)
      --data-dir DIR      where the SQLite database lives (default ./hookwire-data)
      --demo              on first start, create demo business units, programmes and
                          partners, and print their API keys once
      --allow-http-targets  accept plain http:// payload URLs (development only)
      --key-cache-ttl S   seconds an authenticated API key is remembered (default 5; 0 = off);
                          a revoked key stops working within this time
      --allow-private-targets CIDR,…  deliver to these otherwise refused ranges (e.g. 127.0.0.0/8)
      --delivery-timeout S  seconds per delivery attempt (default 15)
      --retry-delays MS,…   delays before each attempt in milliseconds (default Svix's:
                          0,5000,300000,1800000,7200000,18000000,36000000,36000000)
      --retention-days N  prune finished deliveries and events older than N days (default 30)
      --disable-after-hours N  disable a webhook failing without a success for N hours (default 120)
      -h, --help          show this help
    """

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func parse(_ arguments: [String], environment: [String: String]) throws -> ServerOptions {
    var options = ServerOptions()
    if let listen = environment["HOOKWIRE_LISTEN"] { try options.setListen(listen) }
    var index = 0
    func value(_ flag: String) throws -> String {
      guard index + 1 < arguments.count else { throw Failure(description: "\(flag) needs a value") }
      index += 1
      return arguments[index]
    }
    while index < arguments.count {
      switch arguments[index] {
      case "--listen": try options.setListen(try value("--listen"))
      case "--loops":
        let text = try value("--loops")
        guard let loops = Int(text), (1...256).contains(loops) else { throw Failure(description: "--loops takes 1…256, not '\(text)'") }
        options.loops = loops
      case "--data-dir": options.dataDirectory = try value("--data-dir")
      case "--demo": options.demo = true
      case "--allow-http-targets": options.allowHTTPTargets = true
      case "--allow-private-targets":
        let text = try value("--allow-private-targets")
        guard TargetGuard.allowList(text) != nil else { throw Failure(description: "--allow-private-targets takes CIDRs such as 127.0.0.0/8,::1/128") }
        options.allowPrivateTargets = text
      case "--delivery-timeout":
        let text = try value("--delivery-timeout")
        guard let seconds = Int(text), (1...300).contains(seconds) else { throw Failure(description: "--delivery-timeout takes 1…300 seconds") }
        options.deliveryTimeoutSeconds = seconds
      case "--retention-days":
        let text = try value("--retention-days")
        guard let days = Int(text), (1...3_650).contains(days) else { throw Failure(description: "--retention-days takes 1…3650") }
        options.retentionDays = days
      case "--disable-after-hours":
        let text = try value("--disable-after-hours")
        guard let hours = Int(text), (1...87_600).contains(hours) else { throw Failure(description: "--disable-after-hours takes 1…87600") }
        options.disableAfterHours = hours
      case "--retry-delays":
        let text = try value("--retry-delays")
        guard !text.isEmpty, text.split(separator: ",").allSatisfy({ Int($0).map { $0 >= 0 } ?? false }) else {
          throw Failure(description: "--retry-delays takes milliseconds such as 0,1000,60000")
        }
        options.retryDelays = text
      case "--key-cache-ttl":
        let text = try value("--key-cache-ttl")
        guard let seconds = Int(text), (0...3_600).contains(seconds) else { throw Failure(description: "--key-cache-ttl takes 0…3600 seconds") }
        options.keyCacheSeconds = seconds
      case "-h", "--help": options.help = true
      default: throw Failure(description: "unknown option '\(arguments[index])'")
      }
      index += 1
    }
    return options
  }

  mutating func setListen(_ text: String) throws {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
      throw Failure(description: "--listen takes HOST:PORT, not '\(text)'")
    }
    var host = String(text[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { throw Failure(description: "--listen needs a host, such as 127.0.0.1") }
    self.host = host
    self.port = port
  }
}
