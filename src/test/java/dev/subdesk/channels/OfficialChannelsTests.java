package dev.subdesk.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.channels.OfficialChannelsProperties.PhoneLine;
import dev.subdesk.channels.Verdict.Advice;
import dev.subdesk.shared.SubdeskException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The check against impersonators, as a table of tricky inputs: national and international spellings of the
 * official numbers, look-alike hosts, user-info, ports, upper case, IDN and percent-encodings, and email senders
 * whose display name says one thing and whose address another.
 */
class OfficialChannelsTests {

	/**
	 * The demo vendor's channels (application.properties) with a second line, for the UK and Ireland, as the
	 * integration tests of several lines add it (testing.SecondSupportLine).
	 */
	static OfficialChannels acme() {
		return new OfficialChannels(new OfficialChannelsProperties(
				List.of(new PhoneLine("+1 202-555-0142", "Acme support (US and Canada)", List.of("US", "CA")),
						new PhoneLine("+44 20 7946 0321", "Acme support (UK and Ireland)", List.of("GB", "IE"))),
				List.of("acme.example"), List.of("acme.example"), "support@acme.example", "US"));
	}

	private final OfficialChannels channels = acme();

	@ParameterizedTest(name = "{0} in {1} -> official={2} as {3}")
	@CsvSource(delimiter = '|', nullValues = "-", textBlock = """
			+1 202-555-0142              | -  | true  | +12025550142
			+12025550142                 | -  | true  | +12025550142
			(202) 555-0142               | -  | true  | +12025550142
			202.555.0142                 | -  | true  | +12025550142
			1-202-555-0142               | -  | true  | +12025550142
			1 (202) 555-0142             | us | true  | +12025550142
			011 1 202 555 0142           | US | true  | +12025550142
			001 202 555 0142             | DE | true  | +12025550142
			00 1 202 555 0142            | GB | true  | +12025550142
			+1 (202) 555-0142            | GB | true  | +12025550142
			＋１ ２０２ ５５５ ０１４２          | -  | true  | +12025550142
			+1 202-555-0143              | -  | false | +12025550143
			+1 202-555-0124              | -  | false | +12025550124
			(800) 555-0142               | -  | false | +18005550142
			202-555-0142                 | GB | false | +442025550142
			+44 20 7946 0321             | -  | true  | +442079460321
			+44 (0)20 7946 0321          | -  | true  | +442079460321
			020 7946 0321                | GB | true  | +442079460321
			0044 20 7946 0321            | DE | true  | +442079460321
			+44 20 7946 0312             | -  | false | +442079460312
			+49 30 2025550142            | -  | false | +49302025550142
			+1 202-555-0142 ext. 9       | -  | true  | +12025550142
			+1 202 555 0142 x12          | -  | true  | +12025550142
			+1 202 555 0142 #9           | -  | true  | +12025550142
			0044 20 7946 0321            | -  | true  | +442079460321
			+1 800 FLOWERS               | -  | false | +18003569377
			""")
	void aPhoneNumberIsOfficialWhenItsE164FormIsAConfiguredLine(String phone, @Nullable String country,
			boolean official, String normalized) {
		Verdict verdict = channels.checkPhone(phone, country);
		assertThat(verdict.official()).as(phone).isEqualTo(official);
		assertThat(verdict.kind()).isEqualTo(Verdict.Kind.PHONE);
		assertThat(verdict.normalized()).isEqualTo(normalized);
		assertThat(verdict.advice()).isEqualTo(official ? Advice.OFFICIAL_PHONE : Advice.NOT_OFFICIAL_PHONE);
		if (official) {
			assertThat(verdict.label()).startsWith("Acme support (");
		}
		else {
			assertThat(verdict.label()).isNull();
		}
	}

