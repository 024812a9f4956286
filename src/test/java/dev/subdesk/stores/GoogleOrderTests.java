package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Google Play order ids: a purchase's first order, and its renewals' {@code ..n}. */
class GoogleOrderTests {

	@Test
	void aRenewalIsAfterTheFirstOrderAndEarlierRenewalsOfTheSamePurchaseOnly() {
		String first = "GPA.1234-5678-9012-34567";
		assertThat(StoreSync.GoogleOrder.after(first + "..0", first)).isTrue();
		assertThat(StoreSync.GoogleOrder.after(first + "..11", first + "..2")).isTrue();
		assertThat(StoreSync.GoogleOrder.after(first + "..2", first + "..11")).isFalse();
		assertThat(StoreSync.GoogleOrder.after(first, first + "..0")).isFalse();
		assertThat(StoreSync.GoogleOrder.after(first, first)).isFalse();
		assertThat(StoreSync.GoogleOrder.after("GPA.9999-5678-9012-34567..5", first + "..0"))
			.as("another purchase's order").isFalse();
		assertThat(StoreSync.GoogleOrder.of("GPA.1..x")).isEqualTo(new StoreSync.GoogleOrder("GPA.1..x", -1));
	}
}
