/**
 * The consumer-law rules as data: which notices go out and how many days ahead, whether express consent is
 * required before a charge, whether retention offers may be made, the withdrawal period, termination without
 * notice. One table ({@code classpath:jurisdictions/rules.json}) per country or region, with the compliance
 * switches ({@code subdesk.compliance.*}) folded in; the other modules ask {@link dev.subdesk.jurisdictions.Jurisdictions}
 * instead of naming countries themselves.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Jurisdictions", allowedDependencies = "shared")
package dev.subdesk.jurisdictions;
