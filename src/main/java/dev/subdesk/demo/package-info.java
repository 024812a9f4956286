/**
 * Demo mode only: a few demo customers with subscriptions seeded at start-up, and a mailbox page where every notice
 * can be read (so a newcomer's emailed sign-in code is one click away). Nothing here exists in production mode: the
 * beans are conditional on {@code subdesk.demo-mode=true}, so {@code /demo/**} answers 404 there.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Demo data and mailbox",
		allowedDependencies = { "shared", "accounts", "subscriptions", "notices", "checkout" })
package dev.subdesk.demo;