	@Test
	void anOfficialNumberCarriesItsConfiguredLabel() {
		assertThat(channels.checkPhone("020 7946 0321", "GB").label()).isEqualTo("Acme support (UK and Ireland)");
		assertThat(channels.checkPhone("(202) 555-0142", null).label()).isEqualTo("Acme support (US and Canada)");
	}

	@ParameterizedTest(name = "{0} in {1} is refused on {2}")
	@CsvSource(delimiter = '|', nullValues = "-", textBlock = """
			hello                        | -   | phone
			''                           | -   | phone
			12                           | -   | phone
			+                            | -   | phone
			+1 202 555 O142              | -   | phone
			+1 202 555 01A42             | -   | phone
			+1 202 555 0A1B42            | -   | phone
			+1 202 555 01A42 extn 1      | -   | phone
			+1 202 555 01A42 anexo 1     | -   | phone
			+1 202 555 01A42 ;ext=1      | -   | phone
			020 7946 0321                | -   | phone
			+1 202-555-0142              | ZZ  | country
			+1 202-555-0142              | USA | country
			""")
	void whatIsNotAPossibleNumberIsABadRequestOnItsField(String phone, @Nullable String country, String field) {
		assertThatThrownBy(() -> channels.checkPhone(phone, country)).isInstanceOfSatisfying(SubdeskException.class,
				e -> {
					assertThat(e.status()).isEqualTo(400);
					assertThat(e.errors()).extracting(SubdeskException.FieldError::field).containsExactly(field);
				});
	}

	@ParameterizedTest(name = "{0} -> official={1} as {2}")
	@CsvSource(delimiter = '|', textBlock = """
			https://acme.example                      | true  | acme.example             | OFFICIAL_URL
			acme.example                              | true  | acme.example             | OFFICIAL_URL
			https://www.acme.example/help?x=1         | true  | www.acme.example         | OFFICIAL_URL
			http://help.eu.acme.example/              | true  | help.eu.acme.example     | OFFICIAL_URL
			HTTPS://ACME.EXAMPLE/Help                 | true  | acme.example             | OFFICIAL_URL
			https://acme.example:8443/cancel          | true  | acme.example             | OFFICIAL_URL
			acme.example:8080/path                    | true  | acme.example             | OFFICIAL_URL
			https://acme.example./                    | true  | acme.example             | OFFICIAL_URL
			//acme.example/x                          | true  | acme.example             | OFFICIAL_URL
			https://%61cme.example/                   | true  | acme.example             | OFFICIAL_URL
			https://ａｃｍｅ.example/                     | true  | acme.example             | OFFICIAL_URL
			https://acme.example#@evil.test           | true  | acme.example             | OFFICIAL_URL
			https://acme.example?@evil.test           | true  | acme.example             | OFFICIAL_URL
			https://acme.example.evil.test/           | false | acme.example.evil.test   | NOT_OFFICIAL_URL
			https://acme.example.evil.test:443/       | false | acme.example.evil.test   | NOT_OFFICIAL_URL
			https://acme-example.test                 | false | acme-example.test        | NOT_OFFICIAL_URL
			https://evilacme.example                  | false | evilacme.example         | NOT_OFFICIAL_URL
			https://acme.examples                     | false | acme.examples            | NOT_OFFICIAL_URL
			https://acme%2Eexample.evil.test/         | false | acme.example.evil.test   | NOT_OFFICIAL_URL
			https://аcme.example/                     | false | xn--cme-5cd.example      | NOT_OFFICIAL_URL
			https://xn--cme-5cd.example/              | false | xn--cme-5cd.example      | NOT_OFFICIAL_URL
			https://xn--acme-example-9db.test         | false | xn--acme-example-9db.test | NOT_OFFICIAL_URL
			https://evil.test\\@acme.example          | false | evil.test                | URL_WITH_USER_INFO
			https://acme.example\\@evil.test/         | false | acme.example             | URL_WITH_USER_INFO
			https://192.0.2.10/acme.example           | false | 192.0.2.10               | NOT_OFFICIAL_URL
			https://[2001:db8::1]/acme.example        | false | [2001:db8::1]            | NOT_OFFICIAL_URL
			https://acme.example@evil.test/           | false | evil.test                | URL_WITH_USER_INFO
			acme.example@evil.test                    | false | evil.test                | URL_WITH_USER_INFO
			https://acme.example%2F@evil.test         | false | evil.test                | URL_WITH_USER_INFO
			https://support:secret@acme.example/      | false | acme.example             | URL_WITH_USER_INFO
			""")
	void aWebAddressIsOfficialWhenItsHostIsAConfiguredDomainOrASubdomainOfOne(String url, boolean official,
			String normalized, Advice advice) {
		Verdict verdict = channels.checkUrl(url.replace("\\\\", "\\"));
		assertThat(verdict.official()).as(url).isEqualTo(official);
		assertThat(verdict.kind()).isEqualTo(Verdict.Kind.URL);
		assertThat(verdict.normalized()).as(url).isEqualTo(normalized);
		assertThat(verdict.advice()).as(url).isEqualTo(advice);
		assertThat(verdict.label()).isNull();
	}

