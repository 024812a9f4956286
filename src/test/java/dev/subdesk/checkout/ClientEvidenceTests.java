package dev.subdesk.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientEvidenceTests {

	@ParameterizedTest
	@ValueSource(strings = { "203.0.113.7", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::", "::1", "fe80::",
			"2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:198.51.100.23", "64:ff9b::203.0.113.7", "1:2:3:4:5:6:7::" })
	void addressLiteralsAreEvidence(String address) {
		assertThat(ClientEvidence.isAddressLiteral(address)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "hello", "localhost", "example.test", "deadbeef", "203.0.113", "203.0.113.256",
			"203.0.113.07", "1.2.3.4.5", "2001:db8:::1", "2001:db8::1::2", ":1", "1:", "1:2:3:4:5:6:7:8:9",
			"1:2:3:4:5:6:7", "12345::1", "fe80::1%eth0", "[::1]", "::1.2.3", "1.2.3.4::", " 203.0.113.7", "" })
	void anythingElseIsNot(String text) {
		assertThat(ClientEvidence.isAddressLiteral(text)).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "a\r\nb", "a\nb", "a\tb", "a\u0000", "a\u0085b" })
	void aUserAgentWithABreakIsNotOneLineAndItsExcerptIs(String agent) {
		assertThat(ClientEvidence.isOneLine(agent)).isFalse();
		assertThat(ClientEvidence.isOneLine(dev.subdesk.shared.StorableText.excerpt(agent, 1000))).isTrue();
	}
}
