/// View models of the portal pages: home and working calendar.
enum PortalViews {
    /// The home page's figures.
    struct Home {
        struct Procedure {
            let code: String
            let name: String
        }

        let agencyCount: Int
        let communeCount: Int
        let popular: [Procedure]
        /// The one-stop office visitors are sent to, its address, hotline and e-mail.
        let office: String?
        let address: String?
        let hotline: String?
        let email: String?
        let hours: String
    }

    /// A year of the working calendar.
    struct Calendar {
        struct Day {
            let date: String
            let iso: String
            let name: String
            let kind: String
            let removable: Bool
        }

        let year: Int
        let days: [Day]
        let previousYear: Int
        let nextYear: Int
        let canEdit: Bool
    }
}
