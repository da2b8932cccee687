/// View models of the portal pages: home, working calendar and the administration lists.
enum PortalViews {
    /// The home page's figures.
    struct Home {
        let agencyCount: Int
        let communeCount: Int
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

    /// The agency directory's administration list.
    struct Agencies {
        struct Row {
            let identifier: String
            let name: String
            let shortName: String
            let parentIdentifier: String
            let parentName: String
            let kind: String
        }

        let agencies: [Row]
        let q: String
        let nextCursor: String?
    }
}
