package dev.subdesk.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

	/**
	 * What clients and proxies send as an address: surrounding whitespace, an IPv4 address with its port, an IPv6
	 * address in brackets with or without a port, with a zone id (plain or URI-encoded). The literal is recorded.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "' 203.0.113.7 '|203.0.113.7", "203.0.113.7:443|203.0.113.7",
			"203.0.113.7:0|203.0.113.7", "203.0.113.7:65535|203.0.113.7", "[2001:db8::1]|2001:db8::1",
			"[2001:db8::1]:4711|2001:db8::1", "' [2001:db8::1]:4711\t'|2001:db8::1", "fe80::1%eth0|fe80::1",
			"[fe80::1%eth0]:443|fe80::1", "[fe80::1%25eth0]|fe80::1", "[::ffff:198.51.100.23]:80|::ffff:198.51.100.23",
			"2001:db8::1|2001:db8::1", "203.0.113.7|203.0.113.7", "::1|::1" })
	void aClientAddressIsRecordedAsItsLiteralWithoutPortBracketsOrZone(String given, String recorded) {
		assertThat(ClientEvidence.address(given)).contains(recorded);
	}

	@ParameterizedTest
	@ValueSource(strings = { "hello", "example.com", "localhost", "example.com:443", "hello:80", "203.0.113.256:80",
			"203.0.113.7:", "203.0.113.7:65536", "203.0.113.7:http", "203.0.113.7:443:1", "203.0.113.7%eth0",
			"[203.0.113.7]", "[203.0.113.7]:443", "[2001:db8::1", "2001:db8::1]", "[2001:db8::1]:", "[2001:db8::1]:99999",
			"[2001:db8::1]x", "[[2001:db8::1]]", "[]", "[]:80", "fe80::1%", "fe80::1%eth 0", "hello%eth0",
			"[example.com]:443", "2001:db8:::1", "", "   " })
	void anythingElseGivesNoAddress(String text) {
		assertThat(ClientEvidence.address(text)).isEmpty();
	}

	/** A blank address is no address: nothing is recorded, and nothing refused. */
	@ParameterizedTest
	@ValueSource(strings = { "", " ", "\t" })
	void aBlankClientAddressIsAbsent(String blank) {
		assertThat(consentFrom(blank).ipAddress()).isNull();
	}

	/** What gives no address is kept as given, for {@link Consents#check} to refuse; a literal as its literal. */
	@Test
	void aConsentKeepsTheNormalizedLiteralAndTextThatIsNoAddressAsGiven() {
		assertThat(consentFrom("[2001:db8::1]:4711").ipAddress()).isEqualTo("2001:db8::1");
		assertThat(consentFrom(" 203.0.113.7:443 ").ipAddress()).isEqualTo("203.0.113.7");
		assertThat(consentFrom("hello").ipAddress()).isEqualTo("hello");
		assertThat(ClientEvidence.isAddressLiteral(consentFrom("example.com").ipAddress())).isFalse();
	}

	private static ConsentRequest consentFrom(String ipAddress) {
		return new ConsentRequest("dsc_1", ConsentMethod.CHECKBOX, ConsentChannel.API, ipAddress, null, null);
	}

	@ParameterizedTest
	@ValueSource(strings = { "a\r\nb", "a\nb", "a\tb", "a\u0000", "a\u0085b" })
	void aUserAgentWithABreakIsNotOneLineAndItsExcerptIs(String agent) {
		assertThat(ClientEvidence.isOneLine(agent)).isFalse();
		assertThat(ClientEvidence.isOneLine(dev.subdesk.shared.StorableText.excerpt(agent, 1000))).isTrue();
	}
}
