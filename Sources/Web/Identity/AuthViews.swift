/// View models of the sign-in, registration and password-reset pages.
enum AuthViews {
    /// The sign-in form.
    struct Login {
        var next: String
        var resetDone = false
        var username = ""
        var error: String?
    }

    /// The registration form as the user filled it in.
    struct Registration {
        let fullName: String
        let phoneOrEmail: String
        let citizenId: String
    }

    /// The one-time-code form after registration.
    struct RegistrationCode {
        let phoneOrEmail: String
    }

    /// The password-reset forms (asking for a code, then the code and the new password).
    struct PasswordReset {
        let username: String
    }
}
