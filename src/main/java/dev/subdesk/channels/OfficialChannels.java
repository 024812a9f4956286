package dev.subdesk.channels;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import dev.subdesk.channels.Directory.Phone;
import dev.subdesk.channels.Verdict.Advice;
import dev.subdesk.channels.Verdict.Kind;
import dev.subdesk.shared.SubdeskException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * The vendor's official channels and the check against impersonators. A phone number is official when its E.164
 * form is a configured line's (national spellings read in the given country, else the vendor's); a web address
 * when its host is a configured domain or a subdomain of one; an email sender when the domain of its address (not
 * its display name) is a configured email domain or a subdomain of one. Anything that is not a phone number, a
 * web address or an email address is a {@code 400 VALIDATION_FAILED} on its field.
 */
@Service
public class OfficialChannels {

	private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

	/** A number followed by an extension: "ext. 12", "extension 12", "x12", "#12", ",12" or ";12". */
	private static final Pattern EXTENSION = Pattern
		.compile("(?i)^(.*?[0-9)])\\s*(?:ext\\.?|extension|x|#|,|;)\\s*[0-9]{1,7}$", Pattern.DOTALL);

	/** A scheme as RFC 3986 spells it, and what follows its colon. */
	private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", Pattern.DOTALL);

	/** What follows {@code host:} when there is no scheme: a port and maybe a path ({@code acme.example:8443/x}). */
	private static final Pattern PORT_THEN_PATH = Pattern.compile("^[0-9]+([/?#].*)?$", Pattern.DOTALL);

	/** What no host name contains: controls and spaces. */
	private static final Pattern CONTROL_OR_SPACE = Pattern.compile("[\\p{Cntrl}\\p{Z}]");

	private final Directory directory;

	private final String defaultCountry;

	OfficialChannels(OfficialChannelsProperties properties) {
		this.defaultCountry = country(properties.defaultCountry()).orElseThrow(() -> new IllegalStateException(
				"subdesk.official-channels.default-country is not a country: " + properties.defaultCountry()));
		List<Phone> phones = new ArrayList<>();
		for (OfficialChannelsProperties.PhoneLine line : properties.phones()) {
			PhoneNumber number;
			try {
				number = PHONES.parse(line.number(), defaultCountry);
			}
			catch (NumberParseException e) {
				throw new IllegalStateException("subdesk.official-channels: not a phone number: " + line.number(), e);
			}
			List<String> countries = line.countries() == null ? List.of()
					: line.countries().stream().map(c -> c.trim().toUpperCase(Locale.ROOT)).toList();
			phones.add(new Phone(PHONES.format(number, PhoneNumberFormat.E164),
					PHONES.format(number, PhoneNumberFormat.INTERNATIONAL), line.label(), countries));
		}
		List<String> domains = properties.domains().stream().map(OfficialChannels::configuredHost).toList();
		List<String> emailDomains = properties.emailDomains().stream().map(OfficialChannels::configuredHost).toList();
		Optional<String> supportEmail = Optional.ofNullable(properties.supportEmail())
			.filter(address -> !address.isBlank())
			.map(String::trim);
		supportEmail.ifPresent(address -> {
			int at = address.lastIndexOf('@');
			if (at < 0 || !Hosts.normalize(address.substring(at + 1)).map(h -> Hosts.within(h, emailDomains)).orElse(false)) {
				throw new IllegalStateException(
						"subdesk.official-channels.support-email must be in one of the email domains: " + address);
			}
		});
		this.directory = new Directory(phones, domains, emailDomains, supportEmail);
	}

	private static String configuredHost(String host) {
		String normalized = Hosts.normalize(host.trim())
			.orElseThrow(() -> new IllegalStateException("subdesk.official-channels: not a host name: " + host));
		if (Hosts.writtenOnly(normalized)) {
			// no spelling of such a name would ever be judged official (see Hosts.normalize)
			throw new IllegalStateException("subdesk.official-channels: " + host + " has a character (ß, ς or a "
					+ "zero-width joiner) that browsers and this check read differently; it cannot be an official domain");
		}
		return normalized;
	}

