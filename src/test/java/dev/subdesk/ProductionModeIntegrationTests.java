package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.MigrationDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Production mode, as an operator configures it with Spring's standard datasource properties: the database they
 * name is the one used, and a start with any demo default in force is refused, saying which and how to fix it.
 * The database is an embedded PostgreSQL the test starts itself, standing in for the operator's server.
 */
@ExtendWith(OutputCaptureExtension.class)
class ProductionModeIntegrationTests {

	private static final String ALL_PROBLEMS_HEADLINE = "Production mode (a database is configured, or SUBDESK_MODE=production) "
			+ "refuses to start with demo defaults in force";

	/** The operator's server. */
	@AutoClose
	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	@TempDir
	Path dataDir;

	@Test
	void springDatasourceUrlIsTheDatabaseUsedAndNoEmbeddedServerIsStarted() throws Exception {
		Map<String, String> config = production();
		try (ConfigurableApplicationContext server = start(config)) {
			assertThat(server.getEnvironment().getProperty("subdesk.demo-mode")).isEqualTo("false");
			Api api = new Api(port(server));
			String account = new Fixtures(api).account();
			try (Connection connection = MigrationDatabase.connect(POSTGRES.url());
					PreparedStatement select = connection.prepareStatement("SELECT count(*) FROM accounts WHERE id = ?")) {
				select.setString(1, account);
				try (ResultSet rows = select.executeQuery()) {
					rows.next();
					assertThat(rows.getInt(1)).as("the account is in the database spring.datasource.url names").isEqualTo(1);
				}
			}
			assertThat(Files.exists(dataDir.resolve("never-created"))).as("no embedded server's data directory").isFalse();
			assertThat(api.get("/test-clock").status()).as("the test clock is off").isEqualTo(404);
		}
	}

	@Test
	void theDemoMailboxDoesNotExistInProductionMode() throws Exception {
		try (ConfigurableApplicationContext server = start(production())) {
			java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
			for (String path : List.of("/demo/mailbox", "/demo/mailbox/ntc_any")) {
				var response = http.send(java.net.http.HttpRequest
					.newBuilder(java.net.URI.create("http://localhost:" + port(server) + path))
					.header("Accept", "text/html")
					.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
				assertThat(response.statusCode()).as(path).isEqualTo(404);
			}
			assertThat(server.containsBean("demoMailboxController")).isFalse();
			assertThat(server.containsBean("demoCustomers")).as("no demo customers are seeded").isFalse();
		}
	}

	@Test
	void customersReachingItOverHttpsGetASecureSessionCookie() throws Exception {
		try (ConfigurableApplicationContext server = start(production())) {
			var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
				.newBuilder(java.net.URI.create("http://localhost:" + port(server) + "/portal/sign-in"))
				.header("Accept", "text/html")
				.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().allValues("Set-Cookie")).as("SUBDESK_PUBLIC_URL is https")
				.anySatisfy(cookie -> assertThat(cookie).startsWith("SESSION=").containsIgnoringCase("; Secure"));
		}
	}

	@Test
	void subdeskModeDemoRunsTheDemoDefaultsOnAFreshConfiguredDatabaseAgainAndAgain() throws Exception {
		Map<String, String> config = inDemoMode(production());
		config.put("spring.datasource.url", newDatabase());
		for (String start : List.of("the first demo start", "a demo start again")) {
			try (ConfigurableApplicationContext server = start(config)) {
				assertThat(server.getEnvironment().getProperty("subdesk.demo-mode")).as(start).isEqualTo("true");
				assertThat(new Api(port(server)).get("/test-clock").status()).as("the test clock is on").isEqualTo(200);
				assertThat(planCodes(new Api(port(server)))).as("the demo catalog").containsExactly(DEMO_CATALOG);
			}
		}
	}

