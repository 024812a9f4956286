package dev.subdesk;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Decides, before anything else starts, whether Subdesk runs in demo or production mode, and refuses a production
 * start that would run with a demo default.
 * <p>
 * Demo mode is {@code SUBDESK_MODE=demo}, or no database configured at all (neither {@code SUBDESK_DB_URL} nor
 * Spring's {@code SPRING_DATASOURCE_URL}): the embedded PostgreSQL, the test clock, a generated API key and the
 * console's demo users. Production mode is {@code SUBDESK_MODE=production}, or a configured database without
 * {@code SUBDESK_MODE}. The decision is published as the property {@value #DEMO_MODE} ({@code true}/{@code false}),
 * which every module reads instead of guessing from the database URL.
 * <p>
 * The demo catalog is demo data: Flyway reads {@value #DEMO_LOCATION} (the catalog's migration, V2) in demo mode
 * only, so a production database never gets it (docs/DESIGN-NOTES.md, "The demo catalog is demo data"). A database
 * that has been started in production mode never starts in demo mode ({@link ProductionMark}).
 * <p>
 * Also switches the console log to JSON lines when {@code SUBDESK_LOG_FORMAT=json} (Boot's structured logging in
 * the Elastic Common Schema; {@code logstash} and {@code gelf} are accepted as well), before logging starts.
 */
class OperatingMode implements EnvironmentPostProcessor {

	/** The property every module reads: {@code true} in demo mode. */
	static final String DEMO_MODE = "subdesk.demo-mode";

	private static final String SOURCE = "subdeskOperatingMode";

	/** The schema's migrations, read in every mode. */
	static final String SCHEMA_LOCATION = "classpath:db/migration";

	/** The demo catalog's migration {@code V2__demo_catalog.sql}, byte for byte as it was in the schema's location. */
	static final String DEMO_LOCATION = "classpath:db/demo";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		boolean demo = demoMode(environment);
		Map<String, Object> decided = new java.util.HashMap<>();
		decided.put(DEMO_MODE, Boolean.toString(demo));
		logFormat(environment).ifPresent(format -> decided.put("logging.structured.format.console", format));
		decided.putAll(migrations(demo));
		if (text(environment, "SUBDESK_SECURE_COOKIE").isEmpty()
				&& text(environment, "subdesk.public-base-url").toLowerCase(Locale.ROOT).startsWith("https://")) {
			// customers come over HTTPS: the session cookie (portal and console) is never sent over plain HTTP, unless
			// the operator says otherwise with SUBDESK_SECURE_COOKIE
			decided.put("server.servlet.session.cookie.secure", "true");
		}
		String extra = text(environment, "subdesk.extra-migrations");
		if (!extra.isBlank()) {
			decided.put("spring.flyway.locations", decided.get("spring.flyway.locations") + "," + extra);
		}
		environment.getPropertySources().addFirst(new MapPropertySource(SOURCE, decided));
		if (!demo) {
			List<String> problems = demoDefaultsInForce(environment);
			if (!problems.isEmpty()) {
				throw new DemoDefaultsInProduction(problems);
			}
		}
	}

	/**
	 * Where Flyway finds migrations in this mode. Demo mode adds the demo catalog, out of order if need be (no longer
	 * for a database first started in production mode: demo mode refuses it, see {@link ProductionMark}), and the
	 * repeatable {@code R__demo_mode_used_this_database.sql}, whose history row a production start of a release
	 * before the production mark does not find, so its Flyway refuses the database (that release writes no mark that
	 * would stop the demo node: docs/OPERATIONS.md). Production mode leaves the demo location out and accepts that a
	 * database which already has its migrations (started in demo mode, or before the catalog became demo data) lists
	 * migrations it does not find ({@code versioned:missing}, {@code repeatable:missing}); Flyway's default
	 * {@code *:future} stays.
	 */
	static Map<String, String> migrations(boolean demo) { // subdesk.extra-migrations adds locations (the tests' data)
		return demo
				? Map.of("spring.flyway.locations", SCHEMA_LOCATION + "," + DEMO_LOCATION, "spring.flyway.out-of-order", "true")
				: Map.of("spring.flyway.locations", SCHEMA_LOCATION, "spring.flyway.ignore-migration-patterns",
						"*:future,versioned:missing,repeatable:missing");
	}

	private static boolean demoMode(ConfigurableEnvironment environment) {
		String mode = text(environment, "subdesk.mode").toLowerCase(Locale.ROOT);
		return switch (mode) {
			case "demo" -> true;
			case "production" -> false;
			case "" -> text(environment, "subdesk.db-url").isEmpty();
			default -> throw new IllegalStateException(
					"SUBDESK_MODE is '" + mode + "': set it to demo or production, or leave it unset (production when "
							+ "a database is configured, demo otherwise).");
		};
	}

	/** What stands between this configuration and a production start; empty when it may start. */
	private static List<String> demoDefaultsInForce(ConfigurableEnvironment environment) {
		List<String> problems = new ArrayList<>();
		if (text(environment, "subdesk.db-url").isEmpty()) {
			problems.add("No database is configured: set SUBDESK_DB_URL (or SPRING_DATASOURCE_URL) to the JDBC URL of "
					+ "your PostgreSQL, with SUBDESK_DB_USER and SUBDESK_DB_PASSWORD.");
		}
		if (Boolean.parseBoolean(text(environment, "subdesk.clock.test-clock"))) {
			problems.add("The test clock is on (SUBDESK_TEST_CLOCK=true): anyone with the API key could move time and "
					+ "trigger renewals and charges. Remove SUBDESK_TEST_CLOCK.");
		}
		if (text(environment, "subdesk.api.key").isEmpty()) {
			problems.add("SUBDESK_API_KEY is not set, so a demo key would be generated. Set SUBDESK_API_KEY to a long "
					+ "random secret (e.g. openssl rand -base64 32).");
		}
		if (!text(environment, "subdesk.console.demo-password").isEmpty()) {
			problems.add("SUBDESK_CONSOLE_DEMO_PASSWORD is set: the console's demo users exist only in demo mode. "
					+ "Remove it and create the first admin with SUBDESK_CONSOLE_ADMIN_USERNAME and "
					+ "SUBDESK_CONSOLE_ADMIN_PASSWORD.");
		}
		if (!"sandbox".equalsIgnoreCase(text(environment, "subdesk.payments.gateway"))) {
			problems.add("No payment gateway is chosen, and the only one this build has is the sandbox, which takes no "
					+ "money: its test cards always pay, so anyone could subscribe for free. For a staging server that "
					+ "may sell through it, set SUBDESK_PAYMENT_GATEWAY=sandbox.");
		}
		if (!text(environment, "subdesk.stores.google.jwks-uri").isEmpty()
				&& text(environment, "subdesk.stores.google.api.service-account-key").isEmpty()) {
			problems.add("Google Play pushes are accepted (SUBDESK_STORES_GOOGLE_JWKS_URI) but the Play Developer API "
					+ "is not configured, so the state of every purchase would be read from the sandbox, which knows none: "
					+ "set SUBDESK_STORES_GOOGLE_API_SERVICE_ACCOUNT_KEY, or remove SUBDESK_STORES_GOOGLE_JWKS_URI.");
		}
		if (text(environment, "subdesk.entitlements.kek").isBlank()) {
			problems.add("SUBDESK_ENTITLEMENT_KEK is not set: the key that seals the stored signing keys and webhook "
					+ "secrets would be one anyone can derive. Set it to base64 of 32 random bytes (openssl rand -base64 32) "
					+ "and keep it apart from the database.");
		}
		String publicUrl = text(environment, "subdesk.public-base-url");
		if (pointsAtThisMachine(publicUrl)) {
			problems.add("SUBDESK_PUBLIC_URL is " + (publicUrl.isEmpty() ? "empty" : publicUrl)
					+ ", so the links in e-mails and receipts would lead customers to their own machine. Set it to the "
					+ "address customers use, e.g. https://subscriptions.example.com.");
		}
		return problems;
	}

	private static boolean pointsAtThisMachine(String url) {
		if (url.isEmpty()) {
			return true;
		}
		try {
			String host = URI.create(url).getHost();
			if (host == null) {
				return true;
			}
			host = host.toLowerCase(Locale.ROOT);
			if (host.endsWith(".")) {
				host = host.substring(0, host.length() - 1); // "localhost." is localhost
			}
			if (host.equals("localhost") || host.endsWith(".localhost")) {
				return true;
			}
			String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
			if (literal.matches("[0-9.]+") || literal.contains(":")) {
				// an address written out: the loopback or the "any" address in whatever spelling ([::], [0:0:0:0:0:0:0:1])
				java.net.InetAddress address = java.net.InetAddress.getByName(literal);
				return address.isLoopbackAddress() || address.isAnyLocalAddress();
			}
			return false;
		}
		catch (IllegalArgumentException | java.net.UnknownHostException e) {
			return true;
		}
	}

	private static java.util.Optional<String> logFormat(ConfigurableEnvironment environment) {
		String format = text(environment, "subdesk.log-format").toLowerCase(Locale.ROOT);
		return switch (format) {
			case "", "text", "plain" -> java.util.Optional.empty();
			case "json", "ecs" -> java.util.Optional.of("ecs");
			case "logstash", "gelf" -> java.util.Optional.of(format);
			default -> throw new IllegalStateException("SUBDESK_LOG_FORMAT is '" + format
					+ "': set it to json (Elastic Common Schema), logstash, gelf or text, or leave it unset (text).");
		};
	}

	private static String text(ConfigurableEnvironment environment, String property) {
		String value = environment.getProperty(property, "");
		return value.strip();
	}

	/** A production start refused: every demo default found, each with how to fix it. */
	static final class DemoDefaultsInProduction extends IllegalStateException {

		private static final long serialVersionUID = 1L;

		private static final String DEMO_INSTEAD = "To try Subdesk with these defaults instead, set SUBDESK_MODE=demo, "
				+ "on a database that has never been started in production mode (demo mode refuses one).";

		DemoDefaultsInProduction(List<String> problems) {
			super("Production mode (a database is configured, or SUBDESK_MODE=production) refuses to start with demo "
					+ "defaults in force:\n - " + String.join("\n - ", problems) + "\n" + DEMO_INSTEAD);
		}
	}

	/** Prints the refusal as Spring Boot's "APPLICATION FAILED TO START" report, without a stack trace. */
	static final class RefusalReport
			extends org.springframework.boot.diagnostics.AbstractFailureAnalyzer<DemoDefaultsInProduction> {

		@Override
		protected org.springframework.boot.diagnostics.FailureAnalysis analyze(Throwable root,
				DemoDefaultsInProduction cause) {
			return new org.springframework.boot.diagnostics.FailureAnalysis(cause.getMessage(),
					"Fix each setting named above and start again.",
					cause);
		}
	}
}
