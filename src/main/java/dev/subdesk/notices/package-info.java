/**
 * Customer notices (emails): stored with the change that caused them, in the same transaction, then
 * delivered over SMTP when a mail server is configured. Every notice ends with how to cancel and the
 * vendor's official support channels (from module channels).
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Notices", allowedDependencies = { "shared", "channels", "events" })
package dev.subdesk.notices;
