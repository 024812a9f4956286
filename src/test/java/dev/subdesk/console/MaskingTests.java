package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What an agent reads of a case's text before the caller is verified: the verification answers in it are masked. */
class MaskingTests {

	@Test
	void emailsAndPostcodesInTextAreMaskedWhereverStaffTypedThem() {
		assertThat(Masking.unverifiedText("Sends it from paula.jones@mail.example.org (postcode 10115)."))
			.isEqualTo("Sends it from p***@m***.org (postcode ***).");
		assertThat(Masking.unverifiedText("Billing SW1A 1AA, before that ec1a1bb; Canada K1A 0B1; Dutch 1011 AB; "
				+ "US 94105-1234")).isEqualTo("Billing ***, before that ***; Canada ***; Dutch ***; US ***");
		assertThat(Masking.unverifiedText("Order ORD-AB12-CD34, card ••4242"))
			.isEqualTo("Order ORD-****-****, card ••****");
	}

	@Test
	void numbersAndIdsThatAreNoAnswersStayReadable() {
		String text = "CASE-AB12CD and CXL-1A2B-3C4D, charge ch_12345abc, refund $12345.00 of 12,345.67, "
				+ "App Store purchase 2000000123456789, on 7 Dec 2026, email already masked p***@example.com";
		assertThat(Masking.unverifiedText(text)).isEqualTo(text);
	}
}
