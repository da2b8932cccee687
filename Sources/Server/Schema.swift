import Audit
import Delivery
import Directory
import DocumentExchange
import Documents
import Dossiers
import Identity
import Procedures
import Reporting
import Signatures
import Storage

/// Every context's migrations, in dependency order.
public enum Schema {
    public static let migrations: [Migration] =
        StorageMigrations.all + AuditMigrations.all + OutboxMigrations.all + DirectoryMigrations.all + IdentityMigrations.all
        + ProcedureMigrations.all
        + DossierMigrations.all + PKIMigrations.all + ExchangeMigrations.all + DocumentMigrations.all
        + ReportingMigrations.all
}
