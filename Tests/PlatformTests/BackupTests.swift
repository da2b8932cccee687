import Core
import Documents
import Dossiers
import Foundation
import Logging
import Server
import Storage
import Testing

/// `cqs backup` / `cqs restore` on the engine under test: a populated database and its
/// attachments round-trip, damage is detected before anything is restored, and what changed
/// after the backup is gone afterwards.
@Suite struct BackupTests {
    @Test func backupAndRestoreRoundTripWithChecksums() async throws {
        let (config, schema, cleanup) = try await TestEnvironment.makeConfig()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-backup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let platform = try Platform(config: config, logger: TestEnvironment.logger, schema: schema)
            let applicant = Applicant(fullName: "Nguyễn Thị Dân", kind: 1, phone: "0912345678")
            let (manifest, code, later) = try await platform.database.withRunning { _ -> (BackupManifest, String, String) in
                try await platform.migrate()
                try await platform.seed(demo: true)
                let citizen = try #require(try await platform.accounts.account(username: "0912345678")).principal
                let dossier = try await platform.dossiers.create(
                    NewDossier(procedureCode: "1.004227", agencyIdentifier: "000.46.50.H19", applicant: applicant),
                    attachments: try await requiredFiles(platform, "1.004227"),
                    by: citizen,
                    requestID: nil
                )
                let clerk = try #require(try await platform.accounts.account(username: "vanthu.nnmt")).principal
                let document = try await platform.documents.registerIncoming(
                    NewIncoming(
                        senderName: "Bộ Xây dựng",
                        codeNumber: "12",
                        documentDate: VietnamTime.today(),
                        typeCode: "CV",
                        subject: "Sao lưu"
                    ),
                    by: clerk,
                    requestID: nil
                )
                _ = try await platform.documents.attach(DocumentTests.pdf, name: "scan.pdf", to: document.id, by: clerk, requestID: nil)
                let manifest = try await Backup.create(
                    platform.database,
                    url: config.databaseURL,
                    schema: schema,
                    filesRoot: platform.filesRoot,
                    to: folder
                )
                // After the backup: a new dossier, and a file lost from the store.
                let later = try await platform.dossiers.create(
                    NewDossier(procedureCode: "1.004227", agencyIdentifier: "000.46.50.H19", applicant: applicant),
                    attachments: try await requiredFiles(platform, "1.004227"),
                    by: citizen,
                    requestID: nil
                )
                for relative in manifest.files.keys { try FileManager.default.removeItem(at: platform.filesRoot.appendingPathComponent(relative)) }
                return (manifest, dossier.code, later.code)
            }
            #expect(manifest.tables["dossiers"] == 1 && manifest.tables["documents"] == 1 && manifest.files.count >= 2)
            #expect(try Backup.verify(folder) == manifest)
            // A damaged copy is refused before anything is touched.
            let damaged = folder.appendingPathExtension("damaged")
            defer { try? FileManager.default.removeItem(at: damaged) }
            try FileManager.default.copyItem(at: folder, to: damaged)
            let victim = damaged.appendingPathComponent("files").appendingPathComponent(try #require(manifest.files.keys.sorted().first))
            try Data("tampered".utf8).write(to: victim)
            #expect(throws: StorageError.self) { try Backup.verify(damaged) }
            // Restore, then the data is as it was at backup time.
            _ = try await Backup.restore(
                from: folder,
                url: config.databaseURL,
                schema: schema,
                filesRoot: platform.filesRoot,
                logger: TestEnvironment.logger
            )
            let restored = try Platform(config: config, logger: TestEnvironment.logger, schema: schema)
            try await restored.database.withRunning { _ in
                let staff = try #require(try await restored.accounts.account(username: "chuyenvien.bienhoa")).principal
                let detail = try await restored.dossiers.detail(code, for: staff)
                let (_, bytes) = try await restored.dossiers.file(try #require(detail.attachments.first).id, of: code, for: staff)
                #expect(bytes == DossierStoreTests.pdf)
                await expectRefusal(.notFound("dossier")) { try await restored.dossiers.detail(later, for: staff) }
                #expect(try await rowCount("dossiers", restored.database) == 1)
            }
            await cleanup()
        } catch {
            await cleanup()
            throw error
        }
    }
}
