/**
 * True value types shared by every module: money, identifiers, customer-facing numbers, pages and the
 * exception that carries a stable problem code.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Shared kernel", type = org.springframework.modulith.ApplicationModule.Type.OPEN,
		allowedDependencies = {})
package dev.subdesk.shared;
