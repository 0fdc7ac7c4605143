import Testing

/// The strict reader against the format's own examples and against texts
/// that break its rules.
@Suite("The exposition format reader")
struct ExpositionParserTests {
  /// The example of the format's description (Prometheus's
  /// "Exposition formats" page), summary included.
  static let documented = #"""
    # HELP http_requests_total The total number of HTTP requests.
    # TYPE http_requests_total counter
    http_requests_total{method="post",code="200"} 1027 1395066363000
    http_requests_total{method="post",code="400"}    3 1395066363000

    # Escaping in label values:
    msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

    # Minimalistic line:
    metric_without_timestamp_and_labels 12.47

    # A weird metric from before the epoch:
    something_weird{problem="division by zero"} +Inf -3982045

    # A histogram, which has a pretty complex representation in the text format:
    # HELP http_request_duration_seconds A histogram of the request duration.
    # TYPE http_request_duration_seconds histogram
    http_request_duration_seconds_bucket{le="0.05"} 24054
    http_request_duration_seconds_bucket{le="0.1"} 33444
    http_request_duration_seconds_bucket{le="0.2"} 100392
    http_request_duration_seconds_bucket{le="0.5"} 129389
    http_request_duration_seconds_bucket{le="1"} 133988
    http_request_duration_seconds_bucket{le="+Inf"} 144320
    http_request_duration_seconds_sum 53423
    http_request_duration_seconds_count 144320

    # Finally a summary, which has a complex representation, too:
    # HELP rpc_duration_seconds A summary of the RPC duration in seconds.
    # TYPE rpc_duration_seconds summary
    rpc_duration_seconds{quantile="0.01"} 3102
    rpc_duration_seconds{quantile="0.05"} 3272
    rpc_duration_seconds{quantile="0.5"} 4773
    rpc_duration_seconds{quantile="0.9"} 9001
    rpc_duration_seconds{quantile="0.99"} 76656
    rpc_duration_seconds_sum 1.7560473e+07
    rpc_duration_seconds_count 2693

    """#

  @Test("The format's documented example reads as its six families, values, timestamps and escapes")
  func documentedExample() throws {
    let families = try ExpositionParser.parse(Self.documented)
    #expect(families.map(\.name) == [
      "http_requests_total", "msdos_file_access_time_seconds", "metric_without_timestamp_and_labels", "something_weird",
      "http_request_duration_seconds", "rpc_duration_seconds",
    ])
    #expect(families.map(\.type) == ["counter", "untyped", "untyped", "untyped", "histogram", "summary"])
    #expect(families[0].help == "The total number of HTTP requests.")
    #expect(families[0].samples[1].value == 3)
    #expect(families[0].samples[1].timestamp == 1_395_066_363_000)
    #expect(families[1].samples[0].label("path") == #"C:\DIR\FILE.TXT"#)
    #expect(families[1].samples[0].label("error") == "Cannot find file:\n\"FILE.TXT\"")
    #expect(families[1].samples[0].value == 1.458255915e9)
    #expect(families[3].samples[0].value == .infinity)
    #expect(families[3].samples[0].timestamp == -3_982_045)
    #expect(families[4].samples.count == 8)
    #expect(families[4].samples.last?.value == 144_320)
    #expect(families[5].samples.count == 7)
  }

  @Test("Help text undoes \\\\ and \\n and nothing else")
  func helpEscapes() throws {
    let families = try ExpositionParser.parse("# HELP a_total one \\\\ two\\nthree\n# TYPE a_total counter\na_total 1\n")
    #expect(families[0].help == "one \\ two\nthree")
    #expect(throws: ExpositionParser.Failure.self) { try ExpositionParser.parse("# HELP a_total bad \\t escape\na_total 1\n") }
  }

  @Test(
    "Texts that break the format are refused",
    arguments: [
      ("no final line feed", "a 1"),
      ("a bad metric name", "1a 1\n"),
      ("a bad label name", "a{1x=\"v\"} 1\n"),
      ("an unquoted label value", "a{x=v} 1\n"),
      ("an unterminated label value", "a{x=\"v} 1\n"),
      ("an undefined escape in a label value", "a{x=\"\\q\"} 1\n"),
      ("a label given twice", "a{x=\"1\",x=\"2\"} 1\n"),
      ("a value that is not a number", "a one\n"),
      ("three fields", "a 1 2 3\n"),
      ("a series given twice", "a{x=\"1\"} 1\na{x=\"1\"} 2\n"),
      ("a family's samples apart", "a 1\nb 1\na{x=\"2\"} 1\n"),
      ("TYPE after samples", "a 1\n# TYPE a gauge\n"),
      ("two TYPE lines", "# TYPE a gauge\n# TYPE a gauge\na 1\n"),
      ("two HELP lines", "# HELP a x\n# HELP a y\na 1\n"),
      ("an unknown type", "# TYPE a meter\na 1\n"),
      ("a negative counter", "# TYPE a_total counter\na_total -1\n"),
      ("a histogram without +Inf", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"),
      ("a histogram whose count is not +Inf's", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n"),
      ("a histogram without a sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n"),
      ("buckets that are not cumulative", "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n"),
      ("buckets that do not ascend", "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"),
      ("a bucket with no le", "# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n"),
    ])
  func refused(_ why: String, _ text: String) {
    #expect(throws: ExpositionParser.Failure.self, "\(why)") { try ExpositionParser.parse(text) }
  }
}
