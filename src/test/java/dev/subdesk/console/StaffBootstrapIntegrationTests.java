package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.SubdeskApplication;
import dev.subdesk.testing.Api;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Outside demo mode (an external database URL) there are no demo users, and the first ADMIN comes from the
 * bootstrap configuration, once. The "external" database here is the embedded one of a demo-mode instance, so
 * it starts with the demo users in it.
 */
class StaffBootstrapIntegrationTests {

	private static final String ADMIN_PASSWORD = "first-admin-passphrase";

	@TempDir
	Path dataDir;

	@Test
	void theBootstrapAdminIsCreatedOnceAndDemoUsersCannotSignInOutsideDemoMode() throws Exception {
		// the demo node owns the embedded PostgreSQL the production starts below use: its watch of the production mark
		// (every 10 s) would close it, and the database with it, while they run on a slow machine
		try (ConfigurableApplicationContext demo = start("subdesk.data-dir=" + dataDir,
				"subdesk.demo.production-mark-check=PT1H")) {
			assertThat(signsIn(port(demo), "agent", ConsoleClient.PASSWORD)).isTrue();
			String url = demo.getBean(javax.sql.DataSource.class)
				.unwrap(com.zaxxer.hikari.HikariDataSource.class)
				.getJdbcUrl();
			String external = "subdesk.db-url=" + url;
			String productionReady = "subdesk.public-base-url=https://subscriptions.example.com";
			// customers would come over HTTPS; this test signs in over plain HTTP, so its cookie must not be Secure
			String plainHttp = "SUBDESK_SECURE_COOKIE=false";
			String noDemoPassword = "subdesk.console.demo-password=";

			assertThatThrownBy(() -> start(external, productionReady, plainHttp, "subdesk.payments.gateway=sandbox", noDemoPassword, "subdesk.db-user=postgres",
					"subdesk.console.bootstrap-admin.username=first-admin",
					"subdesk.console.bootstrap-admin.password=short"))
				.hasStackTraceContaining("the password have 12 to 128 characters");

			try (ConfigurableApplicationContext production = start(external, productionReady, plainHttp, "subdesk.payments.gateway=sandbox", noDemoPassword, "subdesk.db-user=postgres",
					"subdesk.console.bootstrap-admin.username=first-admin",
					"subdesk.console.bootstrap-admin.password=" + ADMIN_PASSWORD)) {
				int port = port(production);
				assertThat(signsIn(port, "agent", ConsoleClient.PASSWORD)).isFalse();
				assertThat(signsIn(port, "admin", ConsoleClient.PASSWORD)).isFalse();
				assertThat(signsIn(port, "first-admin", ADMIN_PASSWORD)).isTrue();
				ConsoleClient admin = new ConsoleClient(port);
				admin.post(ConsoleSecurity.SIGN_IN, Map.of("username", "first-admin", "password", ADMIN_PASSWORD));
				String staffPage = admin.get("/console/staff").body();
				assertThat(staffPage).contains("first-admin", "Enable agent", "Enable admin");
			}
			try (ConfigurableApplicationContext restarted = start(external, productionReady, plainHttp, "subdesk.payments.gateway=sandbox", noDemoPassword, "subdesk.db-user=postgres",
					"subdesk.console.bootstrap-admin.username=second-admin",
					"subdesk.console.bootstrap-admin.password=" + ADMIN_PASSWORD)) {
				assertThat(signsIn(port(restarted), "second-admin", ADMIN_PASSWORD)).as("an ADMIN exists already").isFalse();
				assertThat(signsIn(port(restarted), "first-admin", ADMIN_PASSWORD)).isTrue();
			}
		}
	}

	@Test
	void demoModeOnADatabaseWhereARealStaffAccountHasADemoNameLeavesThatAccountAsItIs() throws Exception {
		try (ConfigurableApplicationContext demo = start("subdesk.data-dir=" + dataDir)) {
			javax.sql.DataSource dataSource = demo.getBean(javax.sql.DataSource.class);
			String url = dataSource.unwrap(com.zaxxer.hikari.HikariDataSource.class).getJdbcUrl();
			org.springframework.jdbc.core.simple.JdbcClient jdbc = org.springframework.jdbc.core.simple.JdbcClient
				.create(dataSource);
			// a real supervisor of that name, made by an admin, with their own password
			jdbc.sql("UPDATE staff_users SET created_by = 'first-admin', password_hash = 'their-own' WHERE username = 'supervisor'")
				.update();

			try (ConfigurableApplicationContext again = start("subdesk.mode=demo", "subdesk.db-url=" + url,
					"subdesk.db-user=postgres")) {
				assertThat(jdbc.sql("SELECT password_hash FROM staff_users WHERE username = 'supervisor'")
					.query(String.class).single()).as("not given the demo password").isEqualTo("their-own");
				assertThat(signsIn(port(again), "supervisor", ConsoleClient.PASSWORD)).isFalse();
				assertThat(signsIn(port(again), "agent", ConsoleClient.PASSWORD)).as("the demo's own users are").isTrue();
			}
		}
	}

	private static boolean signsIn(int port, String username, String password) {
		ConsoleClient.Page page = new ConsoleClient(port).post(ConsoleSecurity.SIGN_IN,
				Map.of("username", username, "password", password));
		return page.status() == 302 && !page.location().contains("error");
	}

	private static ConfigurableApplicationContext start(String... properties) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY,
				"--subdesk.entitlements.kek=" + dev.subdesk.testing.SubdeskIntegrationTest.ENTITLEMENT_KEK, "--subdesk.jobs.initial-delay=PT1H", "--logging.level.root=WARN"));
		for (String property : properties) {
			args.add("--" + property);
		}
		return new SpringApplicationBuilder(SubdeskApplication.class).run(args.toArray(String[]::new));
	}

	private static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
	}
}