	/** The official channels, as configured. */
	public Directory directory() {
		return directory;
	}

	/** The country phone numbers without a country code are read in when none is given. */
	public String defaultCountry() {
		return defaultCountry;
	}

	/**
	 * Whether a phone number, in any spelling (international, or national in {@code country}, default the
	 * vendor's), is an official line.
	 *
	 * @throws SubdeskException {@code 400} on {@code country} when it is not a country, on {@code phone} when the
	 *         text is not a possible phone number there
	 */
	public Verdict checkPhone(String phone, @Nullable String country) {
		String region = country == null || country.isBlank() ? defaultCountry
				: country(country).orElseThrow(() -> SubdeskException.invalid("country",
						"must be an ISO 3166 alpha-2 country code"));
		// an extension reaches the line it is of. Three letters or more make a vanity number, read as a keypad dials
		// it; one or two are not read at all by the parser, which would take "555 01A42" for 555 0142: refused
		Matcher extension = EXTENSION.matcher(phone.strip());
		String dialled = extension.matches() ? extension.group(1) : phone.strip();
		long letters = dialled.chars().filter(c -> c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z').count();
		if (letters > 0 && letters < 3) {
			throw SubdeskException.invalid("phone", "has letters among its digits: write it as it is dialled");
		}
		PhoneNumber number = parsePhone(dialled, region)
			// "00" is how most of the world writes the international prefix (the vendor's country may use another)
			.or(() -> dialled.startsWith("00") ? parsePhone("+" + dialled.substring(2), region) : Optional.empty())
			.orElseThrow(() -> SubdeskException.invalid("phone", "is not a phone number"));
		if (!PHONES.isPossibleNumber(number) && dialled.startsWith("00")) {
			number = parsePhone("+" + dialled.substring(2), region).filter(PHONES::isPossibleNumber).orElse(number);
		}
		if (!number.getExtension().isEmpty()) {
			// an extension the parser found in words of its own ("extn", "anexo", "доб"...): they would have counted
			// as letters above, and hidden one or two letters among the digits
			throw SubdeskException.invalid("phone", "has an extension written in words: write it as x and its digits");
		}
		if (!PHONES.isPossibleNumber(number)) {
			throw SubdeskException.invalid("phone",
					"is not a possible phone number in " + region + " (write it with its country code: +CC ...)");
		}
		String e164 = PHONES.format(number, PhoneNumberFormat.E164);
		return directory.phones()
			.stream()
			.filter(line -> line.number().equals(e164))
			.findFirst()
			.map(line -> new Verdict(true, Kind.PHONE, e164, line.label(), Advice.OFFICIAL_PHONE))
			.orElseGet(() -> new Verdict(false, Kind.PHONE, e164, null, Advice.NOT_OFFICIAL_PHONE));
	}

	/**
	 * Whether a web address leads to an official site: its host, read as a browser reads it (no scheme means
	 * {@code https://}; backslashes count as slashes; the port does not matter), is a configured domain or a
	 * subdomain of one. A link with user-info ({@code https://acme.example@evil.test}) is never official.
	 *
	 * @throws SubdeskException {@code 400} on {@code url} when it is not an http or https address with a host name
	 */
	public Verdict checkUrl(String url) {
		// as a browser does: tabs and line breaks anywhere are dropped, backslashes count as slashes
		String typed = url.strip().replaceAll("[\t\n\r]", "");
		String text = typed.replace('\\', '/');
		if (text.isEmpty()) {
			throw SubdeskException.invalid("url", "is not a web address");
		}
		String rest = text;
		Matcher scheme = SCHEME.matcher(text);
		if (scheme.matches()) {
			String name = scheme.group(1).toLowerCase(Locale.ROOT);
			if (name.equals("https") || name.equals("http")) {
				rest = scheme.group(2).replaceFirst("^/+", "");
			}
			else if (!PORT_THEN_PATH.matcher(scheme.group(2)).matches()) {
				throw SubdeskException.invalid("url", "must be a web address (http or https)");
			}
		}
		else {
			rest = rest.replaceFirst("^/+", "");
		}
		int end = rest.length();
		for (char stop : new char[] { '/', '?', '#' }) {
			int at = rest.indexOf(stop);
			if (at >= 0 && at < end) {
				end = at;
			}
		}
		String authority = rest.substring(0, end);
		if (CONTROL_OR_SPACE.matcher(authority).find()) {
			throw SubdeskException.invalid("url", "has no host name");
		}
		int at = authority.lastIndexOf('@');
		// a backslash is a slash to a browser but not to every program: an '@' after one ("acme.example\@evil.example")
		// leads elsewhere there, so such a link hides its destination too
		boolean userInfo = at >= 0 || userInfoWithoutBackslashes(typed);
		String hostAndPort = authority.substring(at + 1);
		if (hostAndPort.startsWith("[")) {
			// an IPv6 literal: never an official site
			int close = hostAndPort.indexOf(']');
			if (close < 0) {
				throw SubdeskException.invalid("url", "has no host name");
			}
			return new Verdict(false, Kind.URL, hostAndPort.substring(0, close + 1).toLowerCase(Locale.ROOT), null,
					userInfo ? Advice.URL_WITH_USER_INFO : Advice.NOT_OFFICIAL_URL);
		}
		String host = withoutPort(hostAndPort);
		String normalized = Hosts.normalize(host)
			.orElseThrow(() -> SubdeskException.invalid("url", "has no host name"));
		if (Hosts.writtenOnly(normalized)) {
			// a look-alike a browser reads as another name than IDNA 2003 would: not official, and said so
			return new Verdict(false, Kind.URL, normalized, null,
					userInfo ? Advice.URL_WITH_USER_INFO : Advice.NOT_OFFICIAL_URL);
		}
		try {
			// java.net.URI checks what is left: a server-based authority with this host is well formed
			URI parsed = new URI("https", null, normalized, -1, "/", null, null);
			if (parsed.getHost() == null) {
				throw SubdeskException.invalid("url", "has no host name");
			}
		}
		catch (URISyntaxException e) {
			throw SubdeskException.invalid("url", "has no host name");
		}
		if (userInfo) {
			return new Verdict(false, Kind.URL, normalized, null, Advice.URL_WITH_USER_INFO);
		}
		boolean official = Hosts.within(normalized, directory.domains());
		return new Verdict(official, Kind.URL, normalized, null, official ? Advice.OFFICIAL_URL : Advice.NOT_OFFICIAL_URL);
	}

	/** Whether the authority, read with a backslash as an ordinary character (RFC 3986), has user-info. */
	private static boolean userInfoWithoutBackslashes(String typed) {
		String rest = typed.replaceFirst("(?i)^[a-z][a-z0-9+.-]*:", "").replaceFirst("^[/\\\\]*", "");
		int end = rest.length();
		for (char stop : new char[] { '/', '?', '#' }) {
			int at = rest.indexOf(stop);
			if (at >= 0 && at < end) {
				end = at;
			}
		}
		return rest.substring(0, end).indexOf('@') >= 0;
	}

	private static Optional<PhoneNumber> parsePhone(String text, String region) {
		try {
			return Optional.of(PHONES.parse(text, region));
		}
		catch (NumberParseException e) {
			return Optional.empty();
		}
	}

	/** The host of {@code host[:port]}; a port must be digits. */
	private static String withoutPort(String hostAndPort) {
		int colon = hostAndPort.lastIndexOf(':');
		if (colon < 0) {
			return hostAndPort;
		}
		String port = hostAndPort.substring(colon + 1);
		if (!port.chars().allMatch(c -> c >= '0' && c <= '9') || port.length() > 5) {
			throw SubdeskException.invalid("url", "has a port that is not a number");
		}
		return hostAndPort.substring(0, colon);
	}

	/**
	 * Whether an email sender is official: the domain of its address (a display name such as {@code "Acme
	 * Support"} counts for nothing) is a configured email domain or a subdomain of one.
	 *
	 * @throws SubdeskException {@code 400} on {@code email} when it is not one email address
	 */
	public Verdict checkEmail(String email) {
		// a domain's trailing dot (acme.example.) is the same domain, as the web address check reads it
		String typed = email.strip().replaceFirst("(?<=[^.@])\\.(>?)$", "$1");
		if (FORMAT_OR_CONTROL.matcher(typed).find()) {
			// a right-to-left override or a line break makes what is shown differ from what is checked
			throw SubdeskException.invalid("email", "has a control or formatting character");
		}
		if (!nothingButOneAddress(typed)) {
			throw SubdeskException.invalid("email", "must be one email address, without comments or text after it");
		}
		InternetAddress[] addresses;
		try {
			addresses = InternetAddress.parseHeader(typed, true);
		}
		catch (AddressException e) {
			throw SubdeskException.invalid("email", "is not an email address");
		}
		if (addresses.length != 1 || addresses[0].isGroup() || addresses[0].getAddress() == null) {
			throw SubdeskException.invalid("email", "must be one email address");
		}
		String address = addresses[0].getAddress();
		if (typed.indexOf('<') < 0 && !address.equals(typed)) {
			// the parser read less than was typed: what it dropped could have named another domain
			throw SubdeskException.invalid("email", "must be one email address");
		}
		if (address.startsWith("@")) {
			// an obsolete source route (<@relay.example:support@acme.example>): no mail program shows one
			throw SubdeskException.invalid("email", "must be one email address, without a route");
		}
		int at = address.lastIndexOf('@');
		if (at <= 0 || at == address.length() - 1) {
			throw SubdeskException.invalid("email", "is not an email address");
		}
		String domainPart = address.substring(at + 1);
		if (domainPart.startsWith("[")) {
			return new Verdict(false, Kind.EMAIL, address.toLowerCase(Locale.ROOT), null, Advice.NOT_OFFICIAL_EMAIL);
		}
		String domain = Hosts.normalize(domainPart)
			.orElseThrow(() -> SubdeskException.invalid("email", "has no domain name"));
		String normalized = (address.substring(0, at) + "@" + domain).toLowerCase(Locale.ROOT);
		boolean official = Hosts.within(domain, directory.emailDomains());
		return new Verdict(official, Kind.EMAIL, normalized, null,
				official ? Advice.OFFICIAL_EMAIL : Advice.NOT_OFFICIAL_EMAIL);
	}

	private static final java.util.regex.Pattern FORMAT_OR_CONTROL = java.util.regex.Pattern.compile("[\\p{Cc}\\p{Cf}]");

	/**
	 * Whether a sender is only an address, or a display name and one address in angle brackets, and nothing else: the
	 * mail parser silently drops a comment ({@code x@acme.example(c).evil.test}, whose domain by RFC 5322 is
	 * {@code acme.example.evil.test}) and what follows a closing bracket ({@code <x@acme.example>.evil.test}), so the
	 * address it returns would not be all that was typed.
	 */
	static boolean nothingButOneAddress(String typed) {
		boolean quoted = false;
		int opening = -1;
		int closing = -1;
		for (int i = 0; i < typed.length(); i++) {
			char c = typed.charAt(i);
			if (quoted) {
				if (c == '\\') {
					i++;
				}
				else if (c == '"') {
					quoted = false;
				}
			}
			else if (c == '"') {
				quoted = true;
			}
			else if (c == '(' || c == ')') {
				return false;
			}
			else if (c == '<') {
				if (opening >= 0) {
					return false;
				}
				opening = i;
			}
			else if (c == '>') {
				if (closing >= 0 || opening < 0) {
					return false;
				}
				closing = i;
			}
		}
		return !quoted && (opening < 0 ? closing < 0 : closing == typed.length() - 1);
	}

	private static Optional<String> country(String country) {
		String code = country.trim().toUpperCase(Locale.ROOT);
		return PHONES.getSupportedRegions().contains(code) ? Optional.of(code) : Optional.empty();
	}
}
