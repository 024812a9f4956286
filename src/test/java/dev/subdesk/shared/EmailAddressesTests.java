package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * What a mail header makes of an address Subdesk accepts: exactly that one mailbox, with no name beside it, so text
 * typed around someone's address never reaches their mailbox and one address never becomes several recipients.
 */
class EmailAddressesTests {

	@Property(tries = 3000)
	void anAcceptedAddressIsReadByAMailHeaderAsItselfAlone(@ForAll("candidates") String candidate)
			throws AddressException {
		boolean accepted = EmailAddresses.plain(candidate);
		Statistics.collect(accepted);
		Statistics.coverage(checker -> checker.check(true).percentage(p -> p > 10));
		if (!accepted) {
			return;
		}
		// not strict: only how the header splits it counts here, not which characters a domain may have
		InternetAddress[] read = InternetAddress.parseHeader(candidate, false);
		assertThat(read).hasSize(1);
		assertThat(read[0].getAddress()).isEqualTo(candidate);
		assertThat(read[0].getPersonal()).isNull();
	}

	@Provide
	Arbitrary<String> candidates() {
		// the characters that make a header read a name, a comment, a quote, a route or a list, among ordinary ones
		Arbitrary<String> ordinary = Arbitraries.strings().withChars("abcXYZ019").ofMinLength(1).ofMaxLength(8);
		Arbitrary<String> mixed = Arbitraries.strings()
			.withChars("abcXYZ019.-+_'!#<>()[],;:\"\\ @")
			.ofMinLength(1)
			.ofMaxLength(12);
		Arbitrary<String> part = Arbitraries.oneOf(ordinary, mixed);
		return Combinators.combine(part, part, Arbitraries.of("com", "example", "co.uk", "c)", "com>", "com,x"))
			.as((local, domain, tld) -> local + "@" + domain + "." + tld);
	}

	@Example
	void ordinaryAddressesAreAccepted() {
		assertThat(EmailAddresses.plain("erika.mustermann@example.com")).isTrue();
		assertThat(EmailAddresses.plain("Ann.O'Neil+subdesk@mail.example.co.uk")).isTrue();
		assertThat(EmailAddresses.plain("jürgen@müller.example")).isTrue();
		assertThat(EmailAddresses.plain("jose\u0301@example.com")).as("a letter written with a combining mark").isTrue();
		assertThat(EmailAddresses.plain("राम@उदाहरण.भारत")).as("Devanagari, marks included").isTrue();
		assertThat(EmailAddresses.plain("x@sub_host.example.com")).isTrue();
	}

	@Example
	void whatAHeaderReadsAsMoreThanOneBareMailboxIsRefused() {
		for (String text : new String[] { "Call 555-0199 <victim@example.com>", "Refunds<victim@example.com>",
				"victim@example.com,other.example", "victim@example.com, other@example.com",
				"victim@example.com (call 555)", "\"call 555\"@example.com", "a@b.c)", "<victim@example.com>",
				"a..b@example.com", ".a@example.com", "a.@example.com", "a@example.com.", "a@-example.com",
				"a@[192.0.2.1]", "a@localhost", "erased+acct_01ABC@invalid", "a b@example.com", "@example.com", "a@", "",
				"x".repeat(65) + "@example.com", "a@" + "b".repeat(250) + ".com" }) {
			assertThat(EmailAddresses.plain(text)).as(text).isFalse();
		}
		assertThat(EmailAddresses.plain(null)).isFalse();
	}

	@Example
	void mailIsSentToAnAddressAHeaderReadsAsOneMailboxEvenIfItIsNotPlain() {
		// stored before the rule was strict: still a single mailbox, so its holder still gets their mail
		for (String text : new String[] { "a..b@example.com", "a@localhost", "x@[192.0.2.1".replace("[", "") }) {
			assertThat(EmailAddresses.headerSafe(text)).as(text).isTrue();
		}
		for (String text : new String[] { "Call 555-0199 <victim@example.com>", "Refunds<victim@example.com>",
				"victim@example.com,other@example.com", "victim@example.com (call)", "\"x\"@example.com",
				"a@b@example.com", "victim@example.com\r\nBcc: other@example.com", "@example.com", "a@",
				"victim@example.com\u2028" }) {
			assertThat(EmailAddresses.headerSafe(text)).as(text).isFalse();
		}
	}

	@Property(tries = 2000)
	void aPlainAddressIsHeaderSafe(@ForAll("candidates") String candidate) {
		if (EmailAddresses.plain(candidate)) {
			assertThat(EmailAddresses.headerSafe(candidate)).isTrue();
		}
	}
}