	@Test
	void aDatabaseStartedInProductionModeIsRefusedInDemoModeAndTheRefusedStartChangesNothing() throws Exception {
		Map<String, String> config = production();
		String url = newDatabase();
		config.put("spring.datasource.url", url);
		try (ConfigurableApplicationContext server = start(config)) {
			Api api = new Api(port(server));
			assertThat(api.get("/plans").json().path("data")).as("no demo plans in production").isEmpty();
			new Fixtures(api).account(); // a real customer
		}
		String before = contents(url);
		Map<String, String> demo = inDemoMode(config);
		demo.put("subdesk.demo.seed", "true"); // the demo customers too, if it started
		assertThatThrownBy(() -> start(demo).close()).hasStackTraceContaining(DEMO_REFUSED)
			.hasStackTraceContaining("it was first started in production mode at ")
			.hasStackTraceContaining("/demo/mailbox")
			.hasStackTraceContaining("remove SUBDESK_MODE=demo")
			.hasStackTraceContaining("point SUBDESK_DB_URL at a new, empty database");
		assertThat(contents(url)).as("no demo catalog, demo users or demo customers; no migration").isEqualTo(before);
	}

	@Test
	void aDatabaseStartedInDemoThenInProductionModeIsRefusedInDemoMode() throws Exception {
		String url = newDatabase();
		Map<String, String> demo = inDemoMode(production());
		demo.put("spring.datasource.url", url);
		try (ConfigurableApplicationContext server = start(demo)) {
			assertThat(server.getEnvironment().getProperty("subdesk.demo-mode")).isEqualTo("true");
		}
		Map<String, String> production = production();
		production.put("spring.datasource.url", url);
		try (ConfigurableApplicationContext server = start(production)) {
			assertThat(server.getEnvironment().getProperty("subdesk.demo-mode")).isEqualTo("false");
		}
		String before = contents(url);
		assertThatThrownBy(() -> start(demo).close()).hasStackTraceContaining(DEMO_REFUSED)
			.hasStackTraceContaining("it was first started in production mode at ");
		assertThat(contents(url)).isEqualTo(before);
	}

	@Test
	void aDatabaseTheReleaseBeforeTheMarkStartedInProductionModeIsRefusedInDemoModeByItsSchemaHistory() throws Exception {
		// as a production start of the release before the mark migrated it: the schema without the demo location
		String production = newDatabase();
		migrateAsBefore(production, false, false);
		// the same, then a demo start of that release: the demo catalog out of order
		String productionThenDemo = newDatabase();
		migrateAsBefore(productionThenDemo, false, false);
		migrateAsBefore(productionThenDemo, true, true);
		for (String url : List.of(production, productionThenDemo)) {
			Map<String, String> demo = inDemoMode(production());
			demo.put("spring.datasource.url", url);
			String before = contents(url);
			assertThatThrownBy(() -> start(demo).close()).as(url)
				.hasStackTraceContaining(DEMO_REFUSED)
				.hasStackTraceContaining("its schema history (flyway_schema_history) shows V3 applied without the demo "
						+ "migration V2 before it, which only a production-mode start does");
			assertThat(contents(url)).isEqualTo(before);
		}
		// a database that release only ever started in demo mode is no production database
		String demoOnly = newDatabase();
		migrateAsBefore(demoOnly, true, false);
		Map<String, String> demo = inDemoMode(production());
		demo.put("spring.datasource.url", demoOnly);
		try (ConfigurableApplicationContext server = start(demo)) {
			assertThat(planCodes(new Api(port(server)))).containsExactly(DEMO_CATALOG);
		}
	}

	/**
	 * A production start of the release before the mark writes no mark, so a demo node on the database would not stop
	 * and a demo start would not be refused. A database this release has started in demo mode has the demo location's
	 * repeatable migration in its history, which that release does not find in its schema location: its Flyway
	 * refuses the database, and the refused start changes nothing. (This release's production mode accepts it and
	 * marks it: {@link #aDatabaseStartedInDemoThenInProductionModeIsRefusedInDemoMode}.)
	 */
	@Test
	void aDatabaseStartedInDemoModeIsRefusedByAProductionStartOfTheReleaseBeforeTheMark(@TempDir Path schemaBefore)
			throws Exception {
		String url = newDatabase();
		Map<String, String> demo = inDemoMode(production());
		demo.put("spring.datasource.url", url);
		try (ConfigurableApplicationContext server = start(demo)) {
			assertThat(server.getEnvironment().getProperty("subdesk.demo-mode")).isEqualTo("true");
		}
		String before = contents(url);
		// the release before the mark, in production mode: its schema location (up to V442) and Flyway settings
		for (var migration : new org.springframework.core.io.support.PathMatchingResourcePatternResolver()
			.getResources(OperatingMode.SCHEMA_LOCATION + "/V*__*.sql")) {
			String name = String.valueOf(migration.getFilename());
			if (Integer.parseInt(name.replaceAll("^V(\\d+).*", "$1")) <= 442) {
				try (var in = migration.getInputStream()) {
					Files.copy(in, schemaBefore.resolve(name));
				}
			}
		}
		var releaseBefore = MigrationDatabase.flyway(url)
			.locations("filesystem:" + schemaBefore)
			.ignoreMigrationPatterns("*:future", "versioned:missing");

		assertThatThrownBy(() -> releaseBefore.load().migrate())
			.isInstanceOf(org.flywaydb.core.api.exception.FlywayValidateException.class)
			.hasMessageContaining("Detected applied migration not resolved locally: demo mode used this database");
		assertThat(contents(url)).isEqualTo(before);
	}

