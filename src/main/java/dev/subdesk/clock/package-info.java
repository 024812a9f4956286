/**
 * The one source of time. Everything asks the {@link java.time.Clock} bean; in demo and test mode it is a
 * {@link dev.subdesk.clock.TestClock} that can be advanced. The {@link dev.subdesk.clock.WallClock} is real time for
 * the one thing another party checks against its own clock (an assertion sent to an external OAuth server); it
 * decides, stamps and shows nothing.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Clock", allowedDependencies = {})
package dev.subdesk.clock;
