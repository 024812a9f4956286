package dev.subdesk.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.TestPropertySource;

/**
 * The application with the compliance switches that are off by default turned on (R-DE-6 termination without
 * notice, R-CARD-3 pre-billing notices, R-UK-2/R-UK-5 the UK's subscription rules). Its own application context, shared by every class carrying this
 * annotation; all other tests run with the switches off.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@TestPropertySource(properties = { "subdesk.compliance.de-termination-without-notice=true",
		"subdesk.compliance.pre-billing-notice=true", "subdesk.compliance.uk-subscription-rules=true" })
public @interface ComplianceSwitchesOn {
}
