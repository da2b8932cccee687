import SQLKit
import Storage

/// Schema of the signatures context.
public enum PKIMigrations {
    public static let all: [Migration] = [
        Migration(context: "signatures", version: 1, name: "certificates and revocations") { db, _ in
            try await db.create(table: "pki_certificates")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("serial", type: .text, .notNull, .unique)
                .column("kind", type: .text, .notNull)
                .column("owner", type: .text)
                .column("subject", type: .text, .notNull)
                .column("pem", type: .text, .notNull)
                .column("encrypted_key", type: .text)
                .column("not_before", type: .bigint, .notNull)
                .column("not_after", type: .bigint, .notNull)
                .column("revoked_at", type: .bigint)
                .column("revocation_reason", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "pki_certificates_owner").on("pki_certificates").column("owner").run()
        },
        // Whom a signing certificate speaks for: the agency of a staff certificate (an agency
        // certificate's owner is its agency), so that a package's signer can be bound to its sender.
        Migration(context: "signatures", version: 2, name: "certificate agency") { db, _ in
            try await db.alter(table: "pki_certificates").column("agency", type: .text).run()
            try await db.raw("UPDATE pki_certificates SET agency = owner WHERE kind = 'agency'").run()
        },
    ]
}
