/**
 * Products and plans: price, term, seats, the money-back window and which plans an add-on attaches to.
 * Policies are data here, not code paths.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Catalog", allowedDependencies = "shared")
package dev.subdesk.catalog;
