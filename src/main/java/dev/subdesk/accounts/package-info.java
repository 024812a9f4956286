/**
 * Customers and their payment methods (gateway tokens only). Closing an account erases its personal data
 * and keeps the financial records.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Accounts", allowedDependencies = { "shared", "events", "payments" })
package dev.subdesk.accounts;
