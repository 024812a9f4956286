package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The public receipt page answers JSON only when the Accept header prefers it to HTML. */
class ReceiptPageNegotiationTests {

	@Test
	void aBrowserGetsTheHtmlPage() {
		assertThat(ReceiptPageController
			.prefersJson("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8")).isFalse();
		assertThat(ReceiptPageController.prefersJson(null)).isFalse();
		assertThat(ReceiptPageController.prefersJson("*/*")).isFalse();
		assertThat(ReceiptPageController.prefersJson("text/html, application/json")).isFalse();
	}

	@Test
	void aClientThatPrefersJsonGetsTheSignedReceipt() {
		assertThat(ReceiptPageController.prefersJson("application/json")).isTrue();
		assertThat(ReceiptPageController.prefersJson("application/json, text/html;q=0.5")).isTrue();
		assertThat(ReceiptPageController.prefersJson("application/*, text/*;q=0.2")).isTrue();
		assertThat(ReceiptPageController.prefersJson("application/json;q=.5, text/html;q=0.45")).isTrue();
	}

	@Test
	void anUnreadableAcceptHeaderGetsTheHtmlPage() {
		assertThat(ReceiptPageController.prefersJson("application/json;q=lots")).isFalse();
		assertThat(ReceiptPageController.prefersJson("nonsense")).isFalse();
	}
}
