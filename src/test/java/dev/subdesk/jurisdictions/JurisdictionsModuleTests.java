package dev.subdesk.jurisdictions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ModuleTest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestPropertySource;

/** The module boots alone: the rule table from the classpath, with a compliance switch of the configuration. */
@ModuleTest
@TestPropertySource(properties = "subdesk.compliance.de-termination-without-notice=true")
class JurisdictionsModuleTests {

	@Autowired
	Jurisdictions jurisdictions;

	@Autowired
	ApplicationContext context;

	@Test
	void theModuleBootsAloneWithTheTableAndTheConfiguredSwitches() {
		assertThat(jurisdictions.forCustomer("DE", null).terminationWithoutNotice()).isTrue();
		assertThat(jurisdictions.forCustomer("FR", null).terminationWithoutNotice()).isFalse();
		assertThat(jurisdictions.forCustomer("US", "CA").separateConsentCheckbox()).isTrue();
		assertThat(Arrays.stream(context.getBeanDefinitionNames())
			.map(context::getType)
			.filter(type -> type != null && type.getPackageName().startsWith("dev.subdesk."))
			.map(Class::getPackageName)
			.distinct()).as("the packages of the application's beans").containsOnly("dev.subdesk.jurisdictions");
	}
}
