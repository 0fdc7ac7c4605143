import CPostgres

/// The version of the libpq the process runs with (e.g. 160004 for 16.4).
package func libpqVersion() -> Int { Int(PQlibVersion()) }
