/**
 * The one source of time. Everything asks the {@link java.time.Clock} bean; in demo and test mode it is a
 * {@link dev.subdesk.clock.TestClock} that can be advanced.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Clock", allowedDependencies = {})
package dev.subdesk.clock;