	@Test
	void aHostABrowserReadsOtherwiseThanIdna2003IsNeverOfficialAndStillGetsAWarning() {
		OfficialChannels assist = new OfficialChannels(new OfficialChannelsProperties(List.of(),
				List.of("assist.example"), List.of("assist.example"), null, "US"));
		// IDNA 2003 maps ß to ss; a browser keeps it, and goes to a name anyone can register
		for (String url : List.of("https://aßist.example/login", "https://assist\u200d.example/",
				"https://www.aßist.example/")) {
			Verdict verdict = assist.checkUrl(url);
			assertThat(verdict.official()).as(url).isFalse();
			assertThat(verdict.advice()).isEqualTo(Advice.NOT_OFFICIAL_URL);
		}
		assertThat(assist.checkUrl("https://aßist.example/").normalized()).isEqualTo("aßist.example");
		assertThat(assist.checkEmail("help@aßist.example").official()).isFalse();
		assertThat(assist.checkUrl("https://assist.example/").official()).isTrue();
		// a character newer than the mapping: a warning, not "this is not a web address"
		assertThat(channels.checkUrl("https://\uD83D\uDE00.example/").advice()).isEqualTo(Advice.NOT_OFFICIAL_URL);
		assertThat(channels.checkUrl("https://acme\uA7C0.example/").official()).isFalse();
	}

	@ParameterizedTest(name = "{0} is not a web address")
	@CsvSource(delimiter = '|', textBlock = """
			''
			javascript:alert(1)
			mailto:support@acme.example
			ftp://acme.example/
			https://
			https://:443/
			https://acme.example:80x/
			https://acme .example/
			https://acme.example%00.evil.test/
			https://acme.example%zz/
			https://acme..example/
			""")
	void whatIsNotAnHttpAddressWithAHostNameIsABadRequest(String url) {
		assertThatThrownBy(() -> channels.checkUrl(url)).isInstanceOfSatisfying(SubdeskException.class, e -> {
			assertThat(e.status()).isEqualTo(400);
			assertThat(e.errors()).extracting(SubdeskException.FieldError::field).containsExactly("url");
		});
	}

