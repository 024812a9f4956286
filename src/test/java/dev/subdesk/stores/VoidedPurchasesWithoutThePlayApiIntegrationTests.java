package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Without a service account key (the sandbox Play API, as the shared test server has it) there is no voided
 * purchases' list to read: {@link VoidedPurchases} does nothing and keeps no cursor.
 */
class VoidedPurchasesWithoutThePlayApiIntegrationTests extends ApiIntegrationTest {

	@Autowired
	VoidedPurchases voidedPurchases;

	@Autowired
	JdbcClient jdbc;

	@Test
	void withoutTheDeveloperApiTheVoidedPurchasesAreNotPolled() {
		assertThat(voidedPurchases.run().result()).isEqualTo("OFF");
		assertThat(jdbc.sql("SELECT count(*) FROM store_voided_cursors").query(Integer.class).single()).isZero();
	}
}
