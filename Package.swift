// swift-tools-version:6.0
// ChinhQuyenSo (cqs): the package map. One target per bounded context; dependencies point
// toward Core. See ARCHITECTURE.md for what each target owns.
import PackageDescription

let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let sqlKit = Target.Dependency.product(name: "SQLKit", package: "sql-kit")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let algorithms = Target.Dependency.product(name: "Algorithms", package: "swift-algorithms")

let package = Package(
    name: "ChinhQuyenSo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cqs", targets: ["cqs"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", exact: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", exact: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", exact: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", exact: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        // CMS is behind @_spi(CMS) and may change between versions: pinned exactly.
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
        // RSA-PSS with any salt length (OpenSSL's default is the maximum; swift-crypto verifies only
        // a digest-length salt): the RSA public operation on big integers.
        .package(url: "https://github.com/attaswift/BigInt.git", exact: "6.0.1"),
        // ZIP: the national axis's SDK zips each attached file (and XLSX later is a ZIP of XML).
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", exact: "1.5.0"),
        // Already in the graph (async-http-client); named for `chunks(ofCount:)` in multi-row writes.
        .package(url: "https://github.com/apple/swift-algorithms.git", exact: "1.2.1"),
    ],
    targets: [
        // Pure domain: identifiers, calendar, problems, permissions. No I/O.
        .target(name: "Core", dependencies: [crypto]),
        // SQLKit over SQLite and PostgreSQL, migrations, transactions.
        .target(
            name: "Storage",
            dependencies: [
                "Core", sqlKit, logging, nioCore, nioPosix,
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Persisted outbox with ordered, retried delivery; adapters to the outside (national portal).
        .target(
            name: "Delivery",
            dependencies: [
                "Core", "Storage", "Audit", logging, nioCore, algorithms, crypto,
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                nioPosix,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Tamper-evident audit log (SHA-256 chain).
        .target(name: "Audit", dependencies: ["Core", "Storage", crypto, algorithms]),
        // Reference data: administrative units, agencies, departments; calendar overrides.
        .target(
            name: "Directory",
            dependencies: ["Core", "Storage", "Audit"],
            resources: [.copy("Resources")]
        ),
        // Administrative procedures (thủ tục hành chính): catalogue, import/export, search.
        .target(
            name: "Procedures",
            dependencies: ["Core", "Storage", "Audit", "Directory", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Resources")]
        ),
        // Digital signatures: provincial CA, certificates, encrypted keys, CMS sign/verify.
        .target(
            name: "Signatures",
            dependencies: [
                "Core", "Storage", "Audit", crypto,
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "BigInt", package: "BigInt"),
            ]
        ),
        // Electronic document exchange: edXML (QCVN 102:2016) messages.
        .target(
            name: "DocumentExchange",
            dependencies: [
                "Core", "Storage", "Audit", "Delivery", "Directory", "Signatures", crypto,
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // Document management (văn bản đến/đi): registers, assignments, approvals, issuing; task tracking.
        .target(
            name: "Documents",
            dependencies: ["Core", "Storage", "Audit", "Delivery", "Directory", "Identity", "Signatures", "DocumentExchange"]
        ),
        // Dossiers (hồ sơ): lifecycle state machine, deadlines, history, files, outbox.
        // Reporting information system (Decree 09/2019): indicators, templates, periods, reports.
        .target(name: "Reporting", dependencies: ["Core", "Storage", "Audit", "Directory"]),
        .target(name: "Dossiers", dependencies: ["Core", "Storage", "Audit", "Delivery", "Directory", "Identity", "Procedures"]),
        // Accounts, roles, passwords, sessions, tokens, login throttling.
        .target(
            name: "Identity",
            dependencies: [
                "Core", "Storage", "Audit", "Delivery", "Directory", crypto, nioPosix, algorithms,
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        // HTTP: middleware, problem+json, auth, pages (Mustache), API routes.
        .target(
            name: "Web",
            dependencies: [
                "Core", "Storage", "Audit", "Directory", "Identity", "Procedures", "Dossiers", "Delivery", "Signatures", "DocumentExchange",
                "Documents", "Reporting", hummingbird, logging,
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            // Each context keeps its templates and its part of the OpenAPI document beside its
            // code; processed resources land flat in the bundle, known by their file names.
            resources: [
                .copy("Shared/Static"), .process("Shared/Templates"), .process("Shared/OpenAPI/openapi.json"),
                .process("Directory/Templates"), .process("Directory/directory.openapi.json"),
                .process("Documents/Templates"), .process("Documents/documents.openapi.json"),
                .process("Dossiers/Templates"), .process("Dossiers/dossiers.openapi.json"),
                .process("Exchange/exchange.openapi.json"),
                .process("Identity/Templates"), .process("Identity/identity.openapi.json"),
                .process("Operations/Templates"), .process("Operations/operations.openapi.json"),
                .process("Portal/Templates"), .process("Portal/portal.openapi.json"),
                .process("Procedures/Templates"), .process("Procedures/procedures.openapi.json"),
                .process("Reporting/reporting.openapi.json"),
                .process("Signatures/signatures.openapi.json"),
            ]
        ),
        // Composition root: configuration, application, lifecycle, metrics backend.
        .target(
            name: "Server",
            dependencies: [
                "Core", "Storage", "Audit", "Directory", "Identity", "Procedures", "Dossiers", "Delivery", "Signatures", "DocumentExchange",
                "Documents", "Reporting", "Web", hummingbird, logging,
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "cqs",
            dependencies: [
                "Server", "Core", "Storage", "Audit", "Directory", "Identity", "Procedures", "Dossiers", "Delivery", "Signatures", "DocumentExchange",
                "Documents",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks, run by hand (results in BENCHMARKS.md).
        .executableTarget(name: "edxml-large-benchmark", dependencies: ["Core", "DocumentExchange"], path: "benchmarks/EdXMLLarge"),
        .executableTarget(name: "procedure-search-benchmark", dependencies: ["Core", "Procedures"], path: "benchmarks/ProcedureSearch"),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        // Database-backed and HTTP tests; run on SQLite, and on PostgreSQL with CQS_TEST_DATABASE_URL.
        .testTarget(
            name: "PlatformTests",
            dependencies: [
                "Core", "Storage", "Audit", "Directory", "Identity", "Procedures", "Dossiers", "Delivery", "Signatures", "DocumentExchange",
                "Documents", "Reporting", "Web", "Server", hummingbird,
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            exclude: [
                "Fixtures/generate_vn_holidays.py", "Fixtures/signxml_sign.py", "Fixtures/edxml_extract.py", "Fixtures/national-portal-records.json",
                "Snapshots",
            ],
            resources: [.copy("Fixtures/vn-holidays-2021-2030.json")]
        ),
    ]
)