	@Test
	void aDatabaseThatGotTheDemoCatalogAsASchemaMigrationStillStartsInBothModes() throws Exception {
		String url = newDatabase();
		// as the releases before the demo catalog became demo data migrated it: V2 among the schema's migrations
		org.flywaydb.core.Flyway.configure()
			.dataSource(url, "postgres", "")
			.locations("classpath:db/migration", "classpath:db/demo")
			.target("105")
			.load()
			.migrate();
		Map<String, String> config = production();
		config.put("spring.datasource.url", url);
		try (ConfigurableApplicationContext server = start(inDemoMode(new LinkedHashMap<>(config)))) {
			assertThat(planCodes(new Api(port(server)))).as("the same V2, same checksum: no second catalog")
				.containsExactly(DEMO_CATALOG);
		}
		try (ConfigurableApplicationContext server = start(config)) {
			assertThat(planCodes(new Api(port(server)))).as("production starts; the plans it already had stay")
				.containsExactly(DEMO_CATALOG);
		}
	}

	@Test
	void aRunningDemoNodeShutsItsMailboxAtTheNextRequestOnceAProductionStartMarksTheDatabaseAndStops(
			CapturedOutput output) throws Exception {
		Map<String, String> demo = inDemoMode(production());
		String url = newDatabase();
		demo.put("spring.datasource.url", url);
		demo.put("subdesk.demo.seed", "true");
		demo.put("subdesk.demo.production-mark-check", "PT1H"); // only the mailbox's own read of the mark
		ConfigurableApplicationContext server = start(demo);
		try {
			PortalBrowser browser = new PortalBrowser(port(server));
			browser.get("/portal/sign-in");
			browser.post("/portal/sign-in", "email=erika.demo%40example.com");
			// the code's notice is written just after the request has committed
			var before = org.awaitility.Awaitility.await("the code in the mailbox")
				.atMost(java.time.Duration.ofSeconds(10))
				.until(() -> browser.get("/demo/mailbox"), page -> page.body().contains("<td>SIGN_IN_CODE</td>"));
			assertThat(before.statusCode()).isEqualTo(200);
			assertThat(before.body()).contains("<td>SIGN_IN_CODE</td>").contains("erika.demo@example.com");

			markAsAProductionStartDoes(url, server);

			var after = browser.get("/demo/mailbox");
			assertThat(after.statusCode()).as("as if it did not exist").isEqualTo(404);
			assertThat(after.body()).doesNotContain("SIGN_IN_CODE").doesNotContain("erika.demo@example.com")
				.contains("Demo mode is off");
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> !server.isActive());
			assertThat(output).contains("Demo mode (SUBDESK_MODE=demo) is running on a database that a production-mode "
					+ "start has now marked").contains("This node stops");
		}
		finally {
			server.close();
		}
	}

	@Test
	void aRunningDemoNodeStopsAtItsNextCheckOnceAProductionStartMarksTheDatabase(CapturedOutput output) throws Exception {
		Map<String, String> demo = inDemoMode(production());
		String url = newDatabase();
		demo.put("spring.datasource.url", url);
		demo.put("subdesk.demo.production-mark-check", "PT0.2S");
		ConfigurableApplicationContext server = start(demo);
		try {
			assertThat(new Api(port(server)).get("/test-clock").status()).as("a demo node").isEqualTo(200);
			markAsAProductionStartDoes(url, server);
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> !server.isActive());
			assertThat(output).contains("(first started in production mode at ").contains("This node stops");
		}
		finally {
			server.close();
		}
	}

	/**
	 * A production start that marks the database after a demo node's start was allowed, but before it seeds the demo
	 * customers: the seeding reads the mark first, seeds none of them and stops the node (with no job to do it: the
	 * periodic check is an hour away).
	 */
	@Test
	void aDemoNodeWhoseDatabaseIsMarkedBeforeItSeedsSeedsNoDemoCustomerAndStops(CapturedOutput output) throws Exception {
		Map<String, String> demo = inDemoMode(production());
		String url = newDatabase();
		demo.put("spring.datasource.url", url);
		demo.put("subdesk.demo.seed", "true");
		demo.put("subdesk.demo.production-mark-check", "PT1H"); // only the seeding's own read of the mark
		ApplicationContextInitializer<ConfigurableApplicationContext> markBeforeSeeding = context -> context.getBeanFactory()
			.registerSingleton("markBeforeSeeding", new MarkBeforeSeeding(url, context));
		try (ConfigurableApplicationContext server = start(demo, markBeforeSeeding)) {
			// the runners, the seeding among them, are done when the start returns
			try (Connection connection = java.sql.DriverManager.getConnection(url, "postgres", "");
					PreparedStatement select = connection.prepareStatement(
							"SELECT count(*) FROM accounts WHERE lower(email) LIKE '%.demo@example.com'");
					ResultSet rows = select.executeQuery()) {
				rows.next();
				assertThat(rows.getLong(1)).as("no demo customer opened on the marked database").isZero();
			}
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> !server.isActive());
		}
		assertThat(output).contains("is running on a database that a production-mode start has now marked")
			.contains("the demo customers are not seeded").contains("This node stops");
	}

	/** Marks the database as a production start does, as the demo node's first runner: before the seeding. */
	private record MarkBeforeSeeding(String url, ConfigurableApplicationContext node)
			implements org.springframework.boot.ApplicationRunner, org.springframework.core.Ordered {

		@Override
		public void run(org.springframework.boot.ApplicationArguments args) {
			markAsAProductionStartDoes(url, node);
		}

		@Override
		public int getOrder() {
			return HIGHEST_PRECEDENCE;
		}
	}

	/**
	 * The node stops even when the mark is found but the read of its details (when it was first started in production
	 * mode, for the log) fails: the mark is set first, so no later check would stop the node. The details are made
	 * unreadable by renaming their column in the transaction that writes the mark, so the check's first read finds the
	 * mark and its second fails.
	 */
	@Test
	void aRunningDemoNodeStopsEvenWhenTheMarksDetailsCannotBeRead(CapturedOutput output) throws Exception {
		Map<String, String> demo = inDemoMode(production());
		String url = newDatabase();
		demo.put("spring.datasource.url", url);
		demo.put("subdesk.demo.production-mark-check", "PT0.2S");
		ConfigurableApplicationContext server = start(demo);
		try {
			assertThat(new Api(port(server)).get("/test-clock").status()).as("a demo node").isEqualTo(200);
			try (Connection connection = java.sql.DriverManager.getConnection(url, "postgres", "");
					var statement = connection.createStatement()) {
				connection.setAutoCommit(false);
				statement.execute("INSERT INTO production_mark (first_started_at) VALUES ('2031-01-01 00:00:00+00')");
				statement.execute("ALTER TABLE production_mark RENAME COLUMN first_started_at TO first_started_at_unread");
				connection.commit();
			}
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> !server.isActive());
			assertThat(output).contains("(first started in production mode at ? (not read: ").contains("This node stops");
		}
		finally {
			server.close();
		}
	}

	/**
	 * When the seeding cannot read the mark (here its table is renamed away, as the node's first runner, so the read
	 * fails as on a database that does not answer), it does not know whether it may seed: the start fails, saying so,
	 * rather than a demo node running without its demo customers. Once the mark reads again, a start seeds them all.
	 */
	@Test
	void aDemoNodeThatCannotReadTheMarkBeforeSeedingFailsItsStartSayingSoAndTheNextStartSeeds() throws Exception {
		Map<String, String> demo = inDemoMode(production());
		String url = newDatabase();
		demo.put("spring.datasource.url", url);
		demo.put("subdesk.demo.seed", "true");
		demo.put("subdesk.demo.production-mark-check", "PT1H"); // only the seeding's own read of the mark
		ApplicationContextInitializer<ConfigurableApplicationContext> hideTheMark = context -> context.getBeanFactory()
			.registerSingleton("hideTheMarkBeforeSeeding", new BeforeSeeding(() -> hideTheMark(url)));
		assertThatThrownBy(() -> start(demo, hideTheMark).close())
			.hasStackTraceContaining("Demo mode: the demo customers could not all be seeded, so this start fails: "
					+ "production_mark")
			.hasStackTraceContaining("could not be read before erika.demo@example.com (the ones in place: none)")
			.hasStackTraceContaining("Start the node again once the database answers");
		assertThat(demoCustomers(url)).as("none seeded without knowing").isZero();

		showTheMark(url);
		try (ConfigurableApplicationContext server = start(demo)) {
			assertThat(demoCustomers(url)).as("the next start seeds them").isEqualTo(3);
			assertThat(server.isActive()).isTrue();
		}
	}

	/**
	 * A running demo node whose read of the mark fails (its table renamed away meanwhile) cannot know whether demo mode
	 * is off: the mailbox answers 503 saying it is unavailable just now (not 404 "Demo mode is off"), and the node goes
	 * on, its job trying again at each check; once the mark reads again, the mailbox is back.
	 */
	@Test
	void aRunningDemoNodeThatCannotReadTheMarkAnswers503AtTheMailboxAndGoesOn(CapturedOutput output) throws Exception {
		Map<String, String> demo = inDemoMode(production());
		String url = newDatabase();
		demo.put("spring.datasource.url", url);
		demo.put("subdesk.demo.production-mark-check", "PT0.2S");
		ConfigurableApplicationContext server = start(demo);
		try {
			PortalBrowser browser = new PortalBrowser(port(server));
			assertThat(browser.get("/demo/mailbox").statusCode()).isEqualTo(200);

			hideTheMark(url);
			for (String path : List.of("/demo/mailbox", "/demo/mailbox/ntc_any")) {
				var page = browser.get(path);
				assertThat(page.statusCode()).as(path).isEqualTo(503);
				assertThat(page.headers().firstValue("Retry-After")).as(path).hasValue("5");
				assertThat(page.body()).as(path).contains("The demo mailbox is unavailable just now")
					.doesNotContain("Demo mode is off");
			}
			String checkFailed = "Demo mode: could not read production_mark; trying again at the next check";
			// two failed checks: the first one's outcome is complete and the job still runs
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
				.until(() -> output.toString().split(java.util.regex.Pattern.quote(checkFailed), -1).length > 2);
			assertThat(server.isActive()).as("a failed read stops no node").isTrue();
			assertThat(output).doesNotContain("This node stops");

			showTheMark(url);
			assertThat(browser.get("/demo/mailbox").statusCode()).as("the mark reads again").isEqualTo(200);
		}
		finally {
			server.close();
		}
	}

	/** Makes every read of the mark fail, as on a database that does not answer: its table is renamed away. */
	private static void hideTheMark(String url) {
		execute(url, "ALTER TABLE production_mark RENAME TO production_mark_hidden");
	}

	private static void showTheMark(String url) {
		execute(url, "ALTER TABLE production_mark_hidden RENAME TO production_mark");
	}

	private static void execute(String url, String sql) {
		try (Connection connection = java.sql.DriverManager.getConnection(url, "postgres", "");
				var statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (java.sql.SQLException e) {
			throw new IllegalStateException(e);
		}
	}

	private static long demoCustomers(String url) throws Exception {
		try (Connection connection = java.sql.DriverManager.getConnection(url, "postgres", "");
				PreparedStatement select = connection
					.prepareStatement("SELECT count(*) FROM accounts WHERE lower(email) LIKE '%.demo@example.com'");
				ResultSet rows = select.executeQuery()) {
			rows.next();
			return rows.getLong(1);
		}
	}

	/** Does something as the demo node's first runner: before the seeding. */
	private record BeforeSeeding(Runnable action)
			implements org.springframework.boot.ApplicationRunner, org.springframework.core.Ordered {

		@Override
		public void run(org.springframework.boot.ApplicationArguments args) {
			action.run();
		}

		@Override
		public int getOrder() {
			return HIGHEST_PRECEDENCE;
		}
	}

	/** ProductionMark's own write, as every production start does it, on the demo node's database. */
	private static void markAsAProductionStartDoes(String url, ConfigurableApplicationContext demoNode) {
		var dataSource = new org.springframework.jdbc.datasource.SimpleDriverDataSource(new org.postgresql.Driver(), url,
				"postgres", "");
		new ProductionMark(org.springframework.jdbc.core.simple.JdbcClient.create(dataSource),
				demoNode.getBean(java.time.Clock.class)).afterPropertiesSet();
	}

	/** The portal at the HTTP level: keeps cookies, does not follow redirects, sends the last page's CSRF token. */
	private static final class PortalBrowser {

		private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
			.cookieHandler(new java.net.CookieManager())
			.followRedirects(java.net.http.HttpClient.Redirect.NEVER)
			.build();

		private final String base;

		private String csrf = "";

		PortalBrowser(int port) {
			this.base = "http://localhost:" + port;
		}

		java.net.http.HttpResponse<String> get(String path) throws Exception {
			var page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
				.header("Accept", "text/html")
				.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
			var token = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
			if (token.find()) {
				csrf = token.group(1);
			}
			return page;
		}

		java.net.http.HttpResponse<String> post(String path, String form) throws Exception {
			return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
				.header("Accept", "text/html")
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(java.net.http.HttpRequest.BodyPublishers.ofString(
						form + "&_csrf=" + java.net.URLEncoder.encode(csrf, java.nio.charset.StandardCharsets.UTF_8)))
				.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
		}
	}

	private static final String DEMO_REFUSED = "Demo mode (SUBDESK_MODE=demo, or no database configured) refuses to "
			+ "start on this database: ";

	/**
	 * Migrates a database as the release before the production mark did (the newest migration then: V442), in
	 * production mode (the schema alone) or in demo mode (with the demo location, out of order if need be).
	 */
	private static void migrateAsBefore(String url, boolean demo, boolean outOfOrder) {
		var flyway = MigrationDatabase.flyway(url).target("442");
		if (demo) {
			flyway.locations(OperatingMode.SCHEMA_LOCATION, OperatingMode.DEMO_LOCATION).outOfOrder(outOfOrder);
		}
		else {
			flyway.locations(OperatingMode.SCHEMA_LOCATION).ignoreMigrationPatterns("*:future", "versioned:missing");
		}
		flyway.load().migrate();
	}

	/** Every table of the database with its number of rows, and Flyway's history: what a start could change. */
	private static String contents(String url) throws Exception {
		StringBuilder out = new StringBuilder();
		try (Connection connection = java.sql.DriverManager.getConnection(url, "postgres", "")) {
			List<String> tables = new java.util.ArrayList<>();
			try (PreparedStatement select = connection.prepareStatement("""
					SELECT table_schema || '.' || quote_ident(table_name) FROM information_schema.tables
					WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1""");
					ResultSet rows = select.executeQuery()) {
				while (rows.next()) {
					tables.add(rows.getString(1));
				}
			}
			for (String table : tables) {
				try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM " + table);
						ResultSet rows = count.executeQuery()) {
					rows.next();
					out.append(table).append(": ").append(rows.getLong(1)).append('\n');
				}
			}
			try (PreparedStatement history = connection.prepareStatement(
					"SELECT installed_rank, version, checksum, success FROM flyway_schema_history ORDER BY installed_rank");
					ResultSet rows = history.executeQuery()) {
				while (rows.next()) {
					out.append(rows.getInt(1)).append(' ').append(rows.getString(2)).append(' ').append(rows.getObject(3))
						.append(' ').append(rows.getBoolean(4)).append('\n');
				}
			}
		}
		return out.toString();
	}

	private static final String[] DEMO_CATALOG = { "antivirus-annual", "antivirus-monthly", "vpn-annual",
			"utilities-annual", "total-annual", "identity-addon-annual", "vpn-addon-monthly" };

	/** A copy of the configuration, switched to demo mode on the same database. */
	private static Map<String, String> inDemoMode(Map<String, String> production) {
		Map<String, String> config = new LinkedHashMap<>(production);
		config.put("subdesk.mode", "demo");
		config.remove("subdesk.public-base-url");
		config.put("subdesk.console.demo-password", "console-demo-password");
		return config;
	}

	private static List<String> planCodes(Api api) {
		List<String> codes = new java.util.ArrayList<>();
		api.get("/plans").json().path("data").forEach(plan -> codes.add(plan.path("code").asString()));
		return codes;
	}

	/** A new, empty database on the operator's server; its JDBC URL. */
	private static String newDatabase() throws Exception {
		return POSTGRES.newDatabase("mode_");
	}

	static Stream<Arguments> demoDefaults() {
		return Stream.of(
				refused("the test clock switched on", config -> config.put("subdesk.clock.test-clock", "true"),
						"The test clock is on (SUBDESK_TEST_CLOCK=true)", "Remove SUBDESK_TEST_CLOCK"),
				refused("no API key (demo mode would generate one)", config -> config.put("subdesk.api.key", ""),
						"SUBDESK_API_KEY is not set, so a demo key would be generated", "Set SUBDESK_API_KEY"),
				refused("the console demo password", config -> config.put("subdesk.console.demo-password", "demo-password-1"),
						"SUBDESK_CONSOLE_DEMO_PASSWORD is set: the console's demo users exist only in demo mode",
						"SUBDESK_CONSOLE_ADMIN_USERNAME"),
				refused("SUBDESK_PUBLIC_URL left at its localhost default", config -> config.remove("subdesk.public-base-url"),
						"SUBDESK_PUBLIC_URL is http://localhost:0", "Set it to the address customers use"),
				refused("SUBDESK_PUBLIC_URL on the loopback address",
						config -> config.put("subdesk.public-base-url", "http://127.0.0.1:8080"),
						"SUBDESK_PUBLIC_URL is http://127.0.0.1:8080", "Set it to the address customers use"),
				refused("no key-encryption key (a derivable one would seal the signing keys)",
						config -> config.put("subdesk.entitlements.kek", ""), "SUBDESK_ENTITLEMENT_KEK is not set",
						"openssl rand -base64 32"),
				refused("no payment gateway chosen (the sandbox takes no money)",
						config -> config.remove("subdesk.payments.gateway"), "No payment gateway is chosen",
						"set SUBDESK_PAYMENT_GATEWAY=sandbox"),
				refused("Google pushes taken without the Play Developer API",
						config -> config.put("subdesk.stores.google.jwks-uri", "classpath:stores/test-google-jwks.json"),
						"the Play Developer API is not configured", "SUBDESK_STORES_GOOGLE_API_SERVICE_ACCOUNT_KEY"),
				refused("SUBDESK_PUBLIC_URL on the IPv6 loopback written out",
						config -> config.put("subdesk.public-base-url", "http://[0:0:0:0:0:0:0:1]:8080"),
						"SUBDESK_PUBLIC_URL is http://[0:0:0:0:0:0:0:1]:8080", "Set it to the address customers use"),
				refused("SUBDESK_PUBLIC_URL on localhost with a trailing dot",
						config -> config.put("subdesk.public-base-url", "https://localhost./"),
						"SUBDESK_PUBLIC_URL is https://localhost./", "Set it to the address customers use"),
				refused("SUBDESK_MODE=production without any database", config -> {
					config.put("subdesk.mode", "production");
					config.remove("spring.datasource.url");
				}, "No database is configured", "set SUBDESK_DB_URL (or SPRING_DATASOURCE_URL)"));
	}

	@ParameterizedTest(name = "refused with {0}")
	@MethodSource("demoDefaults")
	void productionModeRefusesToStartWithADemoDefaultInForceSayingWhichAndHow(String what,
			Consumer<Map<String, String>> change, String which, String how) {
		Map<String, String> config = production();
		change.accept(config);
		assertThatThrownBy(() -> start(config).close())
			.hasStackTraceContaining(ALL_PROBLEMS_HEADLINE)
			.hasStackTraceContaining(which)
			.hasStackTraceContaining(how);
	}

	@Test
	void everyDemoDefaultInForceIsNamedInOneRefusal() {
		Map<String, String> config = production();
		config.put("subdesk.clock.test-clock", "true");
		config.put("subdesk.api.key", "");
		config.put("subdesk.console.demo-password", "demo-password-1");
		config.remove("subdesk.public-base-url");
		assertThatThrownBy(() -> start(config).close())
			.hasStackTraceContaining("SUBDESK_TEST_CLOCK=true")
			.hasStackTraceContaining("SUBDESK_API_KEY is not set")
			.hasStackTraceContaining("SUBDESK_CONSOLE_DEMO_PASSWORD is set")
			.hasStackTraceContaining("SUBDESK_PUBLIC_URL is http://localhost");
	}

	@Test
	void moreRenewalWorkersThanThePoolCanServeAreRefusedSayingHowManyConnectionsTheyNeed() {
		Map<String, String> config = production();
		config.put("subdesk.renewals.workers", "10");
		config.put("subdesk.db-pool-size", "20");
		// the renewal run's 2 × 10 + 2, one for each of the scheduler's 7 other threads, one for requests
		assertThatThrownBy(() -> start(config).close())
			.hasStackTraceContaining("SUBDESK_RENEWALS_WORKERS is 10")
			.hasStackTraceContaining("SUBDESK_DB_POOL_SIZE (20) must be at least 30");
	}

	@Test
	void moreSchedulerThreadsThanThePoolCanServeBesideTheRenewalWorkersAreRefused() {
		Map<String, String> config = production();
		config.put("spring.task.scheduling.pool.size", "16"); // SUBDESK_SCHEDULER_THREADS
		config.put("subdesk.db-pool-size", "20");
		// the renewal run's 2 × 3 + 2 with the default workers, one for each of the 15 other threads, one for requests
		assertThatThrownBy(() -> start(config).close())
			.hasStackTraceContaining("SUBDESK_SCHEDULER_THREADS is 16")
			.hasStackTraceContaining("the background jobs can hold 23 database connections")
			.hasStackTraceContaining("SUBDESK_DB_POOL_SIZE (20) must be at least 24")
			.hasStackTraceContaining("lower the workers or the scheduler's threads");
	}

	@Test
	void aPoolThatTheDefaultJobsCouldTakeWholeIsRefused() {
		Map<String, String> config = production();
		config.put("subdesk.db-pool-size", "15");
		assertThatThrownBy(() -> start(config).close())
			.hasStackTraceContaining("SUBDESK_RENEWALS_WORKERS is 3 and SUBDESK_SCHEDULER_THREADS is 8")
			.hasStackTraceContaining("SUBDESK_DB_POOL_SIZE (15) must be at least 16");
	}

	@Test
	void anUnknownModeIsRefused() {
		Map<String, String> config = production();
		config.put("subdesk.mode", "prod");
		assertThatThrownBy(() -> start(config).close())
			.hasStackTraceContaining("SUBDESK_MODE is 'prod': set it to demo or production");
	}

	private static Arguments refused(String what, Consumer<Map<String, String>> change, String which, String how) {
		return Arguments.of(what, change, which, how);
	}

	/** A complete production configuration, naming the database the way Spring's own documentation does. */
	private Map<String, String> production() {
		Map<String, String> config = new LinkedHashMap<>();
		config.put("server.port", "0");
		config.put("spring.datasource.url", POSTGRES.url());
		config.put("spring.datasource.username", "postgres");
		config.put("subdesk.api.key", Api.TEST_KEY);
		config.put("subdesk.public-base-url", "https://subscriptions.example.com");
		config.put("subdesk.entitlements.kek", dev.subdesk.testing.SubdeskIntegrationTest.ENTITLEMENT_KEK);
		config.put("subdesk.payments.gateway", "sandbox"); // a staging server, on purpose
		// src/test/resources/config/application.properties sets a demo password for the demo-mode tests
		config.put("subdesk.console.demo-password", "");
		config.put("subdesk.data-dir", dataDir.resolve("never-created").toString());
		config.put("subdesk.jobs.initial-delay", "PT1H");
		config.put("logging.level.root", "WARN");
		return config;
	}

	@SafeVarargs
	private static ConfigurableApplicationContext start(Map<String, String> config,
			ApplicationContextInitializer<ConfigurableApplicationContext>... initializers) {
		List<String> args = config.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toList();
		return new SpringApplicationBuilder(SubdeskApplication.class).initializers(initializers)
			.run(args.toArray(String[]::new));
	}

	private static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
	}
}
