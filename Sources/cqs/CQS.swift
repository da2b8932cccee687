import ArgumentParser

/// `cqs`: the ChinhQuyenSo server and its operator commands.
@main
struct CQS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cqs",
        abstract: "ChinhQuyenSo — nền tảng chính quyền số / digital-government platform.",
        subcommands: [
            Serve.self, Migrate.self, Seed.self, UserCommand.self, AgenciesCommand.self, ProceduresCommand.self, PKICommand.self, SignCommand.self,
            VerifyCommand.self, AuditCommand.self, CalendarCommand.self, FakeAxisCommand.self, FakePortalCommand.self, BackupCommand.self,
            RestoreCommand.self, StatisticsSQL.self, FilesCommand.self,
        ],
        defaultSubcommand: Serve.self
    )
}
