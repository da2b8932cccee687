import SQLKit
import Storage

/// Schema of the identity context.
public enum IdentityMigrations {
    public static let all: [Migration] = [
        Migration(context: "identity", version: 1, name: "users, roles, sessions, secrets") { db, _ in
            try await db.create(table: "users")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("username", type: .text, .notNull, .unique)
                .column("password_hash", type: .text, .notNull)
                .column("full_name", type: .text, .notNull)
                .column("kind", type: .text, .notNull)
                .column("phone", type: .text)
                .column("email", type: .text)
                .column("citizen_id", type: .text)
                .column("agency_identifier", type: .text)
                .column("department_code", type: .text)
                .column("status", type: .text, .notNull)
                .column("failed_logins", type: .int, .notNull)
                .column("locked_until", type: .bigint)
                .column("created_at", type: .bigint, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "users_agency").on("users").column("agency_identifier").run()
            try await db.create(table: "user_roles")
                .column("user_id", type: .bigint, .notNull)
                .column("role", type: .text, .notNull)
                .primaryKey("user_id", "role")
                .run()
            try await db.create(table: "sessions")
                .column("token_hash", type: .text, .primaryKey(autoIncrement: false))
                .column("user_id", type: .bigint, .notNull)
                .column("csrf_token", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "sessions_user").on("sessions").column("user_id").run()
            try await db.create(table: "secrets")
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("value", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
        },
        // Signing out revokes the account's API tokens issued before (checked on each request).
        Migration(context: "identity", version: 2, name: "token revocation at sign-out") { db, _ in
            try await db.alter(table: "users").column("tokens_revoked_at", type: .bigint).run()
        },
        // Registrations waiting for their one-time code (the account exists only once confirmed).
        Migration(context: "identity", version: 3, name: "pending registrations") { db, _ in
            try await db.create(table: "registrations")
                .column("username", type: .text, .primaryKey(autoIncrement: false))
                .column("password_hash", type: .text, .notNull)
                .column("full_name", type: .text, .notNull)
                .column("phone", type: .text)
                .column("email", type: .text)
                .column("citizen_id", type: .text)
                .column("code_hash", type: .text, .notNull)
                .column("attempts", type: .int, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
        },
        // Password resets waiting for their one-time code.
        Migration(context: "identity", version: 4, name: "password resets") { db, _ in
            try await db.create(table: "password_resets")
                .column("username", type: .text, .primaryKey(autoIncrement: false))
                .column("code_hash", type: .text, .notNull)
                .column("attempts", type: .int, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
        },
        // Once-only form posts (`FormSubmissions`).
        Migration(context: "identity", version: 5, name: "form submissions") { db, _ in
            try await db.create(table: "form_submissions")
                .column("token_hash", type: .text, .primaryKey(autoIncrement: false))
                .column("owner", type: .text, .notNull)
                .column("location", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "form_submissions_owner").on("form_submissions").column("owner").column("created_at").run()
        },
        // Sessions name their device and address (the account page lists them); a new phone or
        // e-mail waits for the code sent to it.
        Migration(context: "identity", version: 6, name: "session devices, contact changes") { db, _ in
            try await db.alter(table: "sessions").column("device", type: .text).run()
            try await db.alter(table: "sessions").column("client_address", type: .text).run()
            try await db.create(table: "contact_changes")
                .column("username", type: .text, .primaryKey(autoIncrement: false))
                .column("contact", type: .text, .notNull)
                .column("code_hash", type: .text, .notNull)
                .column("attempts", type: .int, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
        },
        // Rate limits and sign-in throttling in the database, so that every node of a cluster
        // counts the same attempts (keys hashed).
        Migration(context: "identity", version: 7, name: "shared rate limits") { db, _ in
            try await db.create(table: "rate_limit_events")
                .column("bucket", type: .text, .notNull)
                .column("key_hash", type: .text, .notNull)
                .column("at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "rate_limit_events_key").on("rate_limit_events").column("bucket").column("key_hash").column("at").run()
            try await db.create(index: "rate_limit_events_at").on("rate_limit_events").column("bucket").column("at").run()
            try await db.create(table: "login_failures")
                .column("key_hash", type: .text, .primaryKey(autoIncrement: false))
                .column("failures", type: .int, .notNull)
                .column("last_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "login_failures_last").on("login_failures").column("last_at").run()
        },
    ]
}
