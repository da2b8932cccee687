/// View models of the procedure catalogue's pages.
enum ProcedureViews {
    /// The search page and its results.
    struct Search {
        struct Field {
            let code: String
            let name: String
            let count: Int
            let selected: Bool
        }

        struct Level {
            let value: String
            let name: String
            let selected: Bool
        }

        struct Item {
            let code: String
            let name: String
            let field: String
            let days: String
            let level: String
            let fullyOnline: Bool
        }

        let q: String
        let fields: [Field]
        let levels: [Level]
        let items: [Item]
        /// How many were found, in words.
        let found: String
        let next: String?
        let searched: Bool
    }

    /// One procedure: what to submit, fees, steps and legal basis.
    struct Detail {
        struct Document {
            let name: String
            let required: Bool
            let copies: String
            let form: String?
        }

        struct Fee {
            let name: String
            let amount: String
        }

        struct Step {
            let number: Int
            let name: String
            let agency: String
            let days: String
            let role: String
        }

        let code: String
        let name: String
        let field: String
        let days: String
        let level: String
        let online: Bool
        let agency: String
        let documents: [Document]
        let fees: [Fee]
        let noFees: Bool
        let counter: Bool
        let result: String
        let legal: String
        let steps: [Step]
        let interAgency: Bool
        let cutoff: String?
    }
}
