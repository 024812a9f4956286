/**
 * Products and plans: prices (a base price and more currencies), term, seats, the money-back window, which plans an
 * add-on attaches to, the retention offer, and whether a plan is still sold. Policies are data here, not code paths.
 * {@link dev.subdesk.catalog.Catalog} is each node's in-memory copy, kept in step through the {@code catalog_version}
 * row; {@link dev.subdesk.catalog.CatalogAdmin} makes the vendor's changes.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Catalog", allowedDependencies = "shared")
package dev.subdesk.catalog;
