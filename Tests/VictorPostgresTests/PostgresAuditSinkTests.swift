import Foundation
import Logging
import PostgresNIO
import Testing
import VictorPostgres
import VictorRuntime

@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresAuditSinkTests {
    static func record(_ number: Int) -> AuditRecord {
        AuditRecord(
            event: .call,
            time: Date(timeIntervalSince1970: 1_800_000_000 + Double(number)),
            session: "s-\(number % 3)",
            user: "alice",
            persona: "auditor",
            personaVersion: 1,
            callID: "c-\(number)",
            tool: "search",
            argumentsDigest: "d",
            verdict: number.isMultiple(of: 2) ? .allowed : .denied,
            step: .policy,
            reason: "reason \(number) with 'quotes'",
            durationNanoseconds: 10
        )
    }

    @Test func recordsAreWrittenInBatchesAndReadBackInOrder() async throws {
        try await withTestDatabases { databases in
            let database = try await databases.make()
            let sink = PostgresAuditSink(
                database: database,
                options: .init(flushInterval: .seconds(60), batchRecords: 7)
            )
            for number in 0..<50 { sink.record(Self.record(number)) }
            try await sink.flush()
            let rows = try await database.client.query(
                "SELECT record::text, verdict FROM victor_audit ORDER BY id",
                logger: Logger(label: "test")
            ).collect()
            #expect(rows.count == 50)
            let records = try rows.map { try AuditRecord(jsonLine: try $0.decode((String, String).self).0) }
            #expect(records == (0..<50).map(Self.record))
            try await sink.close()
            sink.record(Self.record(99))
            #expect(sink.droppedRecords == 1)
        }
    }
}
