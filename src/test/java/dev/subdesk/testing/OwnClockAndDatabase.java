package dev.subdesk.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.TestPropertySource;

/**
 * The shared application of {@link SubdeskIntegrationTest} on an embedded database and test clock of their own, one
 * application context shared by every class carrying this annotation. For the classes that advance the test clock by
 * years, again and again: an advance runs every job due on the way, of every subscription in its database, so on the
 * database all other classes share it renews, reminds and notifies, instant by instant, everything the classes run
 * before it left behind (a year's advance there took 30-75 s in the full build, against 1-15 s here). The property
 * does nothing but give these classes their own context; the application is otherwise the same.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@TestPropertySource(properties = "subdesk-tests.context=own-clock-and-database")
public @interface OwnClockAndDatabase {
}
