package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.SubdeskApplication;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@link NonAsciiEmailAddressScenarios} on a database whose locale is {@code C}, as an external PostgreSQL initialised
 * without a locale has it (there SQL {@code lower()} folds ASCII letters only), the address typed precomposed (NFC) in
 * another letter case. The embedded server holds the database; the application runs on it as on an external one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NonAsciiEmailAddressesOnACLocaleDatabaseIntegrationTests extends NonAsciiEmailAddressScenarios {

	@TempDir
	static Path dataDir;

	private ConfigurableApplicationContext owner;

	private ConfigurableApplicationContext application;

	private JdbcClient jdbc;

	@BeforeAll
	void start() throws Exception {
		owner = start("--subdesk.data-dir=" + dataDir, "--subdesk.data-dir-disposable=true");
		JdbcClient.create(owner.getBean(DataSource.class))
			.sql("CREATE DATABASE subdesk_c TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER libc LOCALE 'C'")
			.update();
		String url = owner.getBean(DataSource.class).unwrap(com.zaxxer.hikari.HikariDataSource.class).getJdbcUrl()
			.replaceFirst("/postgres(\\?|$)", "/subdesk_c$1");
		application = start("--subdesk.mode=demo", "--subdesk.db-url=" + url, "--subdesk.db-user=postgres",
				"--subdesk.data-dir=" + dataDir.resolve("unused"));
		jdbc = JdbcClient.create(application.getBean(DataSource.class));
		assertThat(jdbc.sql("SELECT datctype FROM pg_database WHERE datname = current_database()").query(String.class)
			.single()).isEqualTo("C");
		assertThat(jdbc.sql("SELECT lower('É')").query(String.class).single()).as("C folds ASCII only").isEqualTo("É");
		Mailbox.register(port(), jdbc);
	}

	@AfterAll
	void stop() {
		if (application != null) {
			application.close();
		}
		if (owner != null) {
			owner.close();
		}
	}

	@Override
	int port() {
		return Integer.parseInt(application.getEnvironment().getProperty("local.server.port", "0"));
	}

	@Override
	JdbcClient jdbc() {
		return jdbc;
	}

	@Override
	Accounts accounts() {
		return application.getBean(Accounts.class);
	}

	@Override
	String typed(String lowerLocalUpperDomain) {
		return lowerLocalUpperDomain;
	}

	private static ConfigurableApplicationContext start(String... properties) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY,
				"--subdesk.entitlements.kek=" + SubdeskIntegrationTest.ENTITLEMENT_KEK,
				"--subdesk.clock.test-clock=true", "--subdesk.jobs.initial-delay=PT1H", "--subdesk.demo.seed=false",
				"--subdesk.portal.codes-per-ip=100000", "--subdesk.portal.public-requests-per-ip=100000",
				"--logging.level.root=WARN"));
		args.addAll(List.of(properties));
		return new SpringApplicationBuilder(SubdeskApplication.class).run(args.toArray(String[]::new));
	}
}
