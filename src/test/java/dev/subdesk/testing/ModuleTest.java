package dev.subdesk.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;
import org.springframework.modulith.test.ApplicationModuleTest;
import org.springframework.test.context.TestPropertySource;

/**
 * A module booted alone ({@link ApplicationModuleTest}: only its own beans, and those of {@link #extraIncludes}),
 * on the application's infrastructure: a fresh embedded PostgreSQL in a temporary directory, the test clock, no
 * scheduled job before an hour and no demo customers. What it proves is that the module's beans need nothing from
 * the modules it does not declare.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ApplicationModuleTest
@TestPropertySource(properties = { "subdesk.data-dir=${java.io.tmpdir}/subdesk-tests/${random.uuid}", "subdesk.data-dir-disposable=true",
		"subdesk.clock.test-clock=true", "subdesk.jobs.initial-delay=PT1H", "subdesk.demo.seed=false",
		"logging.level.dev.subdesk=WARN" })
public @interface ModuleTest {

	/** Other modules to boot with this one (by name, such as {@code clock}). */
	@AliasFor(annotation = ApplicationModuleTest.class, attribute = "extraIncludes")
	String[] extraIncludes() default {};
}