	@ParameterizedTest(name = "{0} -> official={1} as {2}")
	@CsvSource(delimiter = '|', textBlock = """
			support@acme.example                            | true  | support@acme.example
			Support@ACME.EXAMPLE                            | true  | support@acme.example
			Acme Support <support@acme.example>             | true  | support@acme.example
			'"Acme Subscriptions" <no-reply@acme.example>'  | true  | no-reply@acme.example
			billing@mail.acme.example                       | true  | billing@mail.acme.example
			'"Acme Support" <help@acme-support.test>'       | false | help@acme-support.test
			'"support@acme.example" <scam@evil.test>'       | false | scam@evil.test
			'"Acme" <support@acme.example.evil.test>'       | false | support@acme.example.evil.test
			support@acme-example.test                       | false | support@acme-example.test
			support@evilacme.example                        | false | support@evilacme.example
			'"support@acme.example"@evil.test'              | false | "support@acme.example"@evil.test
			support@[192.0.2.1]                             | false | support@[192.0.2.1]
			""")
	void anEmailSenderIsOfficialByTheDomainOfItsAddressNotItsDisplayName(String email, boolean official,
			String normalized) {
		Verdict verdict = channels.checkEmail(email);
		assertThat(verdict.official()).as(email).isEqualTo(official);
		assertThat(verdict.kind()).isEqualTo(Verdict.Kind.EMAIL);
		assertThat(verdict.normalized()).as(email).isEqualTo(normalized);
		assertThat(verdict.advice()).isEqualTo(official ? Advice.OFFICIAL_EMAIL : Advice.NOT_OFFICIAL_EMAIL);
	}

	@ParameterizedTest(name = "{0} is not one email address")
	@CsvSource(delimiter = '|', textBlock = """
			''
			not an address
			support@
			@acme.example
			'a@evil.test, support@acme.example'
			'Friends: a@evil.test, b@evil.test;'
			support@acme..example
			<@relay.evil.test:support@acme.example>
			x@acme.example(c).evil.test
			x@acme.example(c)@evil.test
			<x@acme.example>.evil.test
			'"Acme" <x@acme.example>evil.test'
			'"\u202Eelpmaxe.live@"@acme.example'
			""")
	void whatIsNotOneEmailAddressIsABadRequest(String email) {
		assertThatThrownBy(() -> channels.checkEmail(email)).isInstanceOfSatisfying(SubdeskException.class, e -> {
			assertThat(e.status()).isEqualTo(400);
			assertThat(e.errors()).extracting(SubdeskException.FieldError::field).containsExactly("email");
		});
	}

	@Test
	void aDomainWrittenWithItsTrailingDotIsTheSameDomain() {
		assertThat(channels.checkEmail("support@acme.example.").official()).isTrue();
		assertThat(channels.checkEmail("\"Acme\" <support@acme.example.>").normalized()).isEqualTo("support@acme.example");
		assertThat(channels.checkEmail("support@evil.test.").official()).isFalse();
	}

	@Test
	void theDirectoryHoldsTheConfiguredChannelsNormalised() {
		Directory directory = channels.directory();
		assertThat(directory.phones()).extracting(Directory.Phone::number).containsExactly("+12025550142", "+442079460321");
		assertThat(directory.phones()).extracting(Directory.Phone::international)
			.containsExactly("+1 202-555-0142", "+44 20 7946 0321");
		assertThat(directory.phones().get(1).countries()).containsExactly("GB", "IE");
		assertThat(directory.domains()).containsExactly("acme.example");
		assertThat(directory.emailDomains()).containsExactly("acme.example");
		assertThat(directory.supportEmail()).contains("support@acme.example");
	}

	@Test
	void aConfigurationThatIsNotChannelsStopsTheStart() {
		assertThatThrownBy(() -> new OfficialChannels(new OfficialChannelsProperties(
				List.of(new PhoneLine("call us", "Acme", null)), List.of(), List.of(), null, "US")))
			.isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> new OfficialChannels(new OfficialChannelsProperties(List.of(), List.of("acme.example"),
				List.of("acme.example"), "support@elsewhere.test", "US")))
			.isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> new OfficialChannels(
				new OfficialChannelsProperties(List.of(), List.of("straße.example"), List.of(), null, "US")))
			.hasMessageContaining("cannot be an official domain");
		assertThatThrownBy(() -> new OfficialChannels(
				new OfficialChannelsProperties(List.of(), List.of("acme .example"), List.of(), null, "US")))
			.isInstanceOf(IllegalStateException.class);
	}
}
