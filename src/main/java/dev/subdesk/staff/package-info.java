/**
 * The staff accounts of the agent console (AGENT, SUPERVISOR, ADMIN) in {@code staff_users}: usernames and the
 * names the system reserves for itself, passwords (only the Argon2 hash is kept, at least 12 characters), enable
 * and disable, the session version a new password or a disable raises, the sign-in lockout per username and
 * client address ({@code staff_sign_in_failures}), the bound on wrong passwords typed again in one signed-in session
 * ({@code staff_password_reentries}), and the demo users and bootstrap ADMIN written at start-up. The
 * console only translates: it adapts these accounts to Spring Security and keeps the session version in the
 * session.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Staff accounts", allowedDependencies = { "shared" })
package dev.subdesk.staff;
