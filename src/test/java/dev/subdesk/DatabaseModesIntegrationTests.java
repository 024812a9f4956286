package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The embedded default keeps its data across restarts and takes configured server settings over its defaults; an
 * external database URL starts no embedded server.
 */
class DatabaseModesIntegrationTests {

	@TempDir
	Path dataDir;

	@Test
	void theEmbeddedDatabaseKeepsItsDataAcrossARestartAndStopsOnShutdown() {
		String accountId;
		String number;
		try (ConfigurableApplicationContext first = start("subdesk.data-dir=" + dataDir,
				"subdesk.embedded-server-config[shared_buffers]=128MB")) {
			assertThat(setting(first, "shared_buffers")).as("a configured setting overrides the default").isEqualTo("128MB");
			assertThat(setting(first, "wal_buffers")).as("a default not configured otherwise").isEqualTo("64MB");
			Api api = new Api(port(first));
			Fixtures fixtures = new Fixtures(api);
			accountId = fixtures.accountWithVisa();
			String sub = fixtures.subscribe(accountId, "antivirus-annual");
			number = fixtures.cancel(sub, "IMMEDIATE").text("confirmationNumber");
		}
		assertThat(Files.exists(dataDir.resolve("pg/postmaster.pid"))).as("PostgreSQL stopped").isFalse();
		try (ConfigurableApplicationContext second = start("subdesk.data-dir=" + dataDir)) {
			assertThat(setting(second, "shared_buffers")).as("the default again").isEqualTo("256MB");
			Api api = new Api(port(second));
			assertThat(api.get("/accounts/" + accountId).status()).isEqualTo(200);
			assertThat(api.get("/cancellations/" + number).text("status")).isEqualTo("EFFECTIVE");
			Api.Response receipt = api.get("/cancellations/" + number + "/receipt");
			assertThat(api.post("/receipts/verify", receipt.raw()).json().path("valid").asBoolean()).isTrue();
		}
	}

	@Test
	void aDisposableDataDirectoryIsDeletedWhenTheApplicationStops() {
		Path disposable = dataDir.resolve("throwaway");
		try (ConfigurableApplicationContext context = start("subdesk.data-dir=" + disposable,
				"subdesk.data-dir-disposable=true")) {
			new Fixtures(new Api(port(context))).account();
			assertThat(Files.exists(disposable.resolve("pg/PG_VERSION"))).as("the server's data while it runs").isTrue();
		}
		assertThat(Files.exists(disposable)).as("deleted once PostgreSQL stopped").isFalse();
	}

	@Test
	void anExternalDatabaseUrlIsUsedAndNoEmbeddedServerIsStarted() throws Exception {
		try (ConfigurableApplicationContext owner = start("subdesk.data-dir=" + dataDir)) {
			String url = owner.getBean(javax.sql.DataSource.class).unwrap(com.zaxxer.hikari.HikariDataSource.class).getJdbcUrl();
			Path unused = dataDir.resolve("never-created");
			try (ConfigurableApplicationContext external = start("subdesk.db-url=" + url, "subdesk.db-user=postgres",
					"subdesk.public-base-url=https://subscriptions.example.com", "subdesk.console.demo-password=",
					"subdesk.payments.gateway=sandbox",
					"subdesk.data-dir=" + unused)) {
				Api api = new Api(port(external));
				String account = new Fixtures(api).account();
				assertThat(new Api(port(owner)).get("/accounts/" + account).status()).isEqualTo(200);
				assertThat(Files.exists(unused)).isFalse();
				assertThat(api.get("/test-clock").status()).as("test clock is off with an external database").isEqualTo(404);
			}
		}
	}

	@Test
	void anExternalDatabaseWithoutAnApiKeyRefusesToStart() {
		{
			org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SpringApplicationBuilder(SubdeskApplication.class)
				.run("--server.port=0", "--subdesk.db-url=jdbc:postgresql://127.0.0.1:1/none", "--subdesk.api.key="))
				.hasStackTraceContaining("SUBDESK_API_KEY is not set");
		}
	}

	/** Starts the application; properties are passed as command-line arguments, which override application.properties. */
	private static ConfigurableApplicationContext start(String... properties) {
		java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--server.port=0",
				"--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.entitlements.kek=" + dev.subdesk.testing.SubdeskIntegrationTest.ENTITLEMENT_KEK,  "--subdesk.jobs.initial-delay=PT1H", "--logging.level.root=WARN"));
		for (String property : properties) {
			args.add("--" + property);
		}
		return new SpringApplicationBuilder(SubdeskApplication.class).run(args.toArray(String[]::new));
	}

	/** A setting of the embedded PostgreSQL as it runs. */
	private static String setting(ConfigurableApplicationContext context, String name) {
		return org.springframework.jdbc.core.simple.JdbcClient.create(context.getBean(javax.sql.DataSource.class))
			.sql("SELECT current_setting(:name)")
			.param("name", name)
			.query(String.class)
			.single();
	}

	private static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
	}
}
